import type { Quality, Reading, ReadingValue } from './reading.js';

/**
 * The last value of one point, kept without keeping the reading. Readings arrive by the ten
 * thousand a second and each point's latest lives about as long as its publish period: a kept
 * reading object (and its boxed double) outlives a young-generation collection or two, is copied
 * into the old generation and dies there, and at 10,000 readings/s that promotion drove the
 * collection pauses behind the tail of fault latency (docs/performance.md, run E). Here the fields
 * are overwritten in place and a number sits in a field that only ever holds numbers, which V8
 * keeps unboxed and updates without allocating.
 */
export class LatestValue {
  #number = 0;
  #other: string | boolean | null = null;
  #kind: 'none' | 'number' | 'other' = 'none';
  #quality: Quality = 'bad';
  #ts = 0;

  set(r: Pick<Reading, 'value' | 'quality' | 'ts'>): void {
    if (typeof r.value === 'number') {
      this.#number = r.value;
      this.#other = null;
      this.#kind = 'number';
    } else {
      this.#other = r.value;
      this.#kind = 'other';
    }
    this.#quality = r.quality;
    this.#ts = r.ts;
  }

  clear(): void {
    this.#other = null;
    this.#kind = 'none';
  }

  /** undefined when nothing was read since start (or since clear()). */
  get value(): ReadingValue | undefined {
    if (this.#kind === 'number') return this.#number;
    if (this.#kind === 'other') return this.#other;
    return undefined;
  }

  get quality(): Quality | 'none' {
    return this.#kind === 'none' ? 'none' : this.#quality;
  }

  get ts(): number | null {
    return this.#kind === 'none' ? null : this.#ts;
  }
}
