import Fastify, { type FastifyInstance } from 'fastify';
import type { AdapterStatus } from '../../adapters/adapter.js';
import type { SyncStatus } from '../../cloud-sync/sync-status.js';
import type { Clock } from '../clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { GatewayMetrics } from './metrics.js';

export interface ApiDeps {
  readonly site: SiteConfig;
  readonly tickets: TicketService;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly adapters: () => AdapterStatus[];
  readonly sync: () => SyncStatus;
  readonly metrics: GatewayMetrics;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Why the gateway is not ready, or an empty list when it is. */
export function readiness(deps: ApiDeps): string[] {
  const reasons: string[] = [];
  const h = deps.store.health();
  if (!h.writable) reasons.push(`store not writable: ${h.error}`);
  for (const a of deps.adapters()) if (a.state === 'idle' || a.state === 'stopped' || a.state === 'stopping') reasons.push(`adapter ${a.kind} not started`);
  const s = deps.sync();
  if (s.state === 'unauthorized') reasons.push('central service refuses the token');
  if (s.nearQuota) reasons.push('outbox near its disk quota');
  return reasons;
}

export function buildHttpServer(deps: ApiDeps, opts: { host: string; port: number; bodyLimitBytes: number }): HttpServer {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimitBytes });
  app.get('/healthz', async () => ({ status: 'alive' }));
  app.get('/readyz', async (_req, reply) => {
    const reasons = readiness(deps);
    return reply.code(reasons.length === 0 ? 200 : 503).send({ ready: reasons.length === 0, reasons, store: deps.store.health(), adapters: deps.adapters(), sync: deps.sync() });
  });
  // Read-only ticket list for the site LAN (scenario checks, dashboards). Writes will need a token.
  app.get('/api/tickets', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const since = q['since'] === undefined ? 0 : Date.parse(q['since']);
    const limit = q['limit'] === undefined ? 500 : Number(q['limit']);
    if (Number.isNaN(since) || !Number.isInteger(limit) || limit < 1 || limit > 5000) {
      return reply.code(400).send({ error: { code: 'GW_API_BAD_REQUEST', message: 'query.since must be an ISO time and query.limit an integer from 1 to 5000' } });
    }
    const tickets = deps.tickets
      .all()
      .filter((t) => Date.parse(t.createdAt) >= since)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit);
    return { tickets };
  });
  app.get('/api/dead-letters', async () => ({ deadLetters: deps.store.data.deadLetters }));
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.text()));
  let url: string | null = null;
  return {
    app,
    async start() {
      if (url !== null) return url;
      await app.listen({ host: opts.host, port: opts.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
      url = `http://${host}:${port}`;
      deps.log.info({ event: 'http.listening', url }, `HTTP API on ${url}`);
      return url;
    },
    async stop() {
      await app.close();
    },
  };
}
