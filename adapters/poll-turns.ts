/**
 * One poll of a device at a time: a tick that comes while a poll still runs is skipped and counted
 * (a slow device must not pile polls up behind it). Shared by the Modbus and SNMP pollers.
 */
export class PollTurns {
  #polling = false;
  /** Polls begun. */
  polls = 0;
  /** Ticks skipped because a poll was still running. */
  skipped = 0;

  get polling(): boolean {
    return this.#polling;
  }

  /** Begins a poll unless one runs (then the tick is counted as skipped): whether it began. */
  begin(): boolean {
    if (this.#polling) {
      this.skipped += 1;
      return false;
    }
    this.#polling = true;
    this.polls += 1;
    return true;
  }

  /** The poll is settled: the next tick may begin one. */
  end(): void {
    this.#polling = false;
  }
}
