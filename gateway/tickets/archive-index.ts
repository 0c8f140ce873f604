import { constants } from 'node:fs';
import { open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../core/log.js';
import { fsyncDir } from '../store/fsync-dir.js';

/** One line of `archive/index.jsonl`: ids appended to a month file, and its size once they were. */
interface IndexLine {
  readonly month: string;
  readonly upTo: number;
  readonly ids: readonly string[];
}

function isIndexLine(v: unknown): v is IndexLine {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o['month'] === 'string' && typeof o['upTo'] === 'number' && Array.isArray(o['ids']) && o['ids'].every((i) => typeof i === 'string');
}

/**
 * Which month file holds each archived ticket id (issue 19): a lookup by id reads one month file,
 * and an id that was never archived is answered from memory without opening any (reading every
 * month for an unknown id took 433 ms on an 83 MB archive: a cheap denial of service).
 *
 * `index.jsonl` is appended after each month append, with the month file's size it covers. At load
 * a month file larger than its covered size (a crash between the two appends, or an archive from
 * before the index) has only its tail read, and the index is mended; a line that does not read
 * rebuilds the index from the month files. The index is a cache of the month files, never the truth.
 */
export class ArchiveIndex {
  readonly #dir: string;
  readonly #file: string;
  readonly #log: Logger;
  readonly #monthOf = new Map<string, string>();
  /** Bytes of each month file the index covers. */
  readonly #covered = new Map<string, number>();

  private constructor(dir: string, log: Logger) {
    this.#dir = dir;
    this.#file = path.join(dir, 'index.jsonl');
    this.#log = log;
  }

  /** Reads the index and mends it against the month files there are. */
  static async load(dir: string, months: readonly string[], log: Logger): Promise<ArchiveIndex> {
    const index = new ArchiveIndex(dir, log);
    const read = await index.#read();
    // A torn last line is rewritten away, so the next append starts a whole line.
    let mended = read !== 'intact';
    if (read === 'bad') {
      index.#monthOf.clear();
      index.#covered.clear();
    }
    for (const month of months) {
      const size = (await stat(index.#monthFile(month))).size;
      const covered = index.#covered.get(month) ?? 0;
      if (size <= covered) continue;
      const ids = await index.#scan(month, covered);
      for (const id of ids) index.#monthOf.set(id, month);
      index.#covered.set(month, size);
      mended = true;
    }
    const known = new Set(months);
    for (const [id, month] of index.#monthOf) if (!known.has(month)) index.#monthOf.delete(id);
    for (const month of [...index.#covered.keys()]) if (!known.has(month)) index.#covered.delete(month);
    if (mended) {
      await index.rewrite();
      log.info({ event: 'archive.index_mended', months: months.length, tickets: index.#monthOf.size }, `archive index brought up to date (${index.#monthOf.size} tickets in ${months.length} months)`);
    }
    return index;
  }

  get size(): number {
    return this.#monthOf.size;
  }

  /** The month file holding this id, or undefined when it was never archived. */
  monthOf(id: string): string | undefined {
    return this.#monthOf.get(id);
  }

  /** The months that hold at least one archived ticket, oldest first. */
  months(): string[] {
    return [...new Set(this.#monthOf.values())].sort();
  }

  /** Ids filed under a month (for the retention log). */
  idsIn(month: string): number {
    let n = 0;
    for (const m of this.#monthOf.values()) if (m === month) n += 1;
    return n;
  }

  /** Records ids just appended (and synced) to a month file of `upTo` bytes. */
  async added(month: string, ids: readonly string[], upTo: number): Promise<void> {
    for (const id of ids) this.#monthOf.set(id, month);
    this.#covered.set(month, upTo);
    await this.#append(`${JSON.stringify({ month, upTo, ids } satisfies IndexLine)}\n`);
  }

  /** Forgets a month whose file was removed. Call rewrite() after a batch of these. */
  dropMonth(month: string): void {
    for (const [id, m] of this.#monthOf) if (m === month) this.#monthOf.delete(id);
    this.#covered.delete(month);
  }

  /** Writes the whole index anew (one line a month): temp file, sync, rename, sync the folder. */
  async rewrite(): Promise<void> {
    const byMonth = new Map<string, string[]>();
    for (const [id, month] of this.#monthOf) {
      const list = byMonth.get(month);
      if (list === undefined) byMonth.set(month, [id]);
      else list.push(id);
    }
    const lines = [...this.#covered].map(([month, upTo]) => `${JSON.stringify({ month, upTo, ids: byMonth.get(month) ?? [] } satisfies IndexLine)}\n`);
    const tmp = `${this.#file}.tmp`;
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      await fh.writeFile(lines.join(''), 'utf8');
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.#file);
    await fsyncDir(this.#dir);
  }

  #monthFile(month: string): string {
    return path.join(this.#dir, `${month}.jsonl`);
  }

  /** 'bad' when a line (other than a torn last one) does not read: the index is then rebuilt. */
  async #read(): Promise<'intact' | 'torn' | 'bad'> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'intact';
      throw err;
    }
    const lines = text.split('\n');
    const last = lines.length - 1;
    let result: 'intact' | 'torn' = 'intact';
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        v = null;
      }
      if (!isIndexLine(v)) {
        // A crash during an append tears only the last line; that one is covered by the tail scan.
        if (i === last) {
          result = 'torn';
          continue;
        }
        this.#log.warn({ event: 'archive.index_bad', code: 'GW_STORE_CORRUPT', file: this.#file, line: i + 1 }, `archive index line ${i + 1} could not be read; rebuilding the index from the month files`);
        return 'bad';
      }
      for (const id of v.ids) this.#monthOf.set(id, v.month);
      this.#covered.set(v.month, Math.max(this.#covered.get(v.month) ?? 0, v.upTo));
    }
    return result;
  }

  /** The ids of the whole lines of a month file from byte `from` on. */
  async #scan(month: string, from: number): Promise<string[]> {
    const fh = await open(this.#monthFile(month), 'r');
    let text: string;
    try {
      const { size } = await fh.stat();
      const buf = Buffer.alloc(size - from);
      await fh.read(buf, 0, buf.length, from);
      text = buf.toString('utf8');
    } finally {
      await fh.close();
    }
    const ids: string[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const v = JSON.parse(line) as { id?: unknown };
        if (typeof v.id === 'string') ids.push(v.id);
      } catch {
        // A torn or damaged line: TicketArchive skips it too when it reads the month.
      }
    }
    return ids;
  }

  async #append(text: string): Promise<void> {
    const fh = await open(this.#file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }
}
