import type { Clock, TimerHandle } from '../../core/clock.js';

interface Pace {
  /** Summaries made so far (the next key is `summary-{n + 1}`). */
  n: number;
  /** Monotonic time of the last one. */
  lastAt: number;
  /** The key of the last one, while it may still be pending on some channel. */
  lastKey: string;
  timer: TimerHandle | null;
}

/**
 * When an incident (a flood, a power loss with the equipment it feeds) says how many alarms it
 * groups: at once for its first alarm, then at most once every `everyMs` of elapsed time while
 * more join, so a storm of fifty alarms is a handful of messages, not fifty. A summary that has
 * not gone out on any channel yet is brought up to date in place instead of queueing another.
 */
export class IncidentSummaries {
  readonly #paces = new Map<string, Pace>();

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
  ) {}

  /**
   * What to do about an incident that just grouped another alarm: `stage` a new summary under `key`,
   * `replace` the pending one under `key`, or `later` (a timer will call `onDue`).
   */
  decide(incidentId: string, pending: (key: string) => boolean, onDue: () => void): { what: 'stage' | 'replace'; key: string } | { what: 'later' } {
    const now = this.clock.monotonic();
    const pace = this.#paces.get(incidentId);
    if (pace !== undefined && pending(pace.lastKey)) return { what: 'replace', key: pace.lastKey };
    if (pace === undefined || now - pace.lastAt >= this.everyMs) return { what: 'stage', key: this.#next(incidentId, now) };
    if (pace.timer === null) {
      pace.timer = this.clock.setTimeout(() => {
        pace.timer = null;
        onDue();
      }, pace.lastAt + this.everyMs - now);
    }
    return { what: 'later' };
  }

  /** The timer fired: the key of the update to stage now. */
  due(incidentId: string): string {
    return this.#next(incidentId, this.clock.monotonic());
  }

  stop(): void {
    for (const p of this.#paces.values()) p.timer?.cancel();
    this.#paces.clear();
  }

  #next(incidentId: string, now: number): string {
    const pace = this.#paces.get(incidentId) ?? { n: 0, lastAt: now, lastKey: '', timer: null };
    pace.n += 1;
    pace.lastAt = now;
    pace.lastKey = `${incidentId}/summary-${pace.n}`;
    this.#paces.set(incidentId, pace);
    return pace.lastKey;
  }
}
