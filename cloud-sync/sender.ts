import type { ActingRight } from '../core/acting-right.js';
import { Backoff } from '../core/backoff.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { resolveSecret } from '../core/secrets.js';
import { TypedEmitter } from '../core/typed-emitter.js';
import type { Tier } from '../core/vocabulary.js';
import { readBatchAnswer, type ItemAnswer } from './central-answers.js';
import { CentralClient } from './central-client.js';
import type { CentralService } from './config.js';
import { compareOutbox, markDelivered, outboxBytes } from './outbox.js';
import { PhotoUploader, type PhotoOutcome, type PhotoSource } from './photo-uploader.js';
import type { OutboxEntry, SyncLedger } from './sync-ledger.js';
import type { SyncState, SyncStatus } from './sync-status.js';
import type { TicketSnapshot } from './ticket-snapshot.js';
import { UpdateReader, type UpdateTarget } from './update-reader.js';

export type SyncEvents = {
  status: [SyncStatus];
  unauthorized: [string];
  nearQuota: [SyncStatus];
  deadLetter: [{ ticketId: string; version: number; reason: string }];
  delivered: [{ ticketId: string; version: number; result: 'accepted' | 'duplicate' }];
  /** An update from the central service the gateway did not apply: refused (kept as a dead letter) or stale. */
  updateRefused: [{ ticketId: string | null; status: string; reason: string; kind: 'refused' | 'stale' }];
};

export interface SyncSenderDeps {
  readonly config: CentralService | undefined;
  readonly siteId: string;
  /** The gateway's durable store as sync uses it. */
  readonly ledger: SyncLedger;
  /** The gateway's tickets as central's updates reach them. */
  readonly updates: UpdateTarget;
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Reads a photo of a ticket (absent: tickets carry none). */
  readonly photos?: PhotoSource;
  /** Subscribes to the tickets' durable changes (a tier and raised or updated); returns the unsubscribe. */
  readonly changes: (notice: (tier: Tier, change: 'raised' | 'updated') => void) => () => void;
  /** One of a pair: uploads only while this gateway may act, each carrying its id and epoch. */
  readonly acting?: ActingRight;
}

const UNAUTHORIZED_RETRY_MS = 60_000;
const QUOTA_WARN_SHARE = 0.8;
/** A new emergency probes the central service at once, but not more often than this (a storm of them is one probe). */
const PROBE_GAP_MS = 2_000;

/** What the sender needs once a central service is configured: its settings, its client and the two parts that use it. */
interface Connected {
  readonly config: CentralService;
  readonly client: CentralClient;
  readonly photos: PhotoUploader;
  readonly reader: UpdateReader;
}

/**
 * Drains the outbox to the central repair service: emergency first then oldest, batches bounded by
 * count and bytes, one request in flight. Retries with capped exponential backoff and full jitter
 * (honouring Retry-After); stops on 401/403 until the token is fixed; dead-letters an item the
 * service rejects and goes on. Its photo uploader sends a batch's photos first; its update reader
 * pulls status back with a cursor. Never blocks ticket creation.
 */
export class SyncSender extends TypedEmitter<SyncEvents> {
  readonly #config: CentralService | undefined;
  readonly #siteId: string;
  readonly #ledger: SyncLedger;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #link: Connected | null;
  readonly #backoff = new Backoff({ baseMs: 500, capMs: 60_000 });
  readonly #changes: SyncSenderDeps['changes'];
  #unsubscribe: (() => void) | null = null;
  #state: SyncState;
  #timer: TimerHandle | null = null;
  #inFlight: Promise<void> | null = null;
  #uploaded = 0;
  #nearQuota = false;
  /** Monotonic time of the last emergency probe (null: none yet). */
  #lastProbe: number | null = null;

