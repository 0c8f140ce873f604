import { Backoff } from '../core/backoff.js';
import { TypedEmitter } from '../core/typed-emitter.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { CentralService } from '../gateway/config/site-schema.js';
import { resolveSecret } from '../core/secrets.js';
import type { Logger } from '../core/log.js';
import type { OutboxEntry } from '../gateway/store/store-data.js';
import type { Store } from '../gateway/store/store.js';
import type { TicketChange, TicketService } from '../gateway/tickets/ticket-service.js';
import { recordCentralCall } from '../gateway/tickets/callbacks.js';
import { CENTRAL_STATUSES, centralMove } from '../gateway/tickets/ticket-steps.js';
import type { Attachment, Ticket } from '../gateway/tickets/ticket.js';
import { readBatchAnswer, readUpdatesAnswer, type ItemAnswer, type UpdateRead } from './central-answers.js';
import { CentralClient, type CallOutcome, type UpdateAck } from './central-client.js';
import { compareOutbox, markDelivered, outboxBytes } from './outbox.js';
import type { SyncState, SyncStatus } from './sync-status.js';

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
  readonly store: Store;
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the photos of tickets are kept (absent: tickets carry none). */
  readonly photos?: { read(a: Pick<Attachment, 'id' | 'contentType'>): Promise<Buffer | null> };
}

type PhotoOutcome = { kind: 'ok'; items: Ticket[] } | Exclude<CallOutcome<null>, { kind: 'ok' | 'rejected' }>;

