import type { AlarmsConfig } from './config-schema.js';

/**
 * ISA-18.2 alarm flood: more than `startAbove` new alarms within the window starts a flood, which
 * ends when fewer than `endBelow` new alarms fall within the window.
 */
export class FloodTracker {
  readonly #times: number[] = [];
  readonly #windowMs: number;
  #flooding = false;

  constructor(readonly cfg: AlarmsConfig['flood']) {
    this.#windowMs = cfg.windowMinutes * 60_000;
  }

  /** Records one new alarm; returns whether the site is now in a flood. */
  record(now: number): boolean {
    this.#times.push(now);
    return this.#update(now);
  }

  flooding(now: number): boolean {
    return this.#update(now);
  }

  #update(now: number): boolean {
    while (this.#times.length > 0 && (this.#times[0] ?? 0) <= now - this.#windowMs) this.#times.shift();
    const n = this.#times.length;
    if (!this.#flooding && n > this.cfg.startAbove) this.#flooding = true;
    else if (this.#flooding && n < this.cfg.endBelow) this.#flooding = false;
    return this.#flooding;
  }
}
