/** Where an adapter over shared upstreams is in its own life (its link state comes from them while running). */
export type Lifecycle = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * An adapter's own life, the same for every adapter over shared upstreams (Modbus, SNMP, BACnet):
 * start() is idempotent, stop() stops once and a second call waits for the first, and it can start
 * again after a stop. Read `running()` after an await: the state may have changed meanwhile.
 */
export class AdapterLife {
  #state: Lifecycle = 'idle';
  #stopping: Promise<void> | null = null;

  get state(): Lifecycle {
    return this.#state;
  }

  running(): boolean {
    return this.#state === 'running';
  }

  /** Begins a start: false (nothing to do) while running or stopping. */
  begin(): boolean {
    if (this.#state === 'running' || this.#state === 'stopping') return false;
    this.#state = 'running';
    this.#stopping = null;
    return true;
  }

  /**
   * Stops once: `close` releases what the adapter holds (consumers before the connections they
   * share); then the state is `stopped` and `stopped` runs (the log line, the last status).
   */
  stop(close: () => Promise<void>, stopped: () => void): Promise<void> {
    if (this.#state !== 'running') return this.#stopping ?? Promise.resolve();
    this.#state = 'stopping';
    this.#stopping = close().then(() => {
      this.#state = 'stopped';
      stopped();
    });
    return this.#stopping;
  }
}
