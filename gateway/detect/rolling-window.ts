/**
 * The values of one input over a trailing window of elapsed time, for the state-aware rules: its
 * mean (a rolling average) and its range (a sensor that never moves). Fed at a steady pace by the
 * rule itself (once a second of elapsed time, whatever the point's own rate), so a mean is a
 * mean over time for a point reported on change (BACnet COV) as for one polled every second.
 *
 * Kept as at most `buckets` sums, not the samples: an hour's window of a point costs 30 small
 * objects, not 3,600 samples, and the point's evidence ring stays its own size.
 */
interface Bucket {
  readonly start: number;
  sum: number;
  n: number;
  min: number;
  max: number;
  last: number;
}

export class RollingWindow {
  readonly #windowMs: number;
  readonly #bucketMs: number;
  readonly #buckets: Bucket[] = [];
  /** The last value of the newest bucket dropped: what the input read as the window starts. */
  #carry: number | undefined;
  #firstAt: number | undefined;

  constructor(windowMs: number, buckets = 30) {
    this.#windowMs = windowMs;
    this.#bucketMs = Math.max(1_000, windowMs / buckets);
  }

  add(at: number, value: number): void {
    this.#firstAt ??= at;
    const last = this.#buckets.at(-1);
    if (last !== undefined && at < last.start + this.#bucketMs) {
      last.sum += value;
      last.n += 1;
      last.min = Math.min(last.min, value);
      last.max = Math.max(last.max, value);
      last.last = value;
    } else {
      this.#buckets.push({ start: at, sum: value, n: 1, min: value, max: value, last: value });
    }
    this.#trim(at);
  }

  /** The mean of the values within the window, or undefined when none is. */
  mean(now: number): number | undefined {
    this.#trim(now);
    let sum = 0;
    let n = 0;
    for (const b of this.#buckets) {
      sum += b.sum;
      n += b.n;
    }
    return n === 0 ? undefined : sum / n;
  }

  /** The lowest and highest value the input read over the window, the one it carried in included. */
  range(now: number): { min: number; max: number } | undefined {
    this.#trim(now);
    let min = this.#carry ?? Infinity;
    let max = this.#carry ?? -Infinity;
    for (const b of this.#buckets) {
      min = Math.min(min, b.min);
      max = Math.max(max, b.max);
    }
    return min > max ? undefined : { min, max };
  }

  /** Whether values have been seen for the whole window (a flat line needs the full window). */
  covers(now: number): boolean {
    return this.#firstAt !== undefined && now - this.#firstAt >= this.#windowMs;
  }

  /** Forgets everything (the input went unknown: its flat line starts again). */
  reset(): void {
    this.#buckets.length = 0;
    this.#carry = undefined;
    this.#firstAt = undefined;
  }

  #trim(now: number): void {
    while (this.#buckets.length > 0 && (this.#buckets[0]?.start ?? 0) + this.#bucketMs <= now - this.#windowMs) this.#carry = this.#buckets.shift()?.last;
  }
}