  constructor(d: SyncSenderDeps) {
    super();
    this.#config = d.config;
    this.#siteId = d.siteId;
    this.#ledger = d.ledger;
    this.#clock = d.clock;
    this.#log = d.log;
    this.#changes = d.changes;
    this.#state = d.config === undefined ? 'not-configured' : 'idle';
    const config = d.config;
    if (config === undefined) {
      this.#link = null;
      return;
    }
    const client = new CentralClient({ baseUrl: config.url, timeoutMs: config.timeoutMs, token: () => resolveSecret(config.token, 'central.token', d.env ?? process.env) ?? '', ...(d.acting === undefined ? {} : { acting: d.acting }) });
    this.#link = {
      config,
      client,
      photos: new PhotoUploader({ read: d.photos, log: d.log, onRefused: (m) => this.#recordError(m) }),
      reader: new UpdateReader({
        client,
        siteId: d.siteId,
        ledger: d.ledger,
        target: d.updates,
        clock: d.clock,
        log: d.log,
        pollMs: config.pollSeconds * 1000,
        unauthorized: () => this.#state === 'unauthorized',
        recordError: (m) => this.#recordError(m),
        notApplied: (e) => this.emit('updateRefused', e),
      }),
    };
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#changes((tier, change) => this.#noticeChange(tier, change));
    if (this.#link === null) {
      this.#log.warn({ event: 'sync.not_configured', code: 'GW_SYNC_NOT_CONFIGURED', backlog: this.#ledger.data.outbox.length }, 'no central repair service configured: tickets stay queued in the outbox');
      return;
    }
    this.#state = 'idle';
    this.wake();
    this.#link.reader.start();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = null;
    // Let the requests in flight finish (bounded by their timeout) so their results are recorded.
    if (this.#inFlight !== null) await this.#inFlight;
    await this.#link?.reader.stop();
    this.#link?.client.close();
  }

  /** A ticket changed and its change is durable: a new emergency probes at once, anything else wakes the sender. */
  #noticeChange(tier: Tier, change: 'raised' | 'updated'): void {
    if (change === 'raised' && tier === 'emergency') this.#probe();
    else this.wake();
  }

  /** Sends now if idle (a new change, or the operator fixed the token). */
  wake(): void {
    this.#checkQuota();
    const link = this.#link;
    if (link === null || this.#state === 'stopped' || this.#inFlight !== null) return;
    if (this.#state === 'backoff' || this.#state === 'unauthorized') return;
    this.#timer?.cancel();
    this.#timer = null;
    this.#inFlight = this.#drainOnce(link)
      // Whatever went wrong (a bug, a store that cannot write), the backlog is retried with backoff, never left waiting.
      .catch((err: unknown) => this.#failed(`upload failed: ${err instanceof Error ? err.message : String(err)}`, null))
      .finally(() => {
        this.#inFlight = null;
      });
  }

  /**
   * A new emergency: try now even while backing off (one request), since the central service may
   * be back long before the backoff ends. Not while the token is refused: that needs a person.
   */
  #probe(): void {
    if (this.#state !== 'backoff') return this.wake();
    const now = this.#clock.monotonic();
    if (this.#inFlight !== null || (this.#lastProbe !== null && now - this.#lastProbe < PROBE_GAP_MS)) return;
    this.#lastProbe = now;
    this.#log.info({ event: 'sync.probe', backlog: this.#ledger.data.outbox.length }, 'a new emergency: trying the central service now despite the backoff');
    this.#timer?.cancel();
    this.#timer = null;
    this.#state = 'idle';
    this.wake();
  }

  /** After the token was fixed: leave the unauthorized state and try at once. */
  retryNow(): void {
    if (this.#state === 'unauthorized' || this.#state === 'backoff') {
      this.#timer?.cancel();
      this.#timer = null;
      this.#state = 'idle';
    }
    this.wake();
  }

  status(): SyncStatus {
    const data = this.#ledger.data;
    const oldest = data.outbox.reduce<number | null>((m, e) => (m === null || e.enqueuedAt < m ? e.enqueuedAt : m), null);
    const bytes = outboxBytes(data);
    const quota = this.#config?.outboxQuotaBytes ?? null;
    return {
      state: this.#state,
      backlog: data.outbox.length,
      backlogBytes: bytes,
      quotaBytes: quota,
      nearQuota: quota !== null && bytes >= quota * QUOTA_WARN_SHARE,
      oldestAgeMs: oldest === null ? null : Math.max(0, this.#clock.now() - oldest),
      lastSuccessAt: data.sync.lastSuccessAt,
      lastError: data.sync.lastError,
      lastErrorAt: data.sync.lastErrorAt,
      deadLetters: data.deadLetters.length,
      uploaded: this.#uploaded,
    };
  }

  /** Whether stop() was called (read after an await: the state may have changed meanwhile). */
  #stopped(): boolean {
    return this.#state === 'stopped';
  }

  #batch(config: CentralService): { entries: OutboxEntry[]; items: TicketSnapshot[] } {
    const entries: OutboxEntry[] = [];
    const items: TicketSnapshot[] = [];
    let bytes = 0;
    const durable = this.#ledger.durableGeneration();
    for (const e of [...this.#ledger.data.outbox].sort(compareOutbox)) {
      if (entries.length >= config.batchMaxItems) break;
      // Persist first: a change still on its way to disk is not sent (it would be sent again, or
      // differently, after a crash). Its commit wakes the sender.
      if (e.generation > durable) continue;
      if (entries.length > 0 && bytes + e.bytes > config.batchMaxBytes) break;
      const t = this.#ledger.snapshot(e.ticketId);
      if (t === undefined) continue;
      entries.push(e);
      items.push(t);
      bytes += e.bytes;
    }
    return { entries, items };
  }

  async #drainOnce(link: Connected): Promise<void> {
    const { client } = link;
    const batch = this.#batch(link.config);
    if (batch.items.length === 0) {
      this.#setState('idle');
      return;
    }
    this.#setState('sending');
    // The contract's order: a snapshot names only photos the service already has.
    const photos = await link.photos.send(client, this.#siteId, batch.items);
    if (this.#stopped()) return;
    if (photos.kind !== 'ok') return this.#notSent(photos);
    const items = photos.items;
    const outcome = await client.upload(this.#siteId, items);
    if (this.#stopped()) return;
    switch (outcome.kind) {
      case 'ok': {
        const unclear = await this.#applyAnswer(items, outcome.value);
        if (unclear !== null) return this.#failed(unclear, null, 'GW_SYNC_BAD_ANSWER');
        this.#backoff.reset();
        this.#setState('idle');
        // More to send: go on at once (one request in flight at a time).
        if (this.#ledger.data.outbox.length > 0) setImmediate(() => this.wake());
        return;
      }
      case 'unauthorized':
        return this.#notSent(outcome);
      case 'rejected':
        if (items.length > 1) {
          // One bad item spoils a whole batch (a 400, or a 413 for its size): send them one by one so only that item is parked.
          for (const item of items) {
            if (this.#stopped()) return;
            const single = await client.upload(this.#siteId, [item]);
            if (single.kind === 'ok') {
              const unclear = await this.#applyAnswer([item], single.value);
              if (unclear !== null) return this.#failed(unclear, null, 'GW_SYNC_BAD_ANSWER');
            } else if (single.kind === 'rejected') await this.#deadLetter(item, single.message);
            else return this.#failed(single.message, single.kind === 'retry' ? single.retryAfterMs : null);
          }
          this.#setState('idle');
          setImmediate(() => this.wake());
          return;
        }
        if (items[0] !== undefined) await this.#deadLetter(items[0], outcome.message);
        this.#setState('idle');
        setImmediate(() => this.wake());
        return;
      case 'retry':
        return this.#notSent(outcome);
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
  }

  #notSent(outcome: Exclude<PhotoOutcome, { kind: 'ok' }>): Promise<void> {
    if (outcome.kind === 'retry') return this.#failed(outcome.message, outcome.retryAfterMs);
    this.#recordError(`central service refused the token (${outcome.message})`);
    this.#setState('unauthorized');
    this.#log.error({ event: 'sync.unauthorized', code: 'GW_SYNC_UNAUTHORIZED', status: outcome.status }, 'central repair service refused the token; uploads stopped until it is fixed');
    this.emit('unauthorized', outcome.message);
    this.#retryAfter(UNAUTHORIZED_RETRY_MS);
    return Promise.resolve();
  }

  async #failed(message: string, retryAfterMs: number | null, code: 'GW_SYNC_UNAVAILABLE' | 'GW_SYNC_BAD_ANSWER' = 'GW_SYNC_UNAVAILABLE'): Promise<void> {
    if (this.#stopped()) return;
    this.#recordError(message);
    // The server's wait is honoured up to the site's cap (central.maxRetryAfterSeconds): a wait of
    // days, or one that would overflow a timer, is cut to it, and no wait here is ever longer.
    const cap = (this.#config?.maxRetryAfterSeconds ?? 300) * 1000;
    const delay = Math.min(cap, Math.max(this.#backoff.next(), retryAfterMs ?? 0));
    this.#log.warn({ event: 'sync.retry', code, err: message, retryInMs: delay, backlog: this.#ledger.data.outbox.length }, 'upload failed; will retry');
    this.#setState('backoff');
    this.#retryAfter(delay);
  }

  #retryAfter(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      if (this.#stopped()) return;
      this.#state = 'idle';
      this.wake();
    }, ms);
  }

  /**
   * Acts on an upload's answer, read against the contract first. Returns null when every item was
   * answered, else what was wrong: the items not understood stay in the outbox and the caller
   * backs off. Only an item the service explicitly rejected is dead-lettered.
   */
  async #applyAnswer(items: readonly TicketSnapshot[], body: unknown): Promise<string | null> {
    const answer = readBatchAnswer(body, new Map(items.map((t) => [t.id, t.version])));
    if (answer.kind === 'invalid') return `the central service's answer breaks the contract: ${answer.why}`;
    const data = this.#ledger.data;
    const unclear: string[] = [];
    const counts = { accepted: 0, duplicate: 0, rejected: 0, 'not-understood': 0 };
    for (const item of items) {
      const r: ItemAnswer = answer.items.get(item.id) ?? { kind: 'not-understood', why: `no answer for ticket ${item.id}` };
      counts[r.kind] += 1;
      if (r.kind === 'rejected') this.#parkInMemory(item, r.reason);
      else if (r.kind === 'not-understood') unclear.push(r.why);
      else {
        markDelivered(data, item.id, item.version);
        if (r.kind === 'accepted') this.#uploaded += 1;
        this.emit('delivered', { ticketId: item.id, version: item.version, result: r.kind });
      }
    }
    if (unclear.length < items.length) data.sync.lastSuccessAt = this.#clock.now();
    await this.#ledger.commit();
    // One line per upload batch (what an operator reads to follow sync), after its outcome is on disk.
    this.#log.info(
      { event: 'sync.uploaded', items: items.length, ...counts, numbers: items.slice(0, 20).map((t) => t.number), backlog: data.outbox.length },
      `uploaded ${items.length} ticket change(s) to the central service: ${counts.accepted} accepted, ${counts.duplicate} already there, ${counts.rejected} rejected, ${counts['not-understood']} not understood`,
    );
    if (unclear.length === 0) return null;
    return `${unclear.length} of ${items.length} ticket(s) not understood in the answer, sent again later: ${unclear.slice(0, 3).join('; ')}`;
  }

  async #deadLetter(item: TicketSnapshot, reason: string): Promise<void> {
    this.#parkInMemory(item, reason);
    await this.#ledger.commit();
  }

  #parkInMemory(item: TicketSnapshot, reason: string): void {
    const data = this.#ledger.data;
    const i = data.outbox.findIndex((e) => e.ticketId === item.id && e.version <= item.version);
    if (i >= 0) data.outbox.splice(i, 1);
    data.deadLetters.push({ ticketId: item.id, version: item.version, reason, at: this.#clock.now() });
    this.#log.error({ event: 'sync.dead_letter', code: 'GW_SYNC_REJECTED', ticketId: item.id, number: item.number, version: item.version, reason }, `ticket ${item.number} rejected by the central service; parked`);
    this.emit('deadLetter', { ticketId: item.id, version: item.version, reason });
  }

  #recordError(message: string): void {
    const data = this.#ledger.data;
    data.sync.lastError = message;
    data.sync.lastErrorAt = this.#clock.now();
  }

  #checkQuota(): void {
    const s = this.status();
    if (s.nearQuota && !this.#nearQuota) {
      this.#log.error({ event: 'sync.near_quota', code: 'GW_OUTBOX_QUOTA', bytes: s.backlogBytes, quota: s.quotaBytes }, 'outbox is near its disk quota');
      this.emit('nearQuota', s);
    }
    this.#nearQuota = s.nearQuota;
  }

  #setState(s: SyncState): void {
    if (this.#state === s || this.#state === 'stopped') return;
    this.#state = s;
    this.emit('status', this.status());
  }
}
