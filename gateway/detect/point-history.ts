import type { Quality, ReadingValue } from '../../core/reading.js';
import type { EvidenceSample } from '../tickets/ticket.js';

/** What kind of value a slot holds: the value itself sits in `#numbers` or `#strings`. */
const Kind = { Null: 0, Number: 1, True: 2, False: 3, String: 4 } as const;

const QUALITIES: readonly Quality[] = ['good', 'bad', 'uncertain'];
const QUALITY_CODE: Readonly<Record<Quality, number>> = { good: 0, bad: 1, uncertain: 2 };

/** Samples a ring starts with when its point first reports; it doubles from there as it needs. */
const FIRST_CAPACITY = 4;
/** What every ring holds before its point first reports (one pair for all: a site of 100,000 points mostly idle). */
const NO_F64 = new Float64Array(0);
const NO_U8 = new Uint8Array(0);

/**
 * A ring of the recent samples of one point: the evidence a ticket carries (the pressure curve
 * before a burst pipe) and what rules look back at (a drop within 10 s).
 *
 * Sized to what the point really sends: empty until it first reports, then doubled only while
 * dropping the oldest sample would leave none at or before `keepMs` ago (the evidence window, or a rule's longer look-back), up to
 * `max`. A meter reporting every 30 s keeps 8 samples, not 240: a fixed ring of 240 was 4.3 kB a
 * point, most of a big site's memory (docs/performance.md, run J).
 *
 * Times and numbers live in one typed array, kinds and qualities in another, so a sample keeps no
 * JavaScript object alive: holding the readings' own values (boxed doubles) made every sample of
 * 5,000 points survive to the old generation, and those collection pauses were the tail of fault
 * latency (run E). Strings (state points) are rare and kept in a plain array made only when the
 * first one arrives.
 */
export class PointHistory {
  readonly #max: number;
  readonly #keepMs: number;
  /** [ts, number] per slot. */
  #f64 = NO_F64;
  /** [kind, quality] per slot. */
  #u8 = NO_U8;
  #strings: (string | undefined)[] | null = null;
  #capacity = 0;
  #next = 0;
  #size = 0;

  /** `max` bounds a fast point's memory; `keepMs` is how far back the ring must reach (elapsed ms). */
  constructor(max = 240, keepMs = Number.POSITIVE_INFINITY) {
    this.#max = max;
    this.#keepMs = keepMs;
  }

  /** Slots held now (grows to what the point sends, at most `max`). */
  get capacity(): number {
    return this.#capacity;
  }

  push(ts: number, value: ReadingValue, quality: Quality): void {
    // Full: the oldest goes unless the ring must grow to keep a sample at or before `ts - keepMs`.
    if (this.#size === this.#capacity && this.#capacity < this.#max && (this.#size === 0 || (this.#f64[2 * this.#slot(1)] ?? 0) > ts - this.#keepMs)) this.#grow();
    const at = this.#next;
    const f = 2 * at;
    this.#f64[f] = ts;
    this.#u8[f + 1] = QUALITY_CODE[quality];
    if (this.#strings !== null) this.#strings[at] = undefined;
    if (typeof value === 'number') {
      this.#u8[f] = Kind.Number;
      this.#f64[f + 1] = value;
    } else if (typeof value === 'boolean') {
      this.#u8[f] = value ? Kind.True : Kind.False;
    } else if (typeof value === 'string') {
      this.#u8[f] = Kind.String;
      this.#strings ??= new Array<string | undefined>(this.#capacity).fill(undefined);
      this.#strings[at] = value;
    } else {
      this.#u8[f] = Kind.Null;
    }
    this.#next = (at + 1) % this.#capacity;
    if (this.#size < this.#capacity) this.#size += 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Samples newer than `sinceTs`, oldest first. */
  since(sinceTs: number): EvidenceSample[] {
    const out: EvidenceSample[] = [];
    for (let i = 0; i < this.#size; i++) {
      const at = this.#slot(i);
      const ts = this.#f64[2 * at] ?? 0;
      if (ts >= sinceTs) out.push({ ts, value: this.#valueAt(at), quality: QUALITIES[this.#u8[2 * at + 1] ?? 1] ?? 'bad' });
    }
    return out;
  }

  /**
   * Whether the point has held a state since `ts`: its last sample at or before `ts`, and every
   * sample after, good and passing `test`. False when no sample reaches back that far. Walks from
   * the newest and stops at the first answer, building nothing.
   */
  heldSince(ts: number, test: (v: ReadingValue) => boolean): boolean {
    for (let i = this.#size - 1; i >= 0; i--) {
      const at = this.#slot(i);
      if (this.#u8[2 * at + 1] !== QUALITY_CODE.good || !test(this.#valueAt(at))) return false;
      if ((this.#f64[2 * at] ?? 0) <= ts) return true;
    }
    return false;
  }

  /** The newest good numeric sample at or before `ts`, or undefined. */
  numberAt(ts: number): { ts: number; value: number } | undefined {
    for (let i = this.#size - 1; i >= 0; i--) {
      const at = this.#slot(i);
      const t = this.#f64[2 * at] ?? 0;
      if (t <= ts && this.#u8[2 * at + 1] === QUALITY_CODE.good && this.#u8[2 * at] === Kind.Number) return { ts: t, value: this.#f64[2 * at + 1] ?? 0 };
    }
    return undefined;
  }

  /** The slot of the i-th sample held, oldest first. */
  #slot(i: number): number {
    return (this.#next - this.#size + i + this.#capacity) % this.#capacity;
  }

  /** Doubles the ring (at most `max`), the samples kept in order from slot 0. */
  #grow(): void {
    const capacity = Math.min(this.#max, Math.max(FIRST_CAPACITY, this.#capacity * 2));
    const f64 = new Float64Array(2 * capacity);
    const u8 = new Uint8Array(2 * capacity);
    const strings = this.#strings === null ? null : new Array<string | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.#size; i++) {
      const at = this.#slot(i);
      f64[2 * i] = this.#f64[2 * at] ?? 0;
      f64[2 * i + 1] = this.#f64[2 * at + 1] ?? 0;
      u8[2 * i] = this.#u8[2 * at] ?? 0;
      u8[2 * i + 1] = this.#u8[2 * at + 1] ?? 0;
      if (strings !== null) strings[i] = this.#strings?.[at];
    }
    this.#f64 = f64;
    this.#u8 = u8;
    this.#strings = strings;
    this.#capacity = capacity;
    this.#next = this.#size % capacity;
  }

  #valueAt(at: number): ReadingValue {
    switch (this.#u8[2 * at]) {
      case Kind.Number:
        return this.#f64[2 * at + 1] ?? null;
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
