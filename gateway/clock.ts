/**
 * Time as a dependency. Domain code asks the clock, never Date.now(), so tests can play hours of
 * a scenario in milliseconds with ManualClock.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Calls fn once after ms. The handle never keeps the process alive on its own. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Calls fn every ms until cancelled. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};

interface ManualTimer {
  readonly id: number;
  at: number;
  readonly every: number | null;
  readonly fn: () => void;
}

/** A clock that moves only when told to; timers fire in time order during advance(). */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, ManualTimer>();

  constructor(start = Date.UTC(2026, 0, 5, 2, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  /** Moves time forward by ms, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.at <= target && (due === undefined || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      }
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.at);
      if (due.every === null) this.#timers.delete(due.id);
      else due.at += due.every;
      due.fn();
    }
    this.#now = target;
  }

  /** Sets the time without firing timers (for tests that start at a given wall time). */
  set(epochMs: number): void {
    this.#now = epochMs;
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  #add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), every, fn });
    return { cancel: () => void this.#timers.delete(id) };
  }
}

/**
 * Wall time sped up by `speed` (scenario runs and demos): ten minutes of on-delays, heartbeats and
 * escalations pass in thirty seconds at speed 20, while sockets and simulators run for real.
 */
export class ScaledClock implements Clock {
  readonly #speed: number;
  readonly #realStart = Date.now();
  readonly #start: number;

  constructor(speed: number, start = Date.now()) {
    if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
    this.#speed = speed;
    this.#start = start;
  }

  get speed(): number {
    return this.#speed;
  }

  now(): number {
    return this.#start + Math.round((Date.now() - this.#realStart) * this.#speed);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return systemClock.setTimeout(fn, ms / this.#speed);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return systemClock.setInterval(fn, Math.max(1, ms / this.#speed));
  }
}
