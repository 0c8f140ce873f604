/**
 * Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and
 * Jitter"): the delay is uniform in [0, min(cap, base * 2^attempt)], so a site full of devices
 * that lost the same upstream does not reconnect in lockstep.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** Defaults to Math.random; tests pass a fixed one. */
  readonly random?: () => number;
}

export class Backoff {
  #attempt = 0;
  readonly #opts: BackoffOptions;

  constructor(opts: BackoffOptions) {
    if (opts.baseMs <= 0 || opts.capMs < opts.baseMs) {
      throw new RangeError(`backoff needs 0 < baseMs <= capMs, got ${opts.baseMs} / ${opts.capMs}`);
    }
    this.#opts = opts;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next try; each call counts as one more failed attempt. */
  next(): number {
    const ceiling = Math.min(this.#opts.capMs, this.#opts.baseMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    const random = this.#opts.random ?? Math.random;
    // Never zero: a zero delay would spin on a peer that refuses at once.
    return Math.max(1, Math.round(random() * ceiling));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
