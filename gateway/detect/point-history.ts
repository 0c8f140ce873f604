import type { Quality, ReadingValue } from '../../adapters/reading.js';
import type { EvidenceSample } from '../tickets/ticket.js';

/**
 * A fixed-size ring of the recent samples of one point: the evidence a ticket carries (the
 * pressure curve before a burst pipe). Arrays are allocated once; pushing never allocates.
 */
export class PointHistory {
  readonly #ts: Float64Array;
  readonly #values: ReadingValue[];
  readonly #quality: Quality[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity = 240) {
    this.#ts = new Float64Array(capacity);
    this.#values = new Array<ReadingValue>(capacity).fill(null);
    this.#quality = new Array<Quality>(capacity).fill('bad');
  }

  push(ts: number, value: ReadingValue, quality: Quality): void {
    this.#ts[this.#next] = ts;
    this.#values[this.#next] = value;
    this.#quality[this.#next] = quality;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size += 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Samples newer than `sinceTs`, oldest first. */
  since(sinceTs: number): EvidenceSample[] {
    const out: EvidenceSample[] = [];
    for (let i = 0; i < this.#size; i++) {
      const at = (this.#next - this.#size + i + this.capacity) % this.capacity;
      const ts = this.#ts[at] ?? 0;
      if (ts >= sinceTs) out.push({ ts, value: this.#values[at] ?? null, quality: this.#quality[at] ?? 'bad' });
    }
    return out;
  }

  /** The newest good numeric sample at or before `ts`, or undefined. */
  numberAt(ts: number): { ts: number; value: number } | undefined {
    for (let i = 1; i <= this.#size; i++) {
      const at = (this.#next - i + this.capacity) % this.capacity;
      const t = this.#ts[at] ?? 0;
      const v = this.#values[at];
      if (t <= ts && this.#quality[at] === 'good' && typeof v === 'number') return { ts: t, value: v };
    }
    return undefined;
  }
}
