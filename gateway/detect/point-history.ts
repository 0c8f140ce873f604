import type { Quality, ReadingValue } from '../../adapters/reading.js';
import type { EvidenceSample } from '../tickets/ticket.js';

/** What kind of value a slot holds: the value itself sits in `#numbers` or `#strings`. */
const Kind = { Null: 0, Number: 1, True: 2, False: 3, String: 4 } as const;

const QUALITIES: readonly Quality[] = ['good', 'bad', 'uncertain'];
const QUALITY_CODE: Readonly<Record<Quality, number>> = { good: 0, bad: 1, uncertain: 2 };

/**
 * A fixed-size ring of the recent samples of one point: the evidence a ticket carries (the
 * pressure curve before a burst pipe).
 *
 * Numbers, kinds and qualities live in typed arrays, so a sample keeps no JavaScript object alive.
 * Holding the readings' own values (boxed doubles) made every sample of 5,000 points survive to
 * the old generation: each young-generation collection copied them and the old generation grew
 * by ~1 MB/s until the rings were full, and those collection pauses were the tail of fault
 * latency (docs/performance.md, run E). Strings (state points) are rare and kept in a plain
 * array made only when the first one arrives.
 */
export class PointHistory {
  readonly #ts: Float64Array;
  readonly #numbers: Float64Array;
  readonly #kinds: Uint8Array;
  readonly #quality: Uint8Array;
  #strings: (string | undefined)[] | null = null;
  #next = 0;
  #size = 0;

  constructor(readonly capacity = 240) {
    this.#ts = new Float64Array(capacity);
    this.#numbers = new Float64Array(capacity);
    this.#kinds = new Uint8Array(capacity);
    this.#quality = new Uint8Array(capacity);
  }

  push(ts: number, value: ReadingValue, quality: Quality): void {
    const at = this.#next;
    this.#ts[at] = ts;
    this.#quality[at] = QUALITY_CODE[quality];
    if (this.#strings !== null) this.#strings[at] = undefined;
    if (typeof value === 'number') {
      this.#kinds[at] = Kind.Number;
      this.#numbers[at] = value;
    } else if (typeof value === 'boolean') {
      this.#kinds[at] = value ? Kind.True : Kind.False;
    } else if (typeof value === 'string') {
      this.#kinds[at] = Kind.String;
      this.#strings ??= new Array<string | undefined>(this.capacity).fill(undefined);
      this.#strings[at] = value;
    } else {
      this.#kinds[at] = Kind.Null;
    }
    this.#next = (at + 1) % this.capacity;
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
      if (ts >= sinceTs) out.push({ ts, value: this.#valueAt(at), quality: QUALITIES[this.#quality[at] ?? 1] ?? 'bad' });
    }
    return out;
  }

  /** The newest good numeric sample at or before `ts`, or undefined. */
  numberAt(ts: number): { ts: number; value: number } | undefined {
    for (let i = 1; i <= this.#size; i++) {
      const at = (this.#next - i + this.capacity) % this.capacity;
      const t = this.#ts[at] ?? 0;
      if (t <= ts && this.#quality[at] === QUALITY_CODE.good && this.#kinds[at] === Kind.Number) return { ts: t, value: this.#numbers[at] ?? 0 };
    }
    return undefined;
  }

  #valueAt(at: number): ReadingValue {
    switch (this.#kinds[at]) {
      case Kind.Number:
        return this.#numbers[at] ?? null;
      case Kind.True:
        return true;
      case Kind.False:
        return false;
      case Kind.String:
        return this.#strings?.[at] ?? null;
      default:
        return null;
    }
  }
}
