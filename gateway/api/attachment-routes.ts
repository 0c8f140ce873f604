import type { FastifyInstance } from 'fastify';
import { PhotoNotDurable, PhotoRefused, type AttachmentStore } from '../tickets/attachment-store.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { actingUser, type Authenticator } from './auth.js';
import { sendError } from './reply-error.js';
import { STAFF } from './users-schema.js';

const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/**
 * Photos: uploaded one at a time as the raw image (POST /api/attachments, `content-type:
 * image/jpeg`), written to disk before the id is answered, then named by the step that uses them;
 * served back to the pages by id (GET /api/attachments/:id) once on a ticket.
 */
export function attachmentRoutes(app: FastifyInstance, deps: { tickets: TicketService; auth: Authenticator; attachments: AttachmentStore; clock: { now(): number } }): void {
  const store = deps.attachments;
  app.addContentTypeParser(PHOTO_TYPES, { parseAs: 'buffer', bodyLimit: store.maxBytes }, (_req, payload, done) => done(null, payload));

  app.post<{ Body: Buffer }>('/api/attachments', { onRequest: deps.auth.require(...STAFF), bodyLimit: store.maxBytes }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) return sendError(reply, 415, 'GW_API_BAD_REQUEST', `send the photo itself as the body, with content-type ${PHOTO_TYPES.join(', ')}`);
    try {
      const a = await store.add(req.body, actingUser(req).id, deps.clock.now());
      return reply.code(201).send({ attachment: a });
    } catch (err) {
      if (err instanceof PhotoRefused) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body: ${err.message}`);
      // One of a pair that cannot reach etcd (or no longer leads): the page's queue sends it again.
      if (err instanceof PhotoNotDurable) return sendError(reply, 503, 'GW_API_NOT_DURABLE', `${err.message}; send it again`);
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/api/attachments/:id', { schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } } }, async (req, reply) => {
    const a = deps.tickets.all().flatMap((t) => t.attachments).find((x) => x.id === req.params.id);
    if (a === undefined) return sendError(reply, 404, 'GW_API_NOT_FOUND', `no photo ${req.params.id} on a live ticket`);
    const bytes = await store.read(a);
    if (bytes === null) return sendError(reply, 404, 'GW_API_NOT_FOUND', `photo ${a.id} is missing from the gateway's disk`);
    return reply.type(a.contentType).header('cache-control', 'private, max-age=86400').send(bytes);
  });
}
