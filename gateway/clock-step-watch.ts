import type { Clock, TimerHandle } from '../core/clock.js';
import { siteDateTime, preciseSpanWords } from '../core/local-time.js';
import type { Logger } from '../core/log.js';

/** One step of the wall clock, as seen against elapsed time. */
export interface ClockStep {
  /** Wall time just before the step would have read now, and what it reads (epoch ms). */
  readonly from: number;
  readonly to: number;
  /** to - from: positive forward, negative back. */
  readonly deltaMs: number;
}

export interface ClockHealth {
  readonly steps: number;
  readonly lastStep: ClockStep | null;
}

/** A drift this small between checks is NTP slewing or timer jitter, not a step. */
const STEP_MS = 5_000;
const CHECK_MS = 1_000;

/**
 * Notices steps of the wall clock (NTP correcting a board whose RTC battery is flat: seconds to
 * hours, either way) by comparing it with elapsed time once a second. A step changes nothing the
 * gateway measures (every duration is elapsed time); it is logged (`GW_CLOCK_STEP`, the old and new
 * time in the site's time zone) and shown on /readyz, because stamps made around it (ticket times,
 * deadlines) jump with it and an operator reading them should know why.
 */
export class ClockStepWatch {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #timeZone: string;
  #timer: TimerHandle | null = null;
  /** wall - monotonic at the last check. */
  #offset = 0;
  #steps = 0;
  #last: ClockStep | null = null;

  constructor(deps: { clock: Clock; log: Logger; timeZone: string }) {
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#timeZone = deps.timeZone;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#offset = this.#clock.now() - this.#clock.monotonic();
    this.#timer = this.#clock.setInterval(() => this.check(), CHECK_MS);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  health(): ClockHealth {
    return { steps: this.#steps, lastStep: this.#last };
  }

  /** One comparison (the timer calls it; tests may too). */
  check(): void {
    const mono = this.#clock.monotonic();
    const wall = this.#clock.now();
    const offset = wall - mono;
    const deltaMs = offset - this.#offset;
    this.#offset = offset;
    if (Math.abs(deltaMs) < STEP_MS) return;
    const step: ClockStep = { from: wall - deltaMs, to: wall, deltaMs: Math.round(deltaMs) };
    this.#steps += 1;
    this.#last = step;
    const tz = this.#timeZone;
    this.#log.warn(
      { event: 'clock.step', code: 'GW_CLOCK_STEP', from: step.from, to: step.to, deltaMs: step.deltaMs },
      `the wall clock stepped ${deltaMs > 0 ? 'forward' : 'back'} ${preciseSpanWords(deltaMs)}: ${siteDateTime(step.from, tz)} -> ${siteDateTime(step.to, tz)} (${tz}); delays and deadlines keep counting elapsed time`,
    );
  }
}
