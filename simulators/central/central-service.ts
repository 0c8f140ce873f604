import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { ContractValidator } from './contract-validator.js';
import { FAULT_KINDS, parseFault, type CentralFault } from './fault-injector.js';
import { SiteWatch, type ReceivedStatus, type SiteEvent, type SiteReport } from './site-watch.js';

export interface ReceivedTicket {
  readonly id: string;
  readonly number: string;
  readonly version: number;
  readonly tier: string;
  readonly status: string;
  readonly fault: string;
  readonly deviceId: string;
  readonly createdAt: string;
  readonly deadlines: { acknowledgeBy: string; dispatchBy: string; onSiteBy: string | null; resolveBy: string };
  readonly [key: string]: unknown;
}

/** One upload as received: which gateway of a pair sent it, under which epoch. */
export interface UploadSender {
  readonly siteId: string;
  readonly gatewayId: string | null;
  readonly epoch: number | null;
  readonly refused: boolean;
  readonly items: number;
}

/** The statuses this service owns (contract 2.0, "Who owns which status"). */
export type CentralStatus = 'dispatched' | 'in_progress' | 'on_hold' | 'resolved' | 'reopened' | 'closed';

/** A callback to the owner (回访) this service's call centre made (contract 2.1). */
export interface CentralCallback {
  readonly reached: boolean;
  readonly satisfaction?: 1 | 2 | 3 | 4 | 5;
  readonly words?: string;
}

interface Update {
  readonly seq: number;
  readonly siteId: string;
  readonly ticketId: string;
  readonly status: CentralStatus;
  readonly assignee?: string;
  readonly note?: string;
  readonly centralNumber?: string;
  /** Its call centre's callback to the owner (contract 2.1). */
  readonly callback?: CentralCallback;
  readonly at: string;
  /** Sent as it is, off the contract (a hostile or broken central service, for tests). */
  readonly raw?: Record<string, unknown>;
}

/** What a gateway acknowledged about an update (POST /v1/updates/ack). */
export interface ReceivedAck {
  readonly id: string;
  readonly result: string;
  readonly reason?: string;
}

export interface ProgressTimes {
  readonly dispatchAfterMs: number;
  readonly inProgressAfterMs: number;
  readonly resolveAfterMs: number;
  readonly closeAfterMs: number;
}

export interface CentralServiceOptions {
  /** Accepted bearer tokens; or token -> the site ids it may write (others get 403). */
  readonly tokens: readonly string[] | Readonly<Record<string, readonly string[]>>;
  /** Move accepted tickets along on a timer so status flows back; false to leave them. */
  readonly progress?: ProgressTimes | false;
  readonly clock?: Clock;
  /** Keep what was received in this JSON file too (for demos). */
  readonly file?: string;
  /** Largest request body (413 above it, in the contract's error shape). Default 20 MB. */
  readonly bodyLimitBytes?: number;
  /** Called when a ticket is first accepted, as its batch is applied (the bench times receipt with it). */
  readonly onNewTicket?: (item: ReceivedTicket) => void;
  /** The contract this service speaks: 2.0 has no site status route (it answers 404). Default 2.1. */
  readonly contract?: '2.0' | '2.1';
  /** A site went silent or recovered (the silent-site rule, site-watch.ts). */
  readonly onSiteEvent?: (e: SiteEvent) => void;
}

/**
 * The reference central repair service: implements cloud-sync/openapi.json exactly (request
 * bodies checked against the document), keeps what it receives, advances tickets on a timer, and
 * shows injected faults on demand. Tests and the demo talk to it over 127.0.0.1.
 */
/**
 * How far the work on a ticket has come, by status, as the contract's Status describes it. Kept
 * here rather than taken from the gateway's code: this service stands for the customer's own
 * system, written from the contract alone.
 */
