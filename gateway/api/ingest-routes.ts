import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { HttpPushAdapter, PushRefusal } from '../../adapters/http-push/http-push-adapter.js';
import { Authenticator } from './auth.js';
import { sendError } from './reply-error.js';

function refused(reply: FastifyReply, r: PushRefusal): FastifyReply {
  if (r.retryAfterSeconds !== undefined) reply.header('retry-after', String(r.retryAfterSeconds));
  // A wrong token or a flood: closed after the answer, so the next try connects again (per-address caps).
  if (r.status === 401 || r.status === 429) reply.header('connection', 'close');
  return sendError(reply, r.status, r.code, r.message);
}

/**
 * `POST /ingest/:deviceId`: devices push readings and events to the gateway's own HTTP port (one
 * port for the site, behind the same connection caps, timeouts and security headers as the pages).
 * The token and rate limit are checked in onRequest, before a byte of the body is read; the body is
 * taken raw (JSON or plain text, whatever its content type) up to the device's limit and handed to
 * the adapter, which owns the devices' state. The route's plugin has its own body parser, so the
 * rest of the API keeps its JSON-only parsing.
 */
export function ingestRoutes(app: FastifyInstance, push: HttpPushAdapter): void {
  app.addHook('onListen', async () => push.attach());
  app.addHook('onClose', async () => push.detach());
  void app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: push.maxBodyBytes }, (_req, body, done) => done(null, body));
    child.setErrorHandler((err: FastifyError, req, reply) => {
      const deviceId = (req.params as { deviceId?: string } | undefined)?.deviceId ?? '';
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refused(reply, push.tooLarge(deviceId));
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      return sendError(reply, status, 'GW_API_BAD_REQUEST', `body: ${err.message}`);
    });
    child.post<{ Params: { deviceId: string } }>(
      '/ingest/:deviceId',
      {
        bodyLimit: push.maxBodyBytes,
        onRequest: async (req, reply) => {
          const length = Number(req.headers['content-length']);
          const admission = push.admit({ deviceId: req.params.deviceId, token: Authenticator.tokenOf(req), address: req.socket.remoteAddress ?? '?' }, Number.isFinite(length) ? length : null);
          if (!admission.ok) {
            await refused(reply, admission);
            return reply;
          }
        },
      },
      async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = push.push(req.params.deviceId, body);
        if (!result.ok) return refused(reply, result);
        return reply.code(200).send({ accepted: result.accepted, ...(result.warnings.length === 0 ? {} : { warnings: result.warnings }) });
      },
    );
  });
}
