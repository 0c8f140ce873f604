/**
 * A token bucket per pushing device, on elapsed (monotonic) time: `burst` pushes at once, refilled
 * at `perSecond`. A step of the wall clock neither opens nor shuts it.
 */
export class RateBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes one push, or says in how many ms one will be there. */
  take(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.#tokens = Math.min(this.burst, this.#tokens + (Math.max(0, now - this.#at) * this.perSecond) / 1000);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond) };
  }
}
