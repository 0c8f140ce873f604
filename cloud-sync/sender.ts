import { Backoff } from '../adapters/backoff.js';
import { TypedEmitter } from '../adapters/typed-emitter.js';
import type { Clock, TimerHandle } from '../gateway/clock.js';
import type { CentralService } from '../gateway/config/site-schema.js';
import { resolveSecret } from '../gateway/config/secrets.js';
import type { Logger } from '../gateway/log.js';
import type { OutboxEntry } from '../gateway/store/store-data.js';
import type { Store } from '../gateway/store/store.js';
import type { TicketService } from '../gateway/tickets/ticket-service.js';
import { centralMoves } from '../gateway/tickets/ticket-steps.js';
import type { Attachment, Ticket } from '../gateway/tickets/ticket.js';
import { CentralClient, type CallOutcome, type CentralUpdate } from './central-client.js';
import { compareOutbox, markDelivered, outboxBytes } from './outbox.js';
import type { SyncState, SyncStatus } from './sync-status.js';

export type SyncEvents = {
  status: [SyncStatus];
  unauthorized: [string];
  nearQuota: [SyncStatus];
  deadLetter: [{ ticketId: string; version: number; reason: string }];
  delivered: [{ ticketId: string; version: number; result: 'accepted' | 'duplicate' }];
};

export interface SyncSenderDeps {
  readonly config: CentralService | undefined;
  readonly siteId: string;
  readonly store: Store;
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
  /** Where the photos of tickets are kept (absent: tickets carry none). */
  readonly photos?: { read(a: Pick<Attachment, 'id' | 'contentType'>): Promise<Buffer | null> };
}

type PhotoOutcome = { kind: 'ok'; items: Ticket[] } | Exclude<CallOutcome<null>, { kind: 'ok' | 'rejected' }>;

const UNAUTHORIZED_RETRY_MS = 60_000;
const QUOTA_WARN_SHARE = 0.8;

/**
 * Drains the outbox to the central repair service: emergency first then oldest, batches bounded by
 * count and bytes, one request in flight. Retries with capped exponential backoff and full jitter
 * (honouring Retry-After); stops on 401/403 until the token is fixed; dead-letters an item the
 * service rejects and goes on. Pulls status back with a cursor. Never blocks ticket creation.
 */
export class SyncSender extends TypedEmitter<SyncEvents> {
  readonly #d: SyncSenderDeps;
  readonly #client: CentralClient | null;
  readonly #backoff = new Backoff({ baseMs: 500, capMs: 60_000 });
  #state: SyncState;
  #timer: TimerHandle | null = null;
  #poll: TimerHandle | null = null;
  #inFlight: Promise<void> | null = null;
  #polling: Promise<void> | null = null;
  #uploaded = 0;
  /**
   * Photos the central service has (or refused for good) in this process. Uploads are idempotent,
   * so after a restart the photos of tickets still in the outbox are simply sent again.
   */
  readonly #photosDone = new Set<string>();
  readonly #photosRefused = new Set<string>();
  #nearQuota = false;
  readonly #onChanged = (): void => this.wake();

  constructor(d: SyncSenderDeps) {
    super();
    this.#d = d;
    this.#state = d.config === undefined ? 'not-configured' : 'idle';
    this.#client =
      d.config === undefined
        ? null
        : new CentralClient({
            baseUrl: d.config.url,
            timeoutMs: d.config.timeoutMs,
            token: () => resolveSecret(d.config?.token, 'central.token', d.env ?? process.env) ?? '',
            ...(d.fetch === undefined ? {} : { fetch: d.fetch }),
          });
  }

  async start(): Promise<void> {
    this.#d.tickets.on('changed', this.#onChanged);
    if (this.#client === null) {
      this.#d.log.warn(
        { event: 'sync.not_configured', code: 'GW_SYNC_NOT_CONFIGURED', backlog: this.#d.store.data.outbox.length },
        'no central repair service configured: tickets stay queued in the outbox',
      );
      return;
    }
    this.#state = 'idle';
    this.wake();
    this.#schedulePoll(0);
  }

