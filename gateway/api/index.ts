import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AdapterStatus } from '../../core/adapter.js';
import type { HttpPushAdapter } from '../../adapters/http-push/http-push-adapter.js';
import type { SyncStatus } from '../../cloud-sync/sync-status.js';
import type { FaultPipeline } from '../alarms/index.js';
import { suspectView, type SuspectView } from './suspect-view.js';
import { readableBy } from './read-scope.js';
import type { Clock } from '../../core/clock.js';
import type { Liveness } from '../liveness/index.js';
import type { StormMode } from '../tickets/storm-mode.js';
import type { ClockStepWatch } from '../clock-step-watch.js';
import type { SiteConfig } from '../config/site-schema.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { FileBudget } from '../open-files.js';
import type { AlertHealth } from '../notify/index.js';
import type { AttachmentStore } from '../tickets/attachment-store.js';
import type { Store } from '../store/store.js';
import type { TicketArchive } from '../tickets/ticket-archive.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Ticket } from '../tickets/ticket.js';
import { webPages } from '../web/index.js';
import { Authenticator } from './auth.js';
import { ConnectionLimiter, readHttpsFiles, securityHeaders } from './http-guard.js';
import { eventRoutes } from './event-routes.js';
import { EventStream } from './event-stream.js';
import { ingestRoutes } from './ingest-routes.js';
import type { LiveValues } from './live-values.js';
import type { GatewayMetrics } from './metrics.js';
import { sendError } from './reply-error.js';
import { siteRoutes } from './site-routes.js';
import { attachmentRoutes } from './attachment-routes.js';
import { patrolRoutes } from './patrol-routes.js';
import { reportRoutes } from './report-routes.js';
import { repairRoutes } from './repair-routes.js';
import { ticketListRoutes } from './ticket-list-routes.js';
import { ticketRoutes } from './ticket-routes.js';
import { ticketView } from './ticket-view.js';
import { installValidators } from './validation.js';
import { pairStoreRoutes } from './pair-store-routes.js';
import { guardReads } from './read-guard.js';
import { StreamTickets } from './stream-tickets.js';

export interface ApiDeps {
  readonly site: SiteConfig;
  readonly tickets: TicketService;
  /** The monthly archive of closed tickets (GET /api/tickets?archived=true), where the gateway keeps one. */
  readonly archive?: TicketArchive;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly adapters: () => AdapterStatus[];
  /** The adapters' statuses without their device lists: what /readyz and readiness read (the same cost at any site size). */
  readonly adapterSummaries: () => AdapterStatus[];
  readonly sync: () => SyncStatus;
  readonly metrics: GatewayMetrics;
  readonly live: LiveValues;
  readonly pipeline: FaultPipeline;
  readonly alerts: { health(): AlertHealth; on(event: 'health', fn: (h: AlertHealth) => void): unknown };
  readonly clockWatch: Pick<ClockStepWatch, 'health'>;
  /** The gateway's own life: its id, when it started, its last time away, the status to central; and its outages for the monthly report. */
  readonly liveness: Pick<Liveness, 'health' | 'outages'>;
  /** Storm mode: switched on and off by a supervisor or operator. */
  readonly storm: StormMode;
  readonly attachments: AttachmentStore;
  /** Devices that push (POST /ingest/:deviceId), when the site has any. */
  readonly push?: HttpPushAdapter;
  /** How many HTTP connections this process's open files allow (gateway/open-files.ts). */
  readonly files: FileBudget;
  /** One of a pair: its role, epoch and the pair's trouble (docs/high-availability.md). */
  readonly pair?: () => PairHealth;
  /** One of a pair: its store's folder and the secret the other shows to copy it (GET /api/pair/store). */
  readonly pairStore?: { readonly dataDir: string; readonly secret: string };
}

