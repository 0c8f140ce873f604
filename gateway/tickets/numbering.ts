import path from 'node:path';
import { DurableJsonFile } from '../store/durable-json-file.js';
import { errorMessage } from '../../core/errors.js';
import { siteDay } from '../../core/local-time.js';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';

/** Numbers reserved ahead per day: one small synced write per this many tickets of a day. */
const BLOCK = 100;
/** Days of reservations kept in the file (a number is never reused on a day still in it). */
const KEEP_DAYS = 400;

interface Reserved {
  /** 'YYYYMMDD' -> highest sequence that may have been given out that day. */
  readonly days: Record<string, number>;
}

/**
 * Ticket numbers `{siteCode}-{YYYYMMDD}-{seq}`, per site-local day, never given twice.
 *
 * The day's counter lives in the store and is written with the ticket. That alone reuses numbers
 * when the store has to start from an older generation (a torn snapshot recovered from `.bak`, a
 * journal cut at a bad line): the lost tickets' numbers were announced and uploaded, and the next
 * raises would hand them out again. So numbers are also reserved ahead in blocks in a file of
 * their own (`numbers.json`, written durably before a number of a new block is used), and after
 * recovering an older generation every day's counter resumes above its reservation. A step of the
 * wall clock only changes which day's counter is used; each day's counter only grows.
 */
export class TicketNumbering {
  readonly #store: Store;
  readonly #file: DurableJsonFile<Reserved>;
  readonly #siteCode: string;
  readonly #timeZone: string;
  readonly #log: Logger;
  #reserved: Record<string, number>;

  private constructor(deps: { store: Store; file: DurableJsonFile<Reserved>; siteCode: string; timeZone: string; log: Logger }, reserved: Record<string, number>) {
    this.#store = deps.store;
    this.#file = deps.file;
    this.#siteCode = deps.siteCode;
    this.#timeZone = deps.timeZone;
    this.#log = deps.log;
    this.#reserved = reserved;
  }

  static async open(deps: { store: Store; dataDir: string; siteCode: string; timeZone: string; log: Logger }): Promise<TicketNumbering> {
    const file = new DurableJsonFile<Reserved>(path.join(deps.dataDir, 'numbers.json'));
    const reserved = await readReserved(file, deps.log);
    const numbering = new TicketNumbering({ ...deps, file }, reserved);
    if (deps.store.recovery()?.olderGeneration === true) numbering.#resumeAboveReserved();
    return numbering;
  }

  /** The next number of the site-local day of `now`; its block is on disk before it is returned. */
  take(now: number, place: 1 | 2 | null = null): string {
    const day = siteDay(now, this.#timeZone);
    const counters = this.#store.data.counters;
    if (place !== null) {
      // One of a pair acting alone: its own count of the day, `9{place}{count}`, a range the day's
      // own numbers (and the other gateway's) never reach; kept when the pair merges.
      const key = `${day}/alone-${place}`;
      const n = (counters[key] ?? 0) + 1;
      counters[key] = n;
      return `${this.#siteCode}-${day}-9${place}${String(n).padStart(4, '0')}`;
    }
    const seq = (counters[day] ?? 0) + 1;
    if (seq > (this.#reserved[day] ?? 0)) this.#reserve(day, seq + BLOCK - 1);
    counters[day] = seq;
    return `${this.#siteCode}-${day}-${String(seq).padStart(4, '0')}`;
  }

  /** After an older generation was loaded: every number up to a day's reservation may have been announced. */
  #resumeAboveReserved(): void {
    const counters = this.#store.data.counters;
    for (const [day, high] of Object.entries(this.#reserved)) {
      if ((counters[day] ?? 0) >= high) continue;
      this.#log.warn({ event: 'tickets.numbering_resumed', day, from: counters[day] ?? 0, to: high }, `the store started from an older generation: ticket numbers of ${day} resume after ${high}, so none is given twice`);
      counters[day] = high;
    }
  }

  /**
   * Synchronous on purpose: the number must not be handed out before its block is durable, and
   * this runs once per hundred tickets of a day (a small file, one fsync).
   */
  #reserve(day: string, high: number): void {
    const days = { ...this.#reserved, [day]: high };
    const keep = Object.keys(days).sort().slice(-KEEP_DAYS);
    const next = Object.fromEntries(keep.map((d) => [d, days[d] ?? 0]));
    this.#file.writeTextSync(JSON.stringify({ days: next } satisfies Reserved));
    this.#reserved = next;
  }
}

async function readReserved(file: DurableJsonFile<Reserved>, log: Logger): Promise<Record<string, number>> {
  for (const [which, read] of [
    ['file', () => file.readText()],
    ['backup', () => file.readBackupText()],
  ] as const) {
    let text: string | null;
    try {
      text = await read();
    } catch (err) {
      log.error({ event: 'tickets.numbering_unreadable', code: 'GW_STORE_CORRUPT', which, err: errorMessage(err) }, `the ticket number reservations (${which}) could not be read`);
      continue;
    }
    if (text === null) continue;
    const days = parseDays(text);
    if (days !== null) return days;
    log.error({ event: 'tickets.numbering_unreadable', code: 'GW_STORE_CORRUPT', which }, `the ticket number reservations (${which}) are damaged; using the store's counters`);
  }
  return {};
}

function parseDays(text: string): Record<string, number> | null {
  try {
    const raw = JSON.parse(text) as unknown;
    const days = (raw as { days?: unknown } | null)?.days;
    if (typeof days !== 'object' || days === null || Array.isArray(days)) return null;
    const out: Record<string, number> = {};
    for (const [d, n] of Object.entries(days)) {
      if (!/^\d{8}$/.test(d) || typeof n !== 'number' || !Number.isInteger(n) || n < 0) return null;
      out[d] = n;
    }
    return out;
  } catch {
    return null;
  }
}
