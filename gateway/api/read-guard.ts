import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../core/log.js';
import type { Authenticator } from './auth.js';
import { STAFF } from './users-schema.js';

/**
 * Reads under /api/ that answer on their own terms: the live stream takes a stream ticket or a
 * token itself (event-routes.ts), and a photo is read by its id, 122 random bits only a guarded
 * ticket read gives out (an <img> cannot send a header); the store of one of a pair is read by the
 * other gateway with the pair's secret, never a staff token.
 */
const OWN_TERMS: ReadonlySet<string> = new Set(['/api/events', '/api/attachments/:id', '/api/pair/store']);

/**
 * `http.readsNeedToken`: every GET (and HEAD) under /api/ needs a staff token of any role, 401
 * without a valid one, before the route runs; the route then runs as that user (req.user: a patrol
 * reads only its buildings' tickets, read-scope.ts). /healthz, /readyz, /metrics and the pages
 * themselves stay open. Off, reads are open to anyone on the LAN, and the gateway says so at start.
 */
export function guardReads(app: FastifyInstance, deps: { auth: Authenticator; readsNeedToken: boolean; log: Logger }): void {
  if (!deps.readsNeedToken) {
    deps.log.warn(
      { event: 'api.reads_open', setting: 'http.readsNeedToken' },
      'reads of the API (ticket lists and details, devices, statistics, reports, the live stream) are open to anyone on the site LAN: set "readsNeedToken": true under "http" in the site file so they need a staff token (the pages already send one)',
    );
    return;
  }
  const signedIn = deps.auth.require(...STAFF);
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return;
    if (!req.url.startsWith('/api/') || OWN_TERMS.has(req.routeOptions.url ?? '')) return;
    await signedIn(req, reply);
    // Refused (401, 429): the answer is on its way, the route must not run.
    if (req.user === undefined) return reply;
  });
}