  async stop(): Promise<void> {
    this.#d.tickets.off('changed', this.#onChanged);
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = null;
    this.#poll?.cancel();
    this.#poll = null;
    // Let the requests in flight finish (bounded by their timeout) so their results are recorded.
    if (this.#inFlight !== null) await this.#inFlight;
    if (this.#polling !== null) await this.#polling;
  }

  /** Sends now if idle (a new change, or the operator fixed the token). */
  wake(): void {
    this.#checkQuota();
    if (this.#client === null || this.#state === 'stopped' || this.#inFlight !== null) return;
    if (this.#state === 'backoff' || this.#state === 'unauthorized') return;
    this.#timer?.cancel();
    this.#timer = null;
    this.#inFlight = this.#drainOnce().finally(() => {
      this.#inFlight = null;
    });
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
    const data = this.#d.store.data;
    const oldest = data.outbox.reduce<number | null>((m, e) => (m === null || e.enqueuedAt < m ? e.enqueuedAt : m), null);
    const bytes = outboxBytes(data);
    const quota = this.#d.config?.outboxQuotaBytes ?? null;
    return {
      state: this.#state,
      backlog: data.outbox.length,
      backlogBytes: bytes,
      quotaBytes: quota,
      nearQuota: quota !== null && bytes >= quota * QUOTA_WARN_SHARE,
      oldestAgeMs: oldest === null ? null : Math.max(0, this.#d.clock.now() - oldest),
      lastSuccessAt: data.sync.lastSuccessAt,
      lastError: data.sync.lastError,
      lastErrorAt: data.sync.lastErrorAt,
      deadLetters: data.deadLetters.length,
      uploaded: this.#uploaded,
    };
  }

  #batch(): { entries: OutboxEntry[]; items: Ticket[] } {
    const cfg = this.#d.config;
    const data = this.#d.store.data;
    const entries: OutboxEntry[] = [];
    const items: Ticket[] = [];
    let bytes = 0;
    const durable = this.#d.store.durableGeneration();
    for (const e of [...data.outbox].sort(compareOutbox)) {
      if (cfg === undefined || entries.length >= cfg.batchMaxItems) break;
      // Persist first: a change still on its way to disk is not sent (it would be sent again, or
      // differently, after a crash). Its commit wakes the sender.
      if (e.generation > durable) continue;
      if (entries.length > 0 && bytes + e.bytes > cfg.batchMaxBytes) break;
      const t = data.tickets[e.ticketId];
      if (t === undefined) continue;
      entries.push(e);
      items.push(t);
      bytes += e.bytes;
    }
    return { entries, items };
  }

  async #drainOnce(): Promise<void> {
    const client = this.#client;
    if (client === null) return;
    const batch = this.#batch();
    if (batch.items.length === 0) {
      this.#setState('idle');
      return;
    }
    this.#setState('sending');
    // The contract's order: a snapshot names only photos the service already has.
    const photos = await this.#sendPhotos(client, batch.items);
    if (this.#state === 'stopped') return;
    if (photos.kind !== 'ok') return this.#notSent(photos);
    const items = photos.items;
    const outcome = await client.upload(this.#d.siteId, items);
    if ((this.#state as SyncState) === 'stopped') return;
    switch (outcome.kind) {
      case 'ok':
        await this.#applyResults(items, outcome.value);
        this.#backoff.reset();
        this.#setState('idle');
        // More to send: go on at once (one request in flight at a time).
        if (this.#d.store.data.outbox.length > 0) setImmediate(() => this.wake());
        return;
      case 'unauthorized':
        return this.#notSent(outcome);
      case 'rejected':
        if (items.length > 1) {
          // One bad item spoils a whole batch: send them one by one so only that item is parked.
          for (const item of items) {
            if ((this.#state as SyncState) === 'stopped') return;
            const single = await client.upload(this.#d.siteId, [item]);
            if (single.kind === 'ok') await this.#applyResults([item], single.value);
            else if (single.kind === 'rejected') await this.#deadLetter(item, single.message);
            else return this.#failed(single.message, single.kind === 'retry' ? single.retryAfterMs : null);
          }
          this.#setState('idle');
          setImmediate(() => this.wake());
          return;
        }
        await this.#deadLetter(items[0] as Ticket, outcome.message);
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
    this.#d.log.error({ event: 'sync.unauthorized', code: 'GW_SYNC_UNAUTHORIZED', status: outcome.status }, 'central repair service refused the token; uploads stopped until it is fixed');
    this.emit('unauthorized', outcome.message);
    this.#retryAfter(UNAUTHORIZED_RETRY_MS);
    return Promise.resolve();
  }

  /**
   * Uploads the photos the batch names that the service does not have yet. A photo whose file is
   * gone, or that the service refuses for good, is left out of the snapshot sent (logged, and in
   * `lastError`) so the ticket itself still reaches the service.
   */
  async #sendPhotos(client: CentralClient, items: readonly Ticket[]): Promise<PhotoOutcome> {
    const photos = this.#d.photos;
    const out: Ticket[] = [];
    for (const item of items) {
      const skip = new Set<string>();
      for (const a of item.attachments) {
        if (this.#photosDone.has(a.id)) continue;
        if (this.#photosRefused.has(a.id)) {
          skip.add(a.id);
          continue;
        }
        const bytes = photos === undefined ? null : await photos.read(a);
        if (bytes === null) {
          this.#refusePhoto(item, a, 'its file is missing from the gateway disk');
          skip.add(a.id);
          continue;
        }
        const r = await client.putAttachment(this.#d.siteId, a, bytes);
        if (r.kind === 'ok') this.#photosDone.add(a.id);
        else if (r.kind === 'rejected') {
          this.#refusePhoto(item, a, r.message);
          skip.add(a.id);
        } else return r;
      }
      out.push(skip.size === 0 ? item : { ...item, attachments: item.attachments.filter((a) => !skip.has(a.id)) });
    }
    return { kind: 'ok', items: out };
  }

  #refusePhoto(item: Ticket, a: Attachment, reason: string): void {
    this.#photosRefused.add(a.id);
    this.#recordError(`photo ${a.id} of ticket ${item.number} not sent: ${reason}`);
    this.#d.log.error(
      { event: 'sync.photo_refused', code: 'GW_SYNC_PHOTO_REFUSED', ticketId: item.id, number: item.number, attachmentId: a.id, reason },
      `a photo of ticket ${item.number} cannot be sent to the central service; the ticket goes without it`,
    );
  }

  async #failed(message: string, retryAfterMs: number | null): Promise<void> {
    this.#recordError(message);
    const delay = Math.max(this.#backoff.next(), retryAfterMs ?? 0);
    this.#d.log.warn({ event: 'sync.retry', code: 'GW_SYNC_UNAVAILABLE', err: message, retryInMs: delay, backlog: this.#d.store.data.outbox.length }, 'upload failed; will retry');
    this.#setState('backoff');
    this.#retryAfter(delay);
  }

  #retryAfter(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#d.clock.setTimeout(() => {
      this.#timer = null;
      if (this.#state === 'stopped') return;
      this.#state = 'idle';
      this.wake();
    }, ms);
  }

  async #applyResults(items: readonly Ticket[], results: readonly { id: string; version: number; result: string; reason?: string }[]): Promise<void> {
    const data = this.#d.store.data;
    const byId = new Map(results.map((r) => [r.id, r]));
    for (const item of items) {
      const r = byId.get(item.id);
      if (r === undefined) continue;
      if (r.result === 'accepted' || r.result === 'duplicate') {
        markDelivered(data, item.id, item.version);
        if (r.result === 'accepted') this.#uploaded += 1;
        this.emit('delivered', { ticketId: item.id, version: item.version, result: r.result });
      } else {
        this.#parkInMemory(item, r.reason ?? 'rejected by the central service');
      }
    }
    data.sync.lastSuccessAt = this.#d.clock.now();
    await this.#d.store.commit();
  }

  async #deadLetter(item: Ticket, reason: string): Promise<void> {
    this.#parkInMemory(item, reason);
    await this.#d.store.commit();
  }

  #parkInMemory(item: Ticket, reason: string): void {
    const data = this.#d.store.data;
    const i = data.outbox.findIndex((e) => e.ticketId === item.id && e.version <= item.version);
    if (i >= 0) data.outbox.splice(i, 1);
    data.deadLetters.push({ ticketId: item.id, version: item.version, reason, at: this.#d.clock.now() });
    this.#d.log.error({ event: 'sync.dead_letter', code: 'GW_SYNC_REJECTED', ticketId: item.id, number: item.number, version: item.version, reason }, `ticket ${item.number} rejected by the central service; parked`);
    this.emit('deadLetter', { ticketId: item.id, version: item.version, reason });
  }

  #recordError(message: string): void {
    const data = this.#d.store.data;
    data.sync.lastError = message;
    data.sync.lastErrorAt = this.#d.clock.now();
  }

  #schedulePoll(ms: number): void {
    if (this.#client === null || this.#state === 'stopped') return;
    this.#poll = this.#d.clock.setTimeout(() => {
      this.#poll = null;
      void this.#pollOnce().finally(() => this.#schedulePoll((this.#d.config?.pollSeconds ?? 10) * 1000));
    }, ms);
  }

  #pollOnce(): Promise<void> {
    if (this.#polling !== null) return this.#polling;
    this.#polling = this.#pull().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  async #pull(): Promise<void> {
    const client = this.#client;
    if (client === null || this.#state === 'unauthorized') return;
    {
      const data = this.#d.store.data;
      const outcome = await client.updates(this.#d.siteId, data.sync.cursor);
      if (outcome.kind !== 'ok' || this.#state === 'stopped') return;
      for (const u of outcome.value.updates) await this.#applyUpdate(u);
      if (outcome.value.cursor !== data.sync.cursor) {
        data.sync.cursor = outcome.value.cursor;
        await this.#d.store.commit();
      }
    }
  }

  async #applyUpdate(u: CentralUpdate): Promise<void> {
    if (this.#d.tickets.get(u.ticketId) === undefined) return;
    await this.#d.tickets.mutate(u.ticketId, 'central', (d) => {
      // The central service's word wins over the local steps, but a closed ticket stays closed.
      const moved = centralMoves(d.status, u.status);
      if (u.assignee !== undefined) d.assignee = u.assignee;
      if (!moved && u.assignee === undefined) return null;
      if (moved) d.status = u.status;
      return { action: u.status, status: u.status, ...(u.note === undefined ? (u.assignee === undefined ? {} : { note: `assigned to ${u.assignee}` }) : { note: u.note }) };
    });
  }

  #checkQuota(): void {
    const s = this.status();
    if (s.nearQuota && !this.#nearQuota) {
      this.#d.log.error({ event: 'sync.near_quota', code: 'GW_OUTBOX_QUOTA', bytes: s.backlogBytes, quota: s.quotaBytes }, 'outbox is near its disk quota');
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