const WORK_RANK: Readonly<Record<string, number>> = { raised: 0, reopened: 0, acknowledged: 1, dispatched: 2, arrived: 3, in_progress: 4, resolved: 5, closed: 6, rejected: 6 };

export class CentralService {
  readonly #opts: CentralServiceOptions;
  readonly #clock: Clock;
  readonly #validator = new ContractValidator();
  readonly #tickets = new Map<string, ReceivedTicket>();
  /** Accepted upserts per ticket: (id -> versions). More than one entry per version would be a double effect. */
  readonly #applied = new Map<string, number[]>();
  readonly #updates: Update[] = [];
  readonly #timers = new Set<TimerHandle>();
  /** Ticket ids every upload of which is rejected per item (poison-item injection). */
  readonly #poison = new Set<string>();
  readonly #sockets = new Set<Socket>();
  /** Photos received, by `${siteId}/${attachmentId}`. */
  readonly #attachments = new Map<string, { contentType: string; sha256: string; bytes: Buffer }>();
  readonly requests: { method: string; url: string; status: number; at: number }[] = [];
  /** Acknowledgements the gateway sent back, in order. */
  readonly acks: ReceivedAck[] = [];
  /** Answers this service was about to give that broke the contract (must stay empty: a test checks). */
  readonly contractViolations: string[] = [];
  /** Site statuses received, in order (contract 2.1). */
  readonly statuses: ReceivedStatus[] = [];
  readonly #sites: SiteWatch;
  #fault: CentralFault = { kind: 'none' };
  #app: FastifyInstance | null = null;
  #port = 0;
  #host = '127.0.0.1';
  #seq = 0;

  /** The newest epoch an upload of each site carried (a pair's fencing at the service). */
  readonly #epochs = new Map<string, number>();
  readonly #senders: UploadSender[] = [];

  /** Who sent each upload: the gateway id and epoch it carried, and whether it was refused as stale. */
  senders(): readonly UploadSender[] {
    return this.#senders;
  }