const UNAUTHORIZED_RETRY_MS = 60_000;
const QUOTA_WARN_SHARE = 0.8;
/** A new emergency probes the central service at once, but not more often than this (a storm of them is one probe). */
const PROBE_GAP_MS = 2_000;

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
  /** Monotonic time of the last emergency probe (null: none yet). */
  #lastProbe: number | null = null;
  /** The central service answered 404 to an acknowledgement: it does not take them (contract 1.x). */
  #acksUnsupported = false;
  readonly #onChanged = (t: Ticket, change: TicketChange): void => {
    if (change === 'raised' && t.tier === 'emergency') this.#probe();
    else this.wake();
  };

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
    this.#client?.close();
  }

  /** Sends now if idle (a new change, or the operator fixed the token). */
  wake(): void {
    this.#checkQuota();
    if (this.#client === null || this.#state === 'stopped' || this.#inFlight !== null) return;
    if (this.#state === 'backoff' || this.#state === 'unauthorized') return;
    this.#timer?.cancel();
    this.#timer = null;
    this.#inFlight = this.#drainOnce()
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
    const now = this.#d.clock.monotonic();
    if (this.#inFlight !== null || (this.#lastProbe !== null && now - this.#lastProbe < PROBE_GAP_MS)) return;
    this.#lastProbe = now;
    this.#d.log.info({ event: 'sync.probe', backlog: this.#d.store.data.outbox.length }, 'a new emergency: trying the central service now despite the backoff');
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
      case 'ok': {
        const unclear = await this.#applyAnswer(items, outcome.value);
        if (unclear !== null) return this.#failed(unclear, null, 'GW_SYNC_BAD_ANSWER');
        this.#backoff.reset();
        this.#setState('idle');
        // More to send: go on at once (one request in flight at a time).
        if (this.#d.store.data.outbox.length > 0) setImmediate(() => this.wake());
        return;
      }
      case 'unauthorized':
        return this.#notSent(outcome);
      case 'rejected':
        if (items.length > 1) {
          // One bad item spoils a whole batch (a 400, or a 413 for its size): send them one by one so only that item is parked.
          for (const item of items) {
            if ((this.#state as SyncState) === 'stopped') return;
            const single = await client.upload(this.#d.siteId, [item]);
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

  async #failed(message: string, retryAfterMs: number | null, code: 'GW_SYNC_UNAVAILABLE' | 'GW_SYNC_BAD_ANSWER' = 'GW_SYNC_UNAVAILABLE'): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#recordError(message);
    // The server's wait is honoured up to the site's cap (central.maxRetryAfterSeconds): a wait of
    // days, or one that would overflow a timer, is cut to it, and no wait here is ever longer.
    const cap = (this.#d.config?.maxRetryAfterSeconds ?? 300) * 1000;
    const delay = Math.min(cap, Math.max(this.#backoff.next(), retryAfterMs ?? 0));
    this.#d.log.warn({ event: 'sync.retry', code, err: message, retryInMs: delay, backlog: this.#d.store.data.outbox.length }, 'upload failed; will retry');
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

  /**
   * Acts on an upload's answer, read against the contract first. Returns null when every item was
   * answered, else what was wrong: the items not understood stay in the outbox and the caller
   * backs off. Only an item the service explicitly rejected is dead-lettered.
   */
  async #applyAnswer(items: readonly Ticket[], body: unknown): Promise<string | null> {
    const answer = readBatchAnswer(body, new Map(items.map((t) => [t.id, t.version])));
    if (answer.kind === 'invalid') return `the central service's answer breaks the contract: ${answer.why}`;
    const data = this.#d.store.data;
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
    if (unclear.length < items.length) data.sync.lastSuccessAt = this.#d.clock.now();
    await this.#d.store.commit();
    // One line per upload batch (what an operator reads to follow sync), after its outcome is on disk.
    this.#d.log.info(
      { event: 'sync.uploaded', items: items.length, ...counts, numbers: items.slice(0, 20).map((t) => t.number), backlog: data.outbox.length },
      `uploaded ${items.length} ticket change(s) to the central service: ${counts.accepted} accepted, ${counts.duplicate} already there, ${counts.rejected} rejected, ${counts['not-understood']} not understood`,
    );
    if (unclear.length === 0) return null;
    return `${unclear.length} of ${items.length} ticket(s) not understood in the answer, sent again later: ${unclear.slice(0, 3).join('; ')}`;
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
    this.#polling = this.#pull()
      // A poll that fails inside (a store that cannot write) is said and tried again at the next poll, never left unhandled.
      .catch((err: unknown) => {
        const message = `reading central's updates failed: ${err instanceof Error ? err.message : String(err)}`;
        this.#recordError(message);
        this.#d.log.error({ event: 'sync.poll_failed', code: 'GW_SYNC_UNAVAILABLE', err: message }, message);
      })
      .finally(() => {
        this.#polling = null;
      });
    return this.#polling;
  }

  async #pull(): Promise<void> {
    const client = this.#client;
    if (client === null || this.#state === 'unauthorized') return;
    const data = this.#d.store.data;
    const outcome = await client.updates(this.#d.siteId, data.sync.cursor);
    if (this.#state === 'stopped') return;
    if (outcome.kind === 'rejected' && data.sync.cursor !== null && /invalid_cursor/.test(outcome.message)) {
      // The service no longer knows our cursor (its log was trimmed or reset): read from the start;
      // update ids and the lifecycle drop what was applied already.
      this.#d.log.warn({ event: 'sync.cursor_reset', code: 'GW_SYNC_BAD_ANSWER', cursor: data.sync.cursor.slice(0, 100) }, 'the central service does not know the update cursor; reading its updates from the start');
      data.sync.cursor = null;
      await this.#d.store.commit();
      return;
    }
    if (outcome.kind !== 'ok') return;
    const answer = readUpdatesAnswer(outcome.value);
    if (answer.kind === 'invalid') {
      const message = `the central service's updates break the contract: ${answer.why}`;
      this.#recordError(message);
      this.#d.log.error({ event: 'sync.bad_updates', code: 'GW_SYNC_BAD_ANSWER', err: answer.why }, message);
      return;
    }
    const acks: UpdateAck[] = [];
    for (const read of answer.updates) {
      const ack = await this.#applyUpdate(read);
      if (ack !== null) acks.push(ack);
    }
    if (answer.cursor !== data.sync.cursor) {
      data.sync.cursor = answer.cursor;
      await this.#d.store.commit();
    }
    if (acks.length > 0 && !this.#acksUnsupported) {
      const r = await client.ackUpdates(this.#d.siteId, acks);
      if (r.kind === 'rejected' && r.status === 404) {
        this.#acksUnsupported = true;
        this.#d.log.info({ event: 'sync.acks_unsupported' }, 'the central service does not take update acknowledgements (contract 1.x); the cursor alone acknowledges');
      }
    }
  }

  /**
   * One update, checked before anything is applied: its shape (central-answers.ts), its ticket,
   * a replay of an id already applied, and the lifecycle (centralMove). A refusal is logged,
   * counted and kept as a dead letter; the updates after it are applied all the same.
   */
  async #applyUpdate(read: UpdateRead): Promise<UpdateAck | null> {
    const ack = (result: UpdateAck['result'], reason?: string): UpdateAck | null => {
      const id = read.kind === 'ok' ? read.update.id : read.id;
      return id === undefined ? null : { id, result, ...(reason === undefined ? {} : { reason }) };
    };
    if (read.kind === 'invalid') {
      if (this.#refusedBefore(read.id)) return ack('duplicate');
      await this.#refuseUpdate(read.ticketId, read.id, read.status, undefined, read.why, 'refused');
      return ack('refused', read.why);
    }
    const u = read.update;
    const t = this.#d.tickets.get(u.ticketId);
    // A replay (a central service reading its feed out again) is known by its id: on the ticket's
    // history when it was applied, in the dead letters when it was refused.
    if (this.#refusedBefore(u.id) || (u.id !== undefined && t?.history.some((h) => h.updateId === u.id) === true)) return ack('duplicate');
    if (t === undefined) {
      await this.#refuseUpdate(u.ticketId, u.id, u.status, u.at, `no ticket ${u.ticketId} on this gateway`, 'refused');
      return ack('refused', 'unknown ticket');
    }
    const move = centralMove(t.status, u.status);
    if (move.kind === 'refused') {
      // A move back to a status central may set, made before the ticket's last change here, is
      // stale, not wrong: it crossed our upload of a later step (an engineer on site while central
      // dispatched). A status central may never set is refused whenever it was made.
      const stale = CENTRAL_STATUSES.has(u.status) && Date.parse(u.at) < Date.parse(t.updatedAt);
      await this.#refuseUpdate(u.ticketId, u.id, u.status, u.at, move.why, stale ? 'stale' : 'refused');
      return ack('refused', move.why);
    }
    const news = (u.assignee !== undefined && u.assignee !== t.assignee) || (u.centralNumber !== undefined && u.centralNumber !== t.centralNumber) || u.callback !== undefined;
    if (move.kind === 'same' && !news && u.status !== 'closed' && u.note === undefined) return ack('duplicate');
    const at = new Date(Date.parse(u.at)).toISOString();
    await this.#d.tickets.mutate(u.ticketId, 'central', (d) => {
      if (u.assignee !== undefined) d.assignee = u.assignee;
      if (u.centralNumber !== undefined) d.centralNumber = u.centralNumber;
      if (move.kind === 'apply') d.status = u.status;
      // Its call centre's callback to the owner (contract 2.1), after the status it came with.
      const called = u.callback === undefined ? undefined : recordCentralCall(d, u.callback, at);
      const said = u.note ?? (u.assignee !== undefined && u.assignee !== t.assignee ? `assigned to ${u.assignee}` : undefined);
      const note = [said, called].filter((x) => x !== undefined).join('；') || undefined;
      return { at, action: u.status, status: d.status, ...(note === undefined ? {} : { note }), ...(u.id === undefined ? {} : { updateId: u.id }) };
    });
    return ack('applied');
  }

  #refusedBefore(id: string | undefined): boolean {
    return id !== undefined && this.#d.store.data.deadLetters.some((d) => d.update?.id === id);
  }

  async #refuseUpdate(ticketId: string | null, id: string | undefined, status: string, at: string | undefined, reason: string, kind: 'refused' | 'stale'): Promise<void> {
    const label = ticketId === null ? 'an update' : `the update of ticket ${this.#d.tickets.get(ticketId)?.number ?? ticketId}`;
    if (kind === 'stale') {
      this.#d.log.info({ event: 'sync.update_stale', ticketId, updateId: id, status, reason }, `${label} to ${status} came from before our later step; not applied`);
    } else {
      const data = this.#d.store.data;
      data.deadLetters.push({ ticketId: ticketId ?? '', version: this.#d.tickets.get(ticketId ?? '')?.version ?? 0, reason: `update refused: ${reason}`, at: this.#d.clock.now(), update: { status, ...(id === undefined ? {} : { id }), ...(at === undefined ? {} : { at }) } });
      this.#recordError(`${label} to ${status} refused: ${reason}`);
      this.#d.log.error({ event: 'sync.update_refused', code: 'GW_SYNC_UPDATE_REFUSED', ticketId, updateId: id, status, reason }, `${label} to ${status} refused: ${reason}`);
    }
    await this.#d.store.commit();
    this.emit('updateRefused', { ticketId, status, reason, kind });
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
