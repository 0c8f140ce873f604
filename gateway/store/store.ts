import { rename } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { Clock, TimerHandle } from '../clock.js';
import { GatewayError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { DurableJsonFile } from './durable-json-file.js';
import { normalizeStoreData, type StoreData } from './store-data.js';

export type StoreHealth = { readonly writable: true } | { readonly writable: false; readonly error: string; readonly since: number };

export interface StoreStats {
  readonly writes: number;
  readonly lastWriteMs: number;
  readonly bytes: number;
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
}

interface Waiter {
  readonly generation: number;
  resolve(): void;
}

/**
 * The durable store: lowdb over DurableJsonFile, with group commit. One file, `store.json`.
 * A corrupt file is moved aside (never overwritten) and the previous generation is used.
 */
export class FileStore implements Store {
  readonly #db: Low<StoreData>;
  readonly #file: DurableJsonFile<StoreData>;
  readonly #opts: Required<Omit<FileStoreOptions, 'dataDir' | 'clock' | 'log'>> & Pick<FileStoreOptions, 'clock' | 'log'>;
  #waiting: Waiter[] = [];
  /** The write in flight, if any: close() waits for it. */
  #writing: Promise<void> | null = null;
  #timer: TimerHandle | null = null;
  #tokens: number;
  #lastRefill: number;
  #health: StoreHealth = { writable: true };
  #writes = 0;
  #lastWriteMs = 0;
  #bytes = 0;
  #closed = false;
  #generation = 0;
  #durable = 0;

  private constructor(file: DurableJsonFile<StoreData>, data: StoreData, opts: FileStoreOptions) {
    this.#file = file;
    this.#db = new Low(file, data);
    this.#opts = { burst: opts.burst ?? 5, intervalMs: opts.intervalMs ?? 110, retryMs: opts.retryMs ?? 2000, clock: opts.clock, log: opts.log };
    this.#tokens = this.#opts.burst;
    this.#lastRefill = opts.clock.now();
  }

  static async open(opts: FileStoreOptions): Promise<FileStore> {
    const file = new DurableJsonFile<StoreData>(path.join(opts.dataDir, 'store.json'));
    const data = await recover(file, opts);
    const store = new FileStore(file, data, opts);
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
    return { writes: this.#writes, lastWriteMs: this.#lastWriteMs, bytes: this.#bytes, pendingCommits: this.#waiting.length };
  }

  /** Flushes what is pending (one last try) and stops timers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#writing !== null) await this.#writing.catch(() => undefined);
    if (this.#waiting.length > 0) await this.#writeNow().catch(() => undefined);
    this.#closed = true;
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
      const text = JSON.stringify(this.#db.data);
      await this.#file.writeText(text);
      this.#bytes = text.length;
      this.#writes += 1;
      this.#lastWriteMs = performance.now() - started;
      if (this.#health.writable === false) this.#opts.log.info({ event: 'store.recovered' }, 'store is writable again');
      this.#health = { writable: true };
      for (const w of batch) if (w.generation > this.#durable) this.#durable = w.generation;
      for (const w of batch) w.resolve();
    } catch (err) {
      // Keep the changes in memory and the waiters waiting: persist-first means nobody is told
      // about a change until it is on disk. Retry until the disk comes back.
      this.#waiting = batch.concat(this.#waiting);
      if (this.#health.writable) {
        this.#health = { writable: false, error: errorMessage(err), since: this.#opts.clock.now() };
        this.#opts.log.error({ event: 'store.write_failed', code: 'GW_STORE_WRITE_FAILED', err: errorMessage(err) }, 'store write failed; retrying');
      }
      throw err;
    }
  }
}

async function recover(file: DurableJsonFile<StoreData>, opts: FileStoreOptions): Promise<StoreData> {
  try {
    return normalizeStoreData(await file.read());
  } catch (err) {
    const aside = `${file.file}.corrupt-${opts.clock.now()}`;
    await rename(file.file, aside);
    let recovered: StoreData | null = null;
    try {
      const backup = await file.readBackup();
      recovered = backup === null ? null : normalizeStoreData(backup);
    } catch (bakErr) {
      // The next write replaces the backup: keep a corrupt one aside too, never overwrite it silently.
      const bakAside = `${file.backupFile}.corrupt-${opts.clock.now()}`;
      await rename(file.backupFile, bakAside);
      opts.log.error({ event: 'store.backup_corrupt', code: 'GW_STORE_CORRUPT', file: file.backupFile, aside: bakAside, err: errorMessage(bakErr) }, `store backup ${file.backupFile} could not be parsed either; kept as ${bakAside}`);
    }
    const e = new GatewayError('GW_STORE_CORRUPT', `store file ${file.file} could not be parsed; kept as ${aside}`, { file: file.file, aside }, { cause: err });
    opts.log.error(
      { event: 'store.corrupt', code: e.code, file: file.file, aside, recoveredFromBackup: recovered !== null, tickets: recovered ? Object.keys(recovered.tickets).length : 0, err: errorMessage(err) },
      e.message,
    );
    return recovered ?? normalizeStoreData(null);
  }
}
