/**
 * Time as a dependency, with two faces (DESIGN "Time"):
 * - `monotonic()` is elapsed time. It never steps, so every delay, timeout, on/off-delay, window,
 *   sweep and escalation measures with it (and the timers run on it).
 * - `now()` is wall time. It only stamps events and the deadlines people read, and it may step
 *   by hours when NTP corrects a board whose RTC battery is flat.
 * Domain code asks the clock, never Date.now() or performance.now(), so tests can play hours of a
 * scenario in milliseconds with ManualClock and step its wall time on purpose.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall time, epoch ms: for stamps only. */
  now(): number;
  /** Elapsed time in ms from an arbitrary origin: never steps, never goes back. */
  monotonic(): number;
  /** Calls fn once after ms of elapsed time. The handle never keeps the process alive on its own. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Calls fn every ms of elapsed time until cancelled. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}

/** Node's timers run on libuv's monotonic loop clock, so they are elapsed time already. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
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
  /** Monotonic time it is due. */
  at: number;
  readonly every: number | null;
  readonly fn: () => void;
}

/** A clock that moves only when told to; timers fire in time order during advance(). */
export class ManualClock implements Clock {
  #wall: number;
  #mono = 0;
  #nextId = 1;
  readonly #timers = new Map<number, ManualTimer>();

  constructor(start = Date.UTC(2026, 0, 5, 2, 0, 0)) {
    this.#wall = start;
  }

  now(): number {
    return this.#wall;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  /** Lets ms of time pass (both clocks), firing every timer due on the way, in order. */
  advance(ms: number): void {
    const target = this.#mono + ms;
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.at <= target && (due === undefined || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      }
      if (due === undefined) break;
      const at = Math.max(this.#mono, due.at);
      this.#wall += at - this.#mono;
      this.#mono = at;
      if (due.every === null) this.#timers.delete(due.id);
      else due.at += due.every;
      due.fn();
    }
    this.#wall += target - this.#mono;
    this.#mono = target;
  }

  /** Sets the wall time without any time passing: a clock step (or a test's starting time). */
  set(epochMs: number): void {
    this.#wall = epochMs;
  }

  /** Steps the wall clock by deltaMs (negative: back), as NTP does; elapsed time does not move. */
  step(deltaMs: number): void {
    this.#wall += deltaMs;
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  #add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#mono + Math.max(0, ms), every, fn });
    return { cancel: () => void this.#timers.delete(id) };
  }
}

/**
 * Time sped up by `speed` (scenario runs and demos): ten minutes of on-delays, heartbeats and
 * escalations pass in thirty seconds at speed 20, while sockets and simulators run for real.
 * Both faces grow from the monotonic clock, so a step of the machine's clock moves neither.
 */
export class ScaledClock implements Clock {
  readonly #speed: number;
  readonly #realStart: number;
  readonly #start: number;

  /** `start` is the wall time it reads at `realStart` (this process's performance.now(), default: now). */
  constructor(speed: number, start = Date.now(), realStart = performance.now()) {
    if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
    this.#speed = speed;
    this.#start = start;
    this.#realStart = realStart;
  }

  /**
   * The same scaled time in several processes (a scenario's runner and the gateway process it
   * starts and kills): each reads `simAnchor` at the real instant `realAnchor` (epoch ms), measured
   * from its own start (performance.timeOrigin) on its monotonic clock.
   */
  static anchored(speed: number, realAnchor: number, simAnchor: number): ScaledClock {
    return new ScaledClock(speed, simAnchor, realAnchor - performance.timeOrigin);
  }

  /** What another process needs to share this clock (GATEWAY_SIM_CLOCK, sim-clock.ts). */
  anchor(): { speed: number; realAnchor: number; simAnchor: number } {
    return { speed: this.#speed, realAnchor: performance.timeOrigin + this.#realStart, simAnchor: this.#start };
  }

  get speed(): number {
    return this.#speed;
  }

  now(): number {
    return this.#start + Math.round(this.monotonic());
  }

  monotonic(): number {
    return (performance.now() - this.#realStart) * this.#speed;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return systemClock.setTimeout(fn, ms / this.#speed);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return systemClock.setInterval(fn, Math.max(1, ms / this.#speed));
  }
}
