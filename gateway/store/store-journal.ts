import { closeSync, constants, fdatasync, fdatasyncSync, fsyncSync, ftruncateSync, openSync, write, writeSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fsyncDirSync } from './fsync-dir.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/**
 * Up to this many bytes an append is done with synchronous calls: a lone fault's change is a few
 * kilobytes, and giving up the event loop between write and sync cost more than the disk did
 * (see durable-json-file.ts). A bigger change (a backlog of thousands) appends asynchronously.
 */
const SYNC_APPEND_MAX_BYTES = 2_000_000;

/** What reading the journal at start found. */
export interface JournalRead<T> {
  /** Every complete line, parsed and checked, in order. */
  readonly records: readonly T[];
  /** A crash during an append leaves a partial last line: it was never acknowledged, so it is dropped. */
  readonly tornBytes: number;
  /** A complete line that does not parse: everything from it on is set aside in this file. */
  readonly corrupt: { readonly aside: string; readonly line: number; readonly error: string } | null;
}

/**
 * The store's append-only journal: one JSON line per durable write, appended and synced
 * (fdatasync) before the write is acknowledged. Appending a ticket's change costs the change, not
 * the whole store; the store folds the journal into a new snapshot from time to time (compaction).
 */
export class StoreJournal {
  readonly file: string;
  #fd: number | null = null;
  #bytes = 0;

  constructor(file: string) {
    this.file = file;
  }

  /** Bytes appended since the journal was last emptied. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Reads every complete line. A torn last line is cut off the file; a line that does not parse,
   * or parses to something `check` refuses (valid JSON of the wrong shape), moves the journal
   * aside (never rewritten in place) and the lines before it are returned.
   */
  async read<T>(now: number, check: (x: unknown) => { ok: true; value: T } | { ok: false; problem: string }): Promise<JournalRead<T>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], tornBytes: 0, corrupt: null };
      throw err;
    }
    const records: T[] = [];
    let start = 0;
    let line = 0;
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      if (end < 0) {
        const tornBytes = Buffer.byteLength(text.slice(start));
        this.#openForAppend();
        this.#cut(Buffer.byteLength(text.slice(0, start)));
        return { records, tornBytes, corrupt: null };
      }
      line += 1;
      try {
        const checked = check(JSON.parse(text.slice(start, end)));
        if (!checked.ok) throw new Error(`not a journal record: ${checked.problem}`);
        records.push(checked.value);
      } catch (err) {
        const aside = `${this.file}.corrupt-${now}`;
        await rename(this.file, aside);
        return { records, tornBytes: 0, corrupt: { aside, line, error: err instanceof Error ? err.message : String(err) } };
      }
      start = end + 1;
    }
    this.#openForAppend();
    this.#bytes = Buffer.byteLength(text);
    return { records, tornBytes: 0, corrupt: null };
  }

  /** Appends one line and syncs it; resolves once it is durable, with the bytes written. */
  async append(line: string): Promise<number> {
    const fd = this.#openForAppend();
    const buf = Buffer.from(`${line}\n`, 'utf8');
    if (buf.length <= SYNC_APPEND_MAX_BYTES) {
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
      fdatasyncSync(fd);
    } else {
      let done = 0;
      while (done < buf.length) done += (await writeAsync(fd, buf, done, buf.length - done)).bytesWritten;
      await fdatasyncAsync(fd);
    }
    this.#bytes += buf.length;
    return buf.length;
  }

  /**
   * Moves the whole journal aside (a line in it read but could not be applied) and starts an empty
   * one; returns where it was kept.
   */
  async setAside(now: number): Promise<string> {
    this.close();
    const aside = `${this.file}.corrupt-${now}`;
    await rename(this.file, aside);
    this.#bytes = 0;
    return aside;
  }

  /** Empties the journal once a snapshot holds everything in it. */
  empty(): void {
    this.#cut(0);
  }

  close(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
  }

  #cut(length: number): void {
    const fd = this.#openForAppend();
    ftruncateSync(fd, length);
    fsyncSync(fd);
    this.#bytes = length;
  }

  #openForAppend(): number {
    if (this.#fd !== null) return this.#fd;
    this.#fd = openSync(this.file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    // The new file's directory entry must be durable too, or a power cut could lose the journal.
    fsyncDirSync(path.dirname(this.file));
    return this.#fd;
  }
}
