import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { fsyncDir } from '../store/fsync-dir.js';
import { ArchiveIndex } from './archive-index.js';
import type { Ticket } from './ticket.js';
import { readTicket } from './ticket-schema.js';

const MONTH_FILE = /^(\d{4}-\d{2})\.jsonl$/;

/** 'YYYY-MM' (UTC) of an epoch-ms time or an ISO string. */
function monthOf(at: number | string): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** The first month kept when records are kept `years` years: the same month, that many years back. */
export function firstMonthKept(now: number, years: number): string {
  const d = new Date(now);
  return `${String(d.getUTCFullYear() - years).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Closed tickets moved out of the live store (DESIGN "The local store"), one JSON line per
 * ticket in a file per month of creation (`archive/2026-11.jsonl`), so the statistics of a range
 * read only the months it covers. Append-only and synced before the live store lets go of a ticket;
 * a ticket archived twice (a crash between the two steps) is read back once, at its highest
 * version. A line that does not read (a crash in the middle of an append) or is not a ticket is
 * skipped and logged. An index (archive-index.ts) says which month holds an id, so a lookup reads
 * one month file at most; month files older than the retention are removed whole.
 */
export class TicketArchive {
  readonly dir: string;
  readonly #log: Logger;
  #index: Promise<ArchiveIndex> | null = null;

  constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.#log = log;
  }

  /** The id index, read (and mended) on first use. */
  index(): Promise<ArchiveIndex> {
    this.#index ??= this.months().then((months) => ArchiveIndex.load(this.dir, months, this.#log));
    // A failed load is tried again at the next use.
    void this.#index.catch(() => {
      this.#index = null;
    });
    return this.#index;
  }

  /** Appends the tickets to their month files; resolves once every line is on disk. */
  async add(tickets: readonly Ticket[]): Promise<void> {
    const byMonth = new Map<string, Ticket[]>();
    for (const t of tickets) {
      const m = monthOf(t.createdAt);
      const list = byMonth.get(m);
      if (list === undefined) byMonth.set(m, [t]);
      else list.push(t);
    }
    await mkdir(this.dir, { recursive: true });
    const index = await this.index();
    for (const [month, list] of byMonth) {
      const size = await this.#append(path.join(this.dir, `${month}.jsonl`), list);
      await index.added(
        month,
        list.map((t) => t.id),
        size,
      );
    }
  }

  /** The archived ticket with this id; undefined when it was never archived, answered from the index. */
  async find(id: string): Promise<Ticket | undefined> {
    const month = (await this.index()).monthOf(id);
    if (month === undefined) return undefined;
    const needle = `"id":${JSON.stringify(id)}`;
    try {
      return (await this.#read(month, (line) => line.includes(needle))).get(id);
    } catch (err) {
      // Its month was removed by the retention meanwhile.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Removes the month files older than `years` years (the procedures keep repair records five),
   * each one logged, and their ids from the index. Resolves with the months removed.
   */
  async removeExpired(now: number, years: number): Promise<string[]> {
    const months = await this.months();
    const newest = months.at(-1);
    if (newest === undefined) return [];
    // A wall clock stepped years ahead (a bad RTC, a wrong NTP answer) must not delete the archive:
    // age is counted from no later than 13 months after the newest month archived.
    const reference = Math.min(now, Date.parse(`${newest}-01T00:00:00Z`) + 396 * 86_400_000);
    const keepFrom = firstMonthKept(reference, years);
    const expired = months.filter((m) => m < keepFrom);
    if (expired.length === 0) return [];
    const index = await this.index();
    for (const month of expired) {
      const file = path.join(this.dir, `${month}.jsonl`);
      const tickets = index.idsIn(month);
      await unlink(file);
      index.dropMonth(month);
      this.#log.info({ event: 'archive.retention_removed', month, file, tickets, retentionYears: years }, `archive month ${month} (${tickets} tickets) is older than ${years} years: removed ${file}`);
    }
    await index.rewrite();
    return expired;
  }

  /** Archived tickets created in [from, to). */
  async createdBetween(from: number, to: number): Promise<Ticket[]> {
    const first = monthOf(from);
    const last = monthOf(to - 1);
    const out: Ticket[] = [];
    for (const month of await this.months()) {
      if (month < first || month > last) continue;
      for (const t of (await this.#read(month, () => true)).values()) {
        const at = Date.parse(t.createdAt);
        if (at >= from && at < to) out.push(t);
      }
    }
    return out;
  }

  /**
   * Archived tickets created in [from, to) whose line holds every one of `needles` (a field and its
   * value as JSON, `"deviceId":"leak-1"`: a cheap test before a line is parsed; the caller checks
   * the fields of what comes back). Reads only the months of the range the index holds tickets
   * for, and resolves with the tickets and those months.
   */
  async search(from: number, to: number, needles: readonly string[]): Promise<{ tickets: Ticket[]; months: string[] }> {
    const first = monthOf(from);
    const last = monthOf(to - 1);
    const months = (await this.index()).months().filter((m) => m >= first && m <= last);
    const tickets: Ticket[] = [];
    for (const month of months) {
      let found: Map<string, Ticket>;
      try {
        found = await this.#read(month, (line) => needles.every((n) => line.includes(n)));
      } catch (err) {
        // Its month was removed by the retention meanwhile.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      for (const t of found.values()) {
        const at = Date.parse(t.createdAt);
        if (at >= from && at < to) tickets.push(t);
      }
    }
    return { tickets, months };
  }

  /** The months that have a file, oldest first. */
  async months(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((n) => MONTH_FILE.exec(n)?.[1] ?? []).sort();
  }

  async #read(month: string, wanted: (line: string) => boolean): Promise<Map<string, Ticket>> {
    const file = path.join(this.dir, `${month}.jsonl`);
    const text = await readFile(file, 'utf8');
    const byId = new Map<string, Ticket>();
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line === '' || !wanted(line)) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        bad += 1;
        continue;
      }
      // Checked like every line the store reads: a line of the wrong shape is skipped, not served.
      const r = readTicket(raw);
      if (!r.ok) {
        bad += 1;
        continue;
      }
      const t = r.ticket;
      const seen = byId.get(t.id);
      if (seen === undefined || seen.version < t.version) byId.set(t.id, t);
    }
    if (bad > 0) this.#log.warn({ event: 'archive.bad_lines', code: 'GW_STORE_CORRUPT', file, lines: bad }, `${bad} lines of ${file} could not be read and were skipped`);
    return byId;
  }

  /** Appends and syncs; resolves with the file's size after the append. */
  async #append(file: string, tickets: readonly Ticket[]): Promise<number> {
    const fh = await open(file, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
    try {
      const { size } = await fh.stat();
      let lead = '';
      if (size > 0) {
        // A crash in the middle of an earlier append leaves a partial last line: end it, so the
        // lines written now stay whole (the partial one is skipped when read).
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) lead = '\n';
      }
      const text = lead + tickets.map((t) => `${JSON.stringify(t)}\n`).join('');
      await fh.writeFile(text, 'utf8');
      await fh.datasync();
      if (size === 0) await fsyncDir(this.dir);
      return size + Buffer.byteLength(text);
    } catch (err) {
      this.#log.error({ event: 'archive.write_failed', code: 'GW_STORE_WRITE_FAILED', file, err: errorMessage(err) }, `could not append to ${file}`);
      throw err;
    } finally {
      await fh.close();
    }
  }
}