/** The pair's part of /readyz: who this gateway is, its role and epoch, and what is wrong with the pair (not-ready reasons). */
export interface PairHealth {
  readonly gatewayId: string;
  readonly role: string;
  readonly epoch: number | null;
  readonly problems: readonly string[];
  readonly [more: string]: unknown;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  readonly events: EventStream;
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Why the gateway is not ready, or an empty list when it is. */
/** What /readyz answers, and what the operator page hears live (the `sync` event) when it changes. */
export function readyBody(deps: ApiDeps): Record<string, unknown> & { ready: boolean } {
  const reasons = readiness(deps);
  return {
    ready: reasons.length === 0,
    reasons,
    store: { ...deps.store.health(), recovery: deps.store.recovery() },
    // Each device's link is at /api/devices: listing 200,000 of them here made every probe cost 200 ms.
    adapters: deps.adapterSummaries(),
    sync: deps.sync(),
    alerts: deps.alerts.health(),
    clock: deps.clockWatch.health(),
    liveness: deps.liveness.health(),
    ...(deps.pair === undefined ? {} : { pair: deps.pair() }),
  };
}

export function readiness(deps: Pick<ApiDeps, 'store' | 'adapterSummaries' | 'sync' | 'alerts' | 'pair'>): string[] {
  const reasons: string[] = [...(deps.pair?.().problems ?? [])];
  const h = deps.store.health();
  if (!h.writable) reasons.push(`store not writable: ${h.error}`);
  if (deps.store.recovery()?.startedEmpty === true) reasons.push('the store started empty: neither store.json nor its backup could be read (see GW_STORE_CORRUPT in the log; the files were kept)');
  for (const u of deps.alerts.health().undelivered) {
    reasons.push(`emergency alert ${u.number} (${u.title.en}, ${u.where}) could not be delivered on any channel: ${u.channels.map((c) => `${c.id}: ${c.error}`).join('; ')}. Tell the engineer on duty by phone`);
  }
  for (const a of deps.adapterSummaries()) if (a.state === 'idle' || a.state === 'stopped' || a.state === 'stopping') reasons.push(`adapter ${a.kind} not started`);
  const s = deps.sync();
  if (s.state === 'unauthorized') reasons.push('central service refuses the token');
  if (s.nearQuota) reasons.push('outbox near its disk quota');
  return reasons;
}

/** `body.reason: must NOT have fewer than 1 characters` from fastify's validation error. */
function validationMessage(err: FastifyError): string {
  const v = err.validation?.[0];
  if (v === undefined) return err.message;
  const missing = typeof v.params['missingProperty'] === 'string' ? `.${v.params['missingProperty']}` : '';
  const extra = typeof v.params['additionalProperty'] === 'string' ? `.${v.params['additionalProperty']}` : '';
  const path = `${err.validationContext ?? 'request'}${v.instancePath.replaceAll('/', '.')}${missing}${extra}`;
  return `${path}: ${extra === '' ? (v.message ?? 'is invalid') : 'is not a known field'}`;
}

export function buildHttpServer(deps: ApiDeps, opts: SiteConfig['http']): HttpServer {
  // Slow and idle clients are cut (docs/security.md): node checks the header and request timeouts
  // every connectionsCheckingInterval, so a slowloris is gone within about a second of its time.
  const timeouts = { headersTimeout: opts.headersTimeoutSeconds * 1000, connectionsCheckingInterval: 1000 };
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimitBytes,
    connectionTimeout: opts.idleTimeoutSeconds * 1000,
    keepAliveTimeout: opts.keepAliveTimeoutSeconds * 1000,
    requestTimeout: Math.max(opts.requestTimeoutSeconds, opts.headersTimeoutSeconds) * 1000,
    ...(opts.tls === undefined ? { http: timeouts } : { https: { ...readHttpsFiles(opts.tls), ...timeouts } }),
  });
  installValidators(app);
  securityHeaders(app);
  const auth = new Authenticator(deps.site.users, deps.clock, (e) => deps.metrics.signIn(e));
  const events = new EventStream(deps.clock, { max: opts.maxLiveClients, perAddress: opts.maxLiveClientsPerAddress });
  // However the caps are set, HTTP clients never take more than half the descriptors left after the reserve.
  const files = deps.files;
  const maxConnections = files.known ? files.httpConnections : opts.maxConnections;
  if (files.known && maxConnections < opts.maxConnections) deps.log.warn({ event: 'http.connection_cap', configured: opts.maxConnections, used: maxConnections, fileLimit: files.fileLimit }, `http.maxConnections lowered to ${maxConnections}: the process may open only ${files.fileLimit} files`);
  const limiter = new ConnectionLimiter({ max: maxConnections, perAddress: opts.maxConnectionsPerAddress, idleMs: opts.idleTimeoutSeconds * 1000 }, deps.clock, () => deps.metrics.refused('connection'));
  limiter.attach(app.server);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation !== undefined) return sendError(reply, 400, 'GW_API_BAD_REQUEST', validationMessage(err));
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = req.url.startsWith('/api/attachments') ? deps.attachments.maxBytes : opts.bodyLimitBytes;
      return sendError(reply, 413, 'GW_API_BODY_TOO_LARGE', `request body is over the limit of ${limit} bytes`);
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, 415, 'GW_API_BAD_REQUEST', 'request body must be application/json');
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return sendError(reply, err.statusCode, 'GW_API_BAD_REQUEST', `body: ${err.message}`);
    deps.log.error({ event: 'api.error', method: req.method, url: req.url.split('?')[0], err: errorMessage(err) }, 'API request failed');
    return sendError(reply, 500, 'GW_API_INTERNAL', 'internal error; see the gateway log');
  });
  // Every refused or failed request is counted, so a flood of bad requests shows on /metrics.
  app.addHook('onResponse', async (_req, reply) => {
    if (reply.statusCode >= 400) deps.metrics.apiRejected(reply.statusCode);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'GW_API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));

  // Before every route: where the site says so, reads under /api/ need a token of any role.
  guardReads(app, { auth, readsNeedToken: opts.readsNeedToken, log: deps.log });
  app.get('/healthz', async () => ({ status: 'alive' }));
  app.get('/readyz', async (_req, reply) => {
    const body = readyBody(deps);
    return reply.code(body.ready ? 200 : 503).send(body);
  });
  // What the staff pages show in a banner when an emergency alert reached nobody.
  app.get('/api/alerts/health', async () => deps.alerts.health());
  // Faults suspected before their ticket exists (疑似困人): the engineering page shows them live.
  const warnings = (): { warnings: SuspectView[] } => ({ warnings: deps.pipeline.suspects().map((x) => suspectView(x, deps.site)) });
  app.get('/api/warnings', async (req) => {
    const readable = readableBy(req.user);
    return { warnings: warnings().warnings.filter((w) => readable({ location: { building: w.building } })) };
  });
  app.get('/api/dead-letters', async () => ({ deadLetters: deps.store.data.deadLetters }));
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.text()));
  ticketListRoutes(app, { tickets: deps.tickets, archive: deps.archive ?? null, clock: deps.clock, timeZone: deps.site.site.timeZone });
  ticketRoutes(app, { tickets: deps.tickets, auth, attachments: deps.attachments });
  repairRoutes(app, { site: deps.site, tickets: deps.tickets, auth, storm: deps.storm });
  patrolRoutes(app, { site: deps.site, tickets: deps.tickets, auth, attachments: deps.attachments });
  attachmentRoutes(app, { tickets: deps.tickets, auth, attachments: deps.attachments, clock: deps.clock });
  const people = Object.fromEntries(deps.site.users.map((u) => [u.id, u.name])) as Readonly<Record<string, string>>;
  reportRoutes(app, { tickets: deps.tickets, clock: deps.clock, alarms: deps.site.alarms, timeZone: deps.site.site.timeZone, outages: deps.liveness.outages, storms: deps.storm, auth, people });
  eventRoutes(app, { auth, events, streamTickets: new StreamTickets(deps.clock), readsNeedToken: opts.readsNeedToken, onLiveRefused: () => deps.metrics.refused('live-stream') });
  siteRoutes(app, {
    tickets: deps.tickets,
    auth,
    live: deps.live,
    adapters: deps.adapters,
    pipeline: deps.pipeline,
    clock: deps.clock,
    alarms: deps.site.alarms,
    deviceBuildings: new Map(deps.site.devices.map((d) => [d.id, d.location.building])),
    timeZone: deps.site.site.timeZone,
    people,
  });
  webPages(app, { site: deps.site });
  if (deps.push !== undefined) ingestRoutes(app, deps.push);
  if (deps.pairStore !== undefined) pairStoreRoutes(app, deps.pairStore);

  // Ticket changes reach the pages at once; device values in one batch a second.
  const onTicket = (t: Ticket): void => events.publish('ticket', ticketView({ ...t, evidence: [] }));
  deps.alerts.on('health', (h) => events.publish('alerts', h));
  const onSuspects = (): void => events.publish('warnings', warnings());
  let devicesTimer: ReturnType<Clock['setInterval']> | null = null;
  /** The last state sent as a `sync` event (sent again only when it changed). */
  let lastReady = '';
  let url: string | null = null;
  return {
    app,
    events,
    async start() {
      if (url !== null) return url;
      deps.tickets.on('changed', onTicket);
      deps.pipeline.on('suspects', onSuspects);
      devicesTimer = deps.clock.setInterval(() => {
        // Each changed device with its changed points only; nobody watching: forgotten (the pages load the devices whole when they connect).
        if (events.wanted('devices')) {
          const changes = deps.live.takeChanges(deps.adapters());
          if (changes.length > 0) events.publish('devices', changes);
        } else deps.live.dropChanges();
        // The gateway's own state (what /readyz says, the shelves, storm mode) when it changed: the
        // operator page follows it on the stream instead of polling beside it.
        if (events.wanted('sync')) {
          const body = { ready: readyBody(deps), shelves: deps.pipeline.shelves(), storm: { storm: deps.storm.current(), past: deps.storm.past() } };
          const text = JSON.stringify(body);
          if (text !== lastReady) {
            lastReady = text;
            events.publish('sync', body, text);
          }
        }
      }, 1_000);
      limiter.start();
      await app.listen({ host: opts.host, port: opts.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
      url = `${opts.tls === undefined ? 'http' : 'https'}://${host}:${port}`;
      deps.log.info({ event: 'http.listening', url }, `HTTP API on ${url}`);
      return url;
    },
    async stop() {
      deps.tickets.off('changed', onTicket);
      deps.pipeline.off('suspects', onSuspects);
      devicesTimer?.cancel();
      limiter.stop();
      // Open event streams would keep close() waiting forever.
      events.close();
      await app.close();
    },
  };
}
