import path from 'node:path';
import { Low } from 'lowdb';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { GatewayError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { markFree, markInUse } from './data-lock.js';
import { DurableJsonFile } from './durable-json-file.js';
import type { StoreData } from './store-data.js';
import { StoreDelta } from './store-delta.js';
import { StoreJournal } from './store-journal.js';
import { probeWritable, recover, replay, type Snapshot } from './store-recovery.js';
import { applyRecord, type JournalRecord } from './store-delta.js';
import { checkedTicket, readJournalRecord } from './store-schema.js';

export type StoreHealth = { readonly writable: true } | { readonly writable: false; readonly error: string; readonly since: number };

/** What the store found damaged at start and set aside (null when everything read). */
export interface StoreRecovery {
  /** Each file or line set aside, in words, with where it was kept. */
  readonly problems: readonly string[];
  /**
   * An older generation was loaded (the backup, or the journal up to a bad line): changes after
   * it are lost, and ticket numbers may have been announced beyond what the store holds.
   */
  readonly olderGeneration: boolean;
  /** Neither the snapshot nor its backup could be used: the store started empty. */
  readonly startedEmpty: boolean;
}

export interface StoreStats {
  /** Durable writes: journal appends and snapshots. */
  readonly writes: number;
  /** Of which snapshots (the whole store rewritten, the journal emptied). */
  readonly snapshots: number;
  readonly lastWriteMs: number;
  /** Bytes on disk: the snapshot plus the journal. */
  readonly bytes: number;
  readonly journalBytes: number;
  /** Bytes written since open, journal appends and snapshots together: what wears an SD card or eMMC. */
  readonly bytesWritten: number;
  readonly pendingCommits: number;
}

/** The port the domain talks to: mutate `data` synchronously, then await `commit()` before telling anyone. */
export interface Store {
  /** The data folder the store lives in (other durable files of the gateway sit beside it). */
  readonly dir: string;
  readonly data: StoreData;
  /** Resolves when every change made before the call is durably on disk. */
  commit(): Promise<void>;
  /**
   * The generation the next commit() call will have. A change made now is durable once
   * durableGeneration() reaches it: readers that must only see durable state (the uploader) check it.
   */
  pendingGeneration(): number;
  durableGeneration(): number;
  health(): StoreHealth;
  /** What was found damaged at start, or null. */
  recovery(): StoreRecovery | null;
  stats(): StoreStats;
  close(): Promise<void>;
}

export interface FileStoreOptions {
  readonly dataDir: string;
  /** Times retries and stamps health: pass the real clock, even when the domain runs on a manual one. */
  readonly clock: Clock;
  readonly log: Logger;
  /** Retry period after a failed write (disk full, read-only), in elapsed time. */
  readonly retryMs?: number;
  /**
   * The journal is folded into a new snapshot once it outgrows both this and the snapshot itself,
   * so replay at start reads at most about twice the store and a snapshot's cost is spread over at
   * least as many bytes of appends. 0 turns the journal off (every write a snapshot). Default 4 MB.
   */
  readonly compactAfterBytes?: number;
  /**
   * One of a pair (gateway/ha): every change is committed to the pair's replicated log before it
   * is written here, and a write whose replication fails (fenced, no quorum) fails like a disk
   * that refuses it: nobody is told about the change. Resolves once the line is committed.
   */
  readonly replicate?: (line: string, seq: number, record: JournalRecord) => Promise<void>;
}

/** Thrown by applyReplicated for a line that does not follow this store (a gap, a version it cannot read). */
export class ReplicaGap extends Error {}

interface Waiter {
  readonly generation: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The durable store: lowdb's data over a snapshot (`store.json`, written by DurableJsonFile) and an
 * append-only journal (`store.journal`), with group commit. A write appends what changed since
 * the last one (StoreDelta) and syncs it, so a lone fault costs its own ticket, not the whole store:
 * rewriting the whole file cost 33 ms at 1,000 tickets and 360 ms at 10,000 (now 1.9 and 7.6). The journal is folded
 * into a new snapshot when it grows past the snapshot's size. A corrupt snapshot or journal is moved
 * aside (never overwritten) and what can be read is used.
 */
export class FileStore implements Store {
  readonly dir: string;
  readonly #db: Low<StoreData>;
  readonly #file: DurableJsonFile<Snapshot>;
  readonly #journal: StoreJournal;
  readonly #delta = new StoreDelta();
  readonly #opts: Required<Omit<FileStoreOptions, 'dataDir' | 'clock' | 'log' | 'replicate'>> & Pick<FileStoreOptions, 'clock' | 'log' | 'replicate'>;
  #waiting: Waiter[] = [];
  /** The write in flight, if any: close() waits for it. */
  #writing: Promise<void> | null = null;
  #timer: TimerHandle | null = null;
  #health: StoreHealth = { writable: true };
  #recovery: StoreRecovery | null = null;
  #writes = 0;
  #snapshots = 0;
  #lastWriteMs = 0;
  #snapshotBytes = 0;
  #bytesWritten = 0;
  #closed = false;
  #generation = 0;
  #durable = 0;
  /** The last journal line written (or held by the snapshot). */
  #seq: number;
  /**
   * The next write is a whole snapshot: after a failed write (the journal may end in a partial
   * line), after recovering from a file set aside, and at a clean stop.
   */
  #snapshotNext = false;

  private constructor(file: DurableJsonFile<Snapshot>, journal: StoreJournal, data: StoreData, seq: number, opts: FileStoreOptions) {
    this.dir = opts.dataDir;
    this.#file = file;
    this.#journal = journal;
    this.#db = new Low<StoreData>(file, data);
    this.#seq = seq;
    this.#delta.baseline(data);
    this.#opts = {
      retryMs: opts.retryMs ?? 2000,
      compactAfterBytes: opts.compactAfterBytes ?? 4_000_000,
      clock: opts.clock,
      log: opts.log,
      ...(opts.replicate === undefined ? {} : { replicate: opts.replicate }),
    };
  }

  /** Throws GW_DATA_DIR_UNWRITABLE (naming the folder) when the data folder cannot be written. */
  static async open(opts: FileStoreOptions): Promise<FileStore> {
    await probeWritable(opts.dataDir);
    const file = new DurableJsonFile<Snapshot>(path.join(opts.dataDir, 'store.json'));
    const journal = new StoreJournal(path.join(opts.dataDir, 'store.journal'));
    const snapshot = await recover(file, opts);
    const { seq, problem } = await replay(journal, snapshot.data, snapshot.seq, opts);
    await markInUse(opts.dataDir);
    const store = new FileStore(file, journal, snapshot.data, seq, opts);
    store.#snapshotBytes = snapshot.bytes;
    const problems = [...snapshot.problems, ...(problem === null ? [] : [problem])];
    if (problems.length > 0) store.#recovery = { problems, olderGeneration: true, startedEmpty: snapshot.lostBoth };
    if (problems.length > 0 || snapshot.migratedFrom !== null) {
      // What was recovered (the backup, the journal up to a bad line) lives only in memory and in
      // files set aside, and a migrated store is of the old version on disk: write it as the new
      // snapshot at once (retried like any write if it fails).
      store.#snapshotNext = true;
      void store.commit();
    }
    return store;
  }

  /** The last journal line this store holds (for one of a pair: the last replicated change it applied). */
  get seq(): number {
    return this.#seq;
  }

  /**
   * The standby of a pair applies the active's changes, in order, as its own journal lines (the
   * same seq), so on promotion it continues the active's store. Throws ReplicaGap for a line that
   * does not follow (the caller fetches what it missed); a line already held is skipped.
   */
  async applyReplicated(lines: readonly { seq: number; line: string }[]): Promise<void> {
    if (this.#closed) throw new Error('store is closed');
    const applied: string[] = [];
    for (const { seq, line } of lines) {
      if (seq <= this.#seq) continue;
      if (seq !== this.#seq + 1) throw new ReplicaGap(`replicated change ${seq} does not follow ${this.#seq}`);
      const read = readJournalRecord(JSON.parse(line));
      if (!read.ok) throw new ReplicaGap(`replicated change ${seq} does not read: ${read.problem}`);
      applyRecord(this.#db.data, read.value, checkedTicket);
      this.#delta.absorb(this.#db.data, read.value);
      this.#seq = seq;
      applied.push(line);
    }
    if (applied.length === 0) return;
    for (const line of applied) this.#bytesWritten += await this.#journal.append(line);
    const limit = this.#opts.compactAfterBytes === 0 ? 0 : Math.max(this.#opts.compactAfterBytes, this.#snapshotBytes);
    if (this.#journal.bytes > limit) await this.#writeSnapshot(this.#db.data);
  }

  get data(): StoreData {
    return this.#db.data;
  }

  commit(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    this.#generation += 1;
    const generation = this.#generation;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ generation, resolve, reject });
      this.#schedule();
    });
  }

  pendingGeneration(): number {
    return this.#generation + 1;
  }

  durableGeneration(): number {
    return this.#durable;
  }

  health(): StoreHealth {
    return this.#health;
  }

  recovery(): StoreRecovery | null {
    return this.#recovery;
  }

  stats(): StoreStats {
    return {
      writes: this.#writes,
      snapshots: this.#snapshots,
      lastWriteMs: this.#lastWriteMs,
      bytes: this.#snapshotBytes + this.#journal.bytes,
      journalBytes: this.#journal.bytes,
      bytesWritten: this.#bytesWritten,
      pendingCommits: this.#waiting.length,
    };
  }

  /** Flushes what is pending (one last try), folds the journal into a snapshot, stops timers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#writing !== null) await this.#writing.catch(() => undefined);
    if (this.#waiting.length > 0) await this.#writeNow().catch(() => undefined);
    // A clean stop folds the journal into the snapshot: the next start reads one file.
    if (this.#journal.bytes > 0 && this.#health.writable) {
      this.#snapshotNext = true;
      await this.#persist().catch((err: unknown) => {
        this.#opts.log.warn({ event: 'store.snapshot_failed', code: 'GW_STORE_WRITE_FAILED', err: errorMessage(err) }, 'could not fold the journal into a snapshot at stop; it is replayed at the next start');
      });
    }
    this.#closed = true;
    this.#journal.close();
    await markFree(this.dir);
  }

  /**
   * One of a pair that lost its leadership: what waits to be written can never be committed, so
   * nothing more is written and every waiter is refused (its caller tells nobody). The next role
   * opens the store again from disk, where only what etcd holds is.
   */
  async abandon(why: string): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(new GatewayError('GW_HA_FENCED', `not written: ${why}`, {}));
    if (this.#writing !== null) await this.#writing.catch(() => undefined);
    this.#journal.close();
    await markFree(this.dir);
  }

  /**
   * Group commit (DESIGN "The local store"): a write starts as soon as something waits and no
   * write is in flight; whatever arrives meanwhile joins the next write. No timer delays a write:
   * a journal append costs the disk about a millisecond, so a storm is grouped by the disk's own
   * pace, and nothing here depends on the wall clock (a pacing budget refilled by wall time froze
   * the store for as long as a backward clock step).
   */
  #schedule(): void {
    if (this.#closed) return;
    if (this.#writing !== null || this.#timer !== null || this.#waiting.length === 0) return;
    if (this.#health.writable === false) {
      this.#timer = this.#opts.clock.setTimeout(() => this.#fire(), this.#opts.retryMs);
      return;
    }
    // Write once the code that is running now is done, so every change it makes joins the write
    // (a burst of raises from one batch of readings), but without waiting a whole event-loop turn
    // behind the socket data already queued: that wait was most of a lone fault's latency.
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) this.#fire();
    });
    this.#timer = {
      cancel: () => {
        cancelled = true;
      },
    };
  }

  #fire(): void {
    this.#timer = null;
    if (this.#waiting.length === 0) return;
    void this.#writeNow().then(
      () => this.#schedule(),
      () => this.#schedule(),
    );
  }

  #writeNow(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    const write = this.#writeBatch(batch).finally(() => {
      this.#writing = null;
    });
    this.#writing = write;
    return write;
  }

  async #writeBatch(batch: Waiter[]): Promise<void> {
    const started = performance.now();
    try {
      const wrote = await this.#persist();
      if (wrote) this.#writes += 1;
      this.#lastWriteMs = performance.now() - started;
      if (this.#health.writable === false) this.#opts.log.info({ event: 'store.recovered' }, 'store is writable again');
      this.#health = { writable: true };
      for (const w of batch) if (w.generation > this.#durable) this.#durable = w.generation;
      for (const w of batch) w.resolve();
    } catch (err) {
      // Keep the changes in memory and the waiters waiting: persist-first means nobody is told
      // about a change until it is on disk. Retry until the disk comes back.
      if (this.#closed) {
        // Abandoned while this write was in flight (a pair's fenced active): refused, never retried.
        for (const w of batch) w.reject(new GatewayError('GW_HA_FENCED', `not written: ${errorMessage(err)}`, {}));
        throw err;
      }
      this.#waiting = batch.concat(this.#waiting);
      this.#snapshotNext = true;
      if (this.#health.writable) {
        this.#health = { writable: false, error: errorMessage(err), since: this.#opts.clock.now() };
        this.#opts.log.error({ event: 'store.write_failed', code: 'GW_STORE_WRITE_FAILED', err: errorMessage(err) }, 'store write failed; retrying');
      }
      throw err;
    }
  }

  /**
   * Appends what changed since the last write, or writes a whole snapshot when the journal has
   * outgrown the snapshot (or may end in a partial line). False when nothing had changed.
   */
  async #persist(): Promise<boolean> {
    const data = this.#db.data;
    const replicate = this.#opts.replicate;
    if (replicate !== undefined) {
      // One of a pair: every change is a numbered line committed to the pair first, even when it
      // is written here as a snapshot, so the standby's store follows line by line.
      const delta = this.#delta.diff(data, this.#seq + 1);
      if (delta === null && !this.#snapshotNext) return false;
      if (delta !== null) {
        const line = JSON.stringify(delta.record);
        await replicate(line, delta.record.seq, delta.record);
        const limit = this.#opts.compactAfterBytes === 0 ? 0 : Math.max(this.#opts.compactAfterBytes, this.#snapshotBytes);
        if (!this.#snapshotNext && this.#journal.bytes + line.length <= limit) {
          this.#bytesWritten += await this.#journal.append(line);
          this.#seq = delta.record.seq;
          delta.accept();
          return true;
        }
        this.#seq = delta.record.seq;
      }
      await this.#writeSnapshot(data);
      return true;
    }
    if (!this.#snapshotNext) {
      const delta = this.#delta.diff(data, this.#seq + 1);
      if (delta === null) return false;
      const line = JSON.stringify(delta.record);
      const limit = this.#opts.compactAfterBytes === 0 ? 0 : Math.max(this.#opts.compactAfterBytes, this.#snapshotBytes);
      if (this.#journal.bytes + line.length <= limit) {
        this.#bytesWritten += await this.#journal.append(line);
        this.#seq = delta.record.seq;
        delta.accept();
        return true;
      }
    }
    await this.#writeSnapshot(data);
    return true;
  }

  async #writeSnapshot(data: StoreData): Promise<void> {
    const text = JSON.stringify({ ...data, journalSeq: this.#seq } satisfies Snapshot);
    await this.#file.writeText(text);
    // The snapshot holds every line up to #seq: a crash before the journal is emptied replays nothing twice.
    this.#journal.empty();
    this.#delta.baseline(data);
    this.#snapshotBytes = text.length;
    this.#bytesWritten += Buffer.byteLength(text);
    this.#snapshots += 1;
    this.#snapshotNext = false;
  }
}
