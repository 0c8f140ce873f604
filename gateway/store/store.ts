import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { Clock, TimerHandle } from '../clock.js';
import { GatewayError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { DurableJsonFile } from './durable-json-file.js';
import { normalizeStoreData, type StoreData } from './store-data.js';
import { StoreDelta, applyRecord, isJournalRecord, type JournalRecord } from './store-delta.js';
import { StoreJournal } from './store-journal.js';

/** The snapshot file: the store's data and the journal line it holds everything up to. */
type Snapshot = StoreData & { journalSeq?: number };

export type StoreHealth = { readonly writable: true } | { readonly writable: false; readonly error: string; readonly since: number };

export interface StoreStats {
  /** Durable writes: journal appends and snapshots. */
  readonly writes: number;
  /** Of which snapshots (the whole store rewritten, the journal emptied). */
  readonly snapshots: number;
  readonly lastWriteMs: number;
  /** Bytes on disk: the snapshot plus the journal. */
  readonly bytes: number;
  readonly journalBytes: number;
  readonly pendingCommits: number;
}

/** The port the domain talks to: mutate `data` synchronously, then await `commit()` before telling anyone. */
export interface Store {
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
  stats(): StoreStats;
  close(): Promise<void>;
}

export interface FileStoreOptions {
  readonly dataDir: string;
  /** Paces group commit and retries: pass the real clock, even when the domain runs on a manual one. */
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * Group commit: a write starts at once while the burst budget lasts, then at most one write per
   * interval, so a storm of 1,000 tickets in 10 s costs ~100 writes while a lone fault is written
   * immediately (fault latency stays in milliseconds). At most `burst + seconds * 1000 / intervalMs`
   * writes in any span: 110 ms keeps a 10 s storm (and its last write just after) under 100 writes.
   */
  readonly burst?: number;
  readonly intervalMs?: number;
  /** Retry period after a failed write (disk full, read-only). */
  readonly retryMs?: number;
  /**
   * The journal is folded into a new snapshot once it outgrows both this and the snapshot itself,
   * so replay at start reads at most about twice the store and a snapshot's cost is spread over at
   * least as many bytes of appends. 0 turns the journal off (every write a snapshot). Default 4 MB.
   */
  readonly compactAfterBytes?: number;
}

interface Waiter {
  readonly generation: number;
  resolve(): void;
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
  readonly #db: Low<StoreData>;
  readonly #file: DurableJsonFile<Snapshot>;
  readonly #journal: StoreJournal;
  readonly #delta = new StoreDelta();
  readonly #opts: Required<Omit<FileStoreOptions, 'dataDir' | 'clock' | 'log'>> & Pick<FileStoreOptions, 'clock' | 'log'>;
  #waiting: Waiter[] = [];
  /** The write in flight, if any: close() waits for it. */
  #writing: Promise<void> | null = null;
  #timer: TimerHandle | null = null;
  #tokens: number;
  #lastRefill: number;
  #health: StoreHealth = { writable: true };
  #writes = 0;
  #snapshots = 0;
  #lastWriteMs = 0;
  #snapshotBytes = 0;
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
    this.#file = file;
    this.#journal = journal;
    this.#db = new Low<StoreData>(file, data);
    this.#seq = seq;
    this.#delta.baseline(data);
    this.#opts = {
      burst: opts.burst ?? 5,
      intervalMs: opts.intervalMs ?? 110,
      retryMs: opts.retryMs ?? 2000,
      compactAfterBytes: opts.compactAfterBytes ?? 4_000_000,
      clock: opts.clock,
      log: opts.log,
    };
    this.#tokens = this.#opts.burst;
    this.#lastRefill = opts.clock.now();
  }

  static async open(opts: FileStoreOptions): Promise<FileStore> {
    await mkdir(opts.dataDir, { recursive: true });
    const file = new DurableJsonFile<Snapshot>(path.join(opts.dataDir, 'store.json'));
    const journal = new StoreJournal(path.join(opts.dataDir, 'store.journal'));
    const snapshot = await recover(file, opts);
    const { seq, mustSnapshot } = await replay(journal, snapshot.data, snapshot.seq, opts);
    // Normalized again after the replay: outbox entries read from journal lines are durable too (generation 0).
    const store = new FileStore(file, journal, normalizeStoreData(snapshot.data), seq, opts);
    store.#snapshotBytes = snapshot.bytes;
    if (mustSnapshot || snapshot.setAside) {
      // What was recovered (the backup, the journal up to a bad line) lives only in memory and in
      // files set aside: write it as the new snapshot at once (retried like any write if it fails).
      store.#snapshotNext = true;
      void store.commit();
    }
    return store;
  }

  get data(): StoreData {
    return this.#db.data;
  }

  commit(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    this.#generation += 1;
    const generation = this.#generation;
    return new Promise<void>((resolve) => {
      this.#waiting.push({ generation, resolve });
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

  stats(): StoreStats {
    return {
      writes: this.#writes,
      snapshots: this.#snapshots,
      lastWriteMs: this.#lastWriteMs,
      bytes: this.#snapshotBytes + this.#journal.bytes,
      journalBytes: this.#journal.bytes,
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
  }

  #schedule(): void {
    // Nothing waiting (the usual case right after a write): spend no budget on an empty write.
    if (this.#writing !== null || this.#timer !== null || this.#waiting.length === 0) return;
    if (this.#health.writable === false) {
      this.#timer = this.#opts.clock.setTimeout(() => this.#fire(), this.#opts.retryMs);
      return;
    }
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
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
      return;
    }
    // Out of budget: wait until the next token is earned and spend it, so a sustained storm costs
    // one write per interval (a write on a plain timer that spent nothing let the refilled token
    // buy a second write right after it: up to twice the writes).
    const waitMs = Math.max(1, Math.ceil((1 - this.#tokens) * this.#opts.intervalMs));
    this.#timer = this.#opts.clock.setTimeout(() => {
      this.#refill();
      this.#tokens = Math.max(0, this.#tokens - 1);
      this.#fire();
    }, waitMs);
  }

  #refill(): void {
    const now = this.#opts.clock.now();
    const perMs = 1 / this.#opts.intervalMs;
    this.#tokens = Math.min(this.#opts.burst, this.#tokens + (now - this.#lastRefill) * perMs);
    this.#lastRefill = now;
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
    if (!this.#snapshotNext) {
      const delta = this.#delta.diff(data, this.#seq + 1);
      if (delta === null) return false;
      const line = JSON.stringify(delta.record);
      const limit = this.#opts.compactAfterBytes === 0 ? 0 : Math.max(this.#opts.compactAfterBytes, this.#snapshotBytes);
      if (this.#journal.bytes + line.length <= limit) {
        await this.#journal.append(line);
        this.#seq = delta.record.seq;
        delta.accept();
        return true;
      }
    }
    const text = JSON.stringify({ ...data, journalSeq: this.#seq } satisfies Snapshot);
    await this.#file.writeText(text);
    // The snapshot holds every line up to #seq: a crash before the journal is emptied replays nothing twice.
    this.#journal.empty();
    this.#delta.baseline(data);
    this.#snapshotBytes = text.length;
    this.#snapshots += 1;
    this.#snapshotNext = false;
    return true;
  }
}

interface SnapshotRead {
  readonly data: StoreData;
  /** The last journal line the snapshot holds. */
  readonly seq: number;
  readonly bytes: number;
  /** The snapshot did not read and was moved aside. */
  readonly setAside: boolean;
}

function fromSnapshot(raw: Snapshot | null, bytes: number): SnapshotRead {
  if (raw === null) return { data: normalizeStoreData(null), seq: 0, bytes: 0, setAside: false };
  const { journalSeq, ...data } = raw;
  return { data: normalizeStoreData(data), seq: typeof journalSeq === 'number' ? journalSeq : 0, bytes, setAside: false };
}

async function recover(file: DurableJsonFile<Snapshot>, opts: FileStoreOptions): Promise<SnapshotRead> {
  try {
    const { data, bytes } = await file.readWithSize();
    return fromSnapshot(data, bytes);
  } catch (err) {
    const aside = `${file.file}.corrupt-${opts.clock.now()}`;
    await rename(file.file, aside);
    let recovered: SnapshotRead | null = null;
    try {
      const backup = await file.readBackup();
      recovered = backup === null ? null : fromSnapshot(backup, 0);
    } catch (bakErr) {
      // The next write replaces the backup: keep a corrupt one aside too, never overwrite it silently.
      const bakAside = `${file.backupFile}.corrupt-${opts.clock.now()}`;
      await rename(file.backupFile, bakAside);
      opts.log.error({ event: 'store.backup_corrupt', code: 'GW_STORE_CORRUPT', file: file.backupFile, aside: bakAside, err: errorMessage(bakErr) }, `store backup ${file.backupFile} could not be parsed either; kept as ${bakAside}`);
    }
    const e = new GatewayError('GW_STORE_CORRUPT', `store file ${file.file} could not be parsed; kept as ${aside}`, { file: file.file, aside }, { cause: err });
    opts.log.error(
      { event: 'store.corrupt', code: e.code, file: file.file, aside, recoveredFromBackup: recovered !== null, tickets: recovered ? Object.keys(recovered.data.tickets).length : 0, err: errorMessage(err) },
      e.message,
    );
    return { ...(recovered ?? fromSnapshot(null, 0)), setAside: true };
  }
}

/**
 * Replays the journal lines the snapshot does not hold yet. A torn last line (a crash during its
 * append, never acknowledged) is dropped; a line that does not read sets the journal aside, and
 * the store is then snapshotted at once so what was replayed is durable again.
 */
async function replay(journal: StoreJournal, data: StoreData, snapshotSeq: number, opts: FileStoreOptions): Promise<{ seq: number; mustSnapshot: boolean }> {
  const read = await journal.read(opts.clock.now(), isJournalRecord);
  let seq = snapshotSeq;
  let replayed = 0;
  for (const record of read.records as JournalRecord[]) {
    if (record.seq <= snapshotSeq) continue;
    applyRecord(data, record);
    seq = Math.max(seq, record.seq);
    replayed += 1;
  }
  if (replayed > 0 || read.tornBytes > 0) opts.log.info({ event: 'store.journal_replayed', lines: replayed, tornBytes: read.tornBytes }, `replayed ${replayed} journal lines`);
  if (read.corrupt !== null) {
    const e = new GatewayError('GW_STORE_CORRUPT', `store journal ${journal.file} line ${read.corrupt.line} could not be read; kept as ${read.corrupt.aside}`, { file: journal.file, aside: read.corrupt.aside });
    opts.log.error({ event: 'store.journal_corrupt', code: e.code, file: journal.file, aside: read.corrupt.aside, line: read.corrupt.line, replayed, err: read.corrupt.error }, e.message);
  }
  return { seq, mustSnapshot: read.corrupt !== null };
}