  constructor(opts: CentralServiceOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#sites = new SiteWatch(this.#clock, opts.onSiteEvent);
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  /** Starts listening (port 0 = a free one) and returns the base URL. */
  async start(port = this.#port, host = this.#host): Promise<string> {
    if (this.#app !== null) return this.url;
    this.#host = host;
    const app = this.#build();
    app.server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await app.listen({ port, host });
    this.#sites.start();
    const addr = app.server.address();
    this.#port = typeof addr === 'object' && addr !== null ? addr.port : port;
    this.#app = app;
    return this.url;
  }

  async stop(): Promise<void> {
    this.#sites.stop();
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    await this.#close();
  }

  /** Switches the injected fault; `down` closes the listener, anything else brings it back. */
  async inject(fault: CentralFault): Promise<void> {
    this.#fault = fault;
    if (fault.kind === 'down') await this.#close();
    else if (this.#app === null) await this.start(this.#port, this.#host);
  }

  get fault(): CentralFault {
    return this.#fault;
  }

  tickets(): ReceivedTicket[] {
    return [...this.#tickets.values()];
  }

  ticket(id: string): ReceivedTicket | undefined {
    return this.#tickets.get(id);
  }

  /** How many upserts of this ticket took effect (one per new version). */
  effects(id: string): number {
    return this.#applied.get(id)?.length ?? 0;
  }

  /** True when some (id, version) took effect more than once: must never happen. */
  doubleEffects(): string[] {
    const out: string[] = [];
    for (const [id, versions] of this.#applied) if (new Set(versions).size !== versions.length) out.push(id);
    return out;
  }

  /**
   * Records a central status change by hand (tests, demo), with the callback its call centre made if
   * any. The first one names the work order.
   */
  setStatus(ticketId: string, status: CentralStatus, assignee?: string, note?: string, callback?: CentralCallback): void {
    const t = this.#tickets.get(ticketId);
    if (t === undefined) return;
    const first = !this.#updates.some((u) => u.ticketId === ticketId);
    this.#tickets.set(ticketId, { ...t, status });
    const seq = ++this.#seq;
    this.#updates.push({
      seq,
      siteId: String(t['siteId'] ?? ''),
      ticketId,
      status,
      ...(assignee === undefined ? {} : { assignee }),
      ...(note === undefined ? {} : { note }),
      ...(callback === undefined ? {} : { callback }),
      ...(first ? { centralNumber: `WO${String(seq).padStart(8, '0')}` } : {}),
      at: new Date(this.#clock.now()).toISOString(),
    });
  }

  /**
   * Puts an update in the feed exactly as given, unchecked: a status the contract does not know, a
   * move backwards, a field of the wrong type. What a broken or hostile central system sends.
   */
  pushRawUpdate(raw: Record<string, unknown>): void {
    const seq = ++this.#seq;
    const at = new Date(this.#clock.now()).toISOString();
    this.#updates.push({ seq, siteId: '', ticketId: String(raw['ticketId'] ?? ''), status: 'dispatched', at, raw: { id: `u${seq}`, at, ...raw } });
  }

  /** The id this service gives an update (what the gateway acknowledges). */
  updateIds(): string[] {
    return this.#updates.map((u) => String(u.raw?.['id'] ?? `u${u.seq}`));
  }

  async #close(): Promise<void> {
    const app = this.#app;
    this.#app = null;
    if (app === null) return;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await app.close();
  }

  #build(): FastifyInstance {
    const app = Fastify({ logger: false, bodyLimit: this.#opts.bodyLimitBytes ?? 20 * 1024 * 1024 });
    app.addHook('onResponse', async (req, reply) => {
      this.requests.push({ method: req.method, url: req.url, status: reply.statusCode, at: this.#clock.now() });
    });
    // Every error in the contract's shape, a body over the limit included (413).
    app.setErrorHandler((e: Error & { statusCode?: number; code?: string }, _req, reply) => {
      const status = e.statusCode ?? 500;
      void reply.code(status).send(err(status === 413 ? 'too_large' : status < 500 ? 'bad_request' : 'internal', e.message));
    });
    app.post('/_admin/faults', async (req, reply) => {
      const fault = parseFault(req.body);
      if (fault === null) return reply.code(400).send(err('bad_fault', `expected { kind: ${FAULT_KINDS.join('|')} }`));
      // Answer first: `down` closes this very listener.
      setImmediate(() => void this.inject(fault));
      return { fault };
    });
    app.get('/_admin/tickets', async () => ({ tickets: this.tickets() }));
    // The service's own report of its sites: live or silent, and every silence and recovery.
    app.get('/_admin/sites', async () => ({ sites: this.sites(), events: this.siteEvents() }));
    if (this.#opts.contract !== '2.0') app.post('/v1/sites/:siteId/status', (req, reply) => this.#status(req, reply));
    app.post('/v1/tickets/batch', (req, reply) => this.#batch(req, reply));
    app.addContentTypeParser(['image/jpeg', 'image/png', 'image/webp'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.put('/v1/sites/:siteId/attachments/:attachmentId', (req, reply) => this.#putAttachment(req, reply));
    app.get('/v1/updates', (req, reply) => this.#listUpdates(req, reply));
    app.post('/v1/updates/ack', (req, reply) => this.#ackUpdates(req, reply));
    return app;
  }

  /** Common gate: injected faults, then bearer auth. Returns the site ids the token may write, or null if answered. */
  async #gate(req: FastifyRequest, reply: FastifyReply, route: 'status' | 'other' = 'other'): Promise<readonly string[] | '*' | null> {
    const f = this.#fault;
    // A fault for the status route alone leaves the others alone, and the other way round.
    if (f.kind === 'slow' && (f.on ?? 'all') !== (route === 'status' ? 'other' : 'status')) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.kind === 'error500') {
      await reply.code(500).send(err('internal', 'injected failure'));
      return null;
    }
    if (f.kind === 'unavailable') {
      await reply.code(503).header('retry-after', String(f.retryAfterSeconds)).send(err('unavailable', 'try again later'));
      return null;
    }
    if (f.kind === 'redirect') {
      await reply.code(f.status).header('location', f.location).send(err('moved', `moved to ${f.location}`));
      return null;
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const tokens = this.#opts.tokens;
    const sites = Array.isArray(tokens) ? (tokens.includes(token) ? '*' : undefined) : (tokens as Record<string, readonly string[]>)[token];
    if (f.kind === 'unauthorized' || sites === undefined) {
      await reply.code(401).send(err('unauthorized', 'missing or invalid bearer token'));
      return null;
    }
    return sites;
  }

  async #batch(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const sites = await this.#gate(req, reply);
    if (sites === null) return reply;
    const problems = this.#validator.check('BatchRequest', req.body);
    if (problems.length > 0) return reply.code(400).send(err('bad_request', problems.slice(0, 5).join('; ')));
    const body = req.body as { siteId: string; items: ReceivedTicket[] };
    if (sites !== '*' && !sites.includes(body.siteId)) return reply.code(403).send(err('forbidden', `token may not write site ${body.siteId}`));
    // One of a pair (contract 2.1): an upload from an epoch older than one already seen for the
    // site comes from a gateway that lost its leadership; it is refused, never applied.
    const gatewayId = req.headers['x-gateway-id'];
    const epochText = req.headers['x-gateway-epoch'];
    const epoch = typeof epochText === 'string' && /^\d+$/.test(epochText) ? Number(epochText) : null;
    if (epoch !== null) {
      const newest = this.#epochs.get(body.siteId) ?? 0;
      if (epoch < newest) {
        this.#senders.push({ siteId: body.siteId, gatewayId: typeof gatewayId === 'string' ? gatewayId : null, epoch, refused: true, items: body.items.length });
        return reply.code(409).send(err('stale_epoch', `epoch ${epoch} is older than ${newest}: another gateway of the pair is the active`));
      }
      this.#epochs.set(body.siteId, epoch);
    }
    this.#senders.push({ siteId: body.siteId, gatewayId: typeof gatewayId === 'string' ? gatewayId : null, epoch, refused: false, items: body.items.length });
    const strays = body.items.filter((i) => i['siteId'] !== body.siteId);
    if (strays.length > 0) return reply.code(400).send(err('bad_request', `item ${strays[0]?.id} has siteId ${String(strays[0]?.['siteId'])}, the batch is for ${body.siteId}`));
    const f = this.#fault;
    if (f.kind === 'reply' && f.on === 'batch') return reply.code(f.status).headers(f.headers ?? {}).send(f.body);
    if (this.#fault.kind === 'drop' && this.#fault.when === 'before-apply') {
      req.raw.socket.destroy();
      return reply;
    }
    const results = body.items.map((item) => this.#upsert(body.siteId, item));
    if (this.#fault.kind === 'duplicate') for (const item of body.items) this.#upsert(body.siteId, item);
    await this.#persist();
    if (this.#fault.kind === 'drop' && this.#fault.when === 'after-apply') {
      req.raw.socket.destroy();
      return reply;
    }
    const g = this.#fault;
    if (g.kind === 'unknown-result') return { results: results.map((r) => ({ ...r, result: g.result })) };
    return this.#answer('BatchResponse', { results });
  }

  /** An answer checked against the contract before it goes out; a violation is recorded for the tests. */
  #answer<T>(schema: string, body: T): T {
    const problems = this.#validator.check(schema, body);
    if (problems.length > 0) this.contractViolations.push(`${schema}: ${problems.join('; ')}`);
    return body;
  }

  async #ackUpdates(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const sites = await this.#gate(req, reply);
    if (sites === null) return reply;
    const problems = this.#validator.check('UpdateAckRequest', req.body);
    if (problems.length > 0) return reply.code(400).send(err('bad_request', problems.slice(0, 5).join('; ')));
    const body = req.body as { siteId: string; results: ReceivedAck[] };
    if (sites !== '*' && !sites.includes(body.siteId)) return reply.code(403).send(err('forbidden', `token may not write site ${body.siteId}`));
    this.acks.push(...body.results);
    return reply.code(204).send();
  }

  async #putAttachment(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const sites = await this.#gate(req, reply);
    if (sites === null) return reply;
    const { siteId, attachmentId } = req.params as { siteId: string; attachmentId: string };
    if (sites !== '*' && !sites.includes(siteId)) return reply.code(403).send(err('forbidden', `token may not write site ${siteId}`));
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return reply.code(400).send(err('bad_request', 'the body must be the image (image/jpeg, image/png or image/webp)'));
    const declared = req.headers['x-content-sha256'];
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (declared !== sha256) return reply.code(400).send(err('bad_request', 'x-content-sha256 does not match the body'));
    const key = `${siteId}/${attachmentId}`;
    const have = this.#attachments.get(key);
    if (have !== undefined) return reply.code(have.sha256 === sha256 ? 200 : 400).send(have.sha256 === sha256 ? { id: attachmentId } : err('bad_request', 'another photo is stored under this id'));
    this.#attachments.set(key, { contentType: String(req.headers['content-type']), sha256, bytes: body });
    return reply.code(201).send({ id: attachmentId });
  }

  /** The sites this service has heard from, live or silent (the silent-site rule). */
  sites(): SiteReport[] {
    return this.#sites.report();
  }

  /** Every time a site went silent or recovered, in order. */
  siteEvents(): readonly SiteEvent[] {
    return this.#sites.events;
  }

  async #status(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const sites = await this.#gate(req, reply, 'status');
    if (sites === null) return reply;
    const problems = this.#validator.check('SiteStatus', req.body);
    if (problems.length > 0) return reply.code(400).send(err('bad_request', problems.slice(0, 5).join('; ')));
    const { siteId } = req.params as { siteId: string };
    const body = req.body as ReceivedStatus;
    if (sites !== '*' && !sites.includes(siteId)) return reply.code(403).send(err('forbidden', `token may not write site ${siteId}`));
    if (body.siteId !== siteId) return reply.code(400).send(err('bad_request', `the status is for site ${body.siteId}, the path names ${siteId}`));
    this.statuses.push(body);
    this.#sites.heard(body);
    return reply.code(204).send();
  }

  /** A photo received (for tests and the demo). */
  attachment(siteId: string, attachmentId: string): { contentType: string; sha256: string; bytes: Buffer } | undefined {
    return this.#attachments.get(`${siteId}/${attachmentId}`);
  }

  #upsert(siteId: string, item: ReceivedTicket): { id: string; version: number; result: 'accepted' | 'duplicate' | 'rejected'; reason?: string; heldVersion?: number } {
    if (this.#poison.has(item.id)) return { id: item.id, version: item.version, result: 'rejected', reason: 'poison item refused by fault injection' };
    // A snapshot may name only photos already uploaded (the contract's order: photos first).
    const missing = ((item['attachments'] as { id: string }[] | undefined) ?? []).filter((a) => !this.#attachments.has(`${siteId}/${a.id}`));
    if (missing.length > 0) return { id: item.id, version: item.version, result: 'rejected', reason: `attachment ${missing.map((a) => a.id).join(', ')} was not uploaded first` };
    const have = this.#tickets.get(item.id);
    if (have !== undefined && have.version >= item.version) return { id: item.id, version: item.version, result: 'duplicate', heldVersion: have.version };
    // The work moves forward: a snapshot behind what the service already has (its own dispatch, or
    // a step reported earlier) does not undo it, but a reopen, a close and a false alarm always count.
    const behind = have !== undefined && !['reopened', 'closed', 'rejected'].includes(item.status) && (WORK_RANK[have.status] ?? 0) > (WORK_RANK[item.status] ?? 0);
    const centralStatus = behind ? have.status : item.status;
    this.#tickets.set(item.id, { ...item, status: centralStatus });
    this.#applied.set(item.id, [...(this.#applied.get(item.id) ?? []), item.version]);
    if (have === undefined) {
      this.#scheduleProgress(item.id);
      this.#opts.onNewTicket?.(item);
    }
    return { id: item.id, version: item.version, result: 'accepted' };
  }

  /** Every upload of this ticket id is rejected per item (a 4xx-like answer for one item). */
  poison(ticketId: string): void {
    this.#poison.add(ticketId);
  }

  #scheduleProgress(ticketId: string): void {
    const p = this.#opts.progress;
    if (p === undefined || p === false) return;
    const steps: [number, CentralStatus][] = [
      [p.dispatchAfterMs, 'dispatched'],
      [p.inProgressAfterMs, 'in_progress'],
      [p.resolveAfterMs, 'resolved'],
      [p.closeAfterMs, 'closed'],
    ];
    for (const [after, status] of steps) {
      const h = this.#clock.setTimeout(() => {
        this.#timers.delete(h);
        const t = this.#tickets.get(ticketId);
        // The work only goes forward: a ticket already further (closed by hand, resolved on site) is left where it is.
        if (t === undefined || t.status === 'rejected' || (WORK_RANK[t.status] ?? 0) >= (WORK_RANK[status] ?? 0)) return;
        this.setStatus(ticketId, status, status === 'dispatched' ? '王师傅 Wang (plumbing)' : undefined);
      }, after);
      this.#timers.add(h);
    }
  }

  async #listUpdates(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const sites = await this.#gate(req, reply);
    if (sites === null) return reply;
    const q = req.query as Record<string, string | undefined>;
    const siteId = q['siteId'];
    if (siteId === undefined || siteId === '') return reply.code(400).send(err('bad_request', 'siteId is required'));
    if (sites !== '*' && !sites.includes(siteId)) return reply.code(403).send(err('forbidden', `token may not read site ${siteId}`));
    const since = q['since'] === undefined ? 0 : Number(q['since']);
    const limit = Math.min(1000, Math.max(1, Number(q['limit'] ?? 200) || 200));
    if (!Number.isInteger(since) || since < 0 || since > this.#seq) return reply.code(400).send(err('invalid_cursor', 'since must be a cursor from a previous answer'));
    const f = this.#fault;
    if (f.kind === 'reply' && f.on === 'updates') return reply.code(f.status).headers(f.headers ?? {}).send(f.body);
    const updates = this.#updates.filter((u) => u.seq > since && (u.siteId === siteId || u.siteId === '')).slice(0, limit);
    const cursor = String(updates.at(-1)?.seq ?? since);
    const body = {
      updates: updates.map(
        (u) =>
          u.raw ?? {
            id: `u${u.seq}`,
            ticketId: u.ticketId,
            status: u.status,
            at: u.at,
            ...(u.assignee === undefined ? {} : { assignee: u.assignee }),
            ...(u.note === undefined ? {} : { note: u.note }),
            ...(u.centralNumber === undefined ? {} : { centralNumber: u.centralNumber }),
            ...(u.callback === undefined ? {} : { callback: u.callback }),
          },
      ),
      cursor,
    };
    // Raw updates are off the contract on purpose; everything else this service says must be on it.
    return updates.some((u) => u.raw !== undefined) ? body : this.#answer('UpdatesResponse', body);
  }

  async #persist(): Promise<void> {
    if (this.#opts.file === undefined) return;
    await writeFile(this.#opts.file, JSON.stringify({ tickets: this.tickets() }, null, 2));
  }
}

function err(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

export function createCentralService(opts: CentralServiceOptions): CentralService {
  return new CentralService(opts);
}
