import type { FastifyInstance } from 'fastify';
import { readStoreCopy, sameSecret } from '../ha/store-copy.js';
import { sendError } from './reply-error.js';

/**
 * One of a pair, while it acts: its store as on its disk, for a standby that was away for more
 * changes than etcd keeps (docs/high-availability.md). Only the other gateway asks, with the
 * pair's secret from etcd; staff tokens do not open it.
 */
export function pairStoreRoutes(app: FastifyInstance, deps: { readonly dataDir: string; readonly secret: string }): void {
  app.get('/api/pair/store', async (req, reply) => {
    const given = req.headers['x-pair-secret'];
    if (typeof given !== 'string' || !sameSecret(given, deps.secret)) return sendError(reply, 401, 'GW_API_UNAUTHORIZED', 'only the other gateway of the pair reads this, with the pair secret');
    return reply.header('cache-control', 'no-store').send(await readStoreCopy(deps.dataDir));
  });
}
