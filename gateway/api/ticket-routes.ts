import type { FastifyInstance, FastifyReply } from 'fastify';
import { TicketNotFound, canTransition, type TicketService } from '../tickets/ticket-service.js';
import { OPEN_STATUSES, type Ticket, type TicketStatus } from '../tickets/ticket.js';
import { actingUser, type Authenticator } from './auth.js';
import { sendError } from './reply-error.js';

const STATUSES: readonly TicketStatus[] = ['raised', 'acknowledged', 'confirmed', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed'];

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Comma-separated statuses, or `open` for every open one. */
    status: { type: 'string', pattern: `^(open|${STATUSES.join('|')})(,(open|${STATUSES.join('|')}))*$` },
    tier: { type: 'string', enum: ['emergency', 'general', 'low'] },
    building: { type: 'string', minLength: 1, maxLength: 100 },
    since: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
    offset: { type: 'integer', minimum: 0, default: 0 },
    /** `desc` for newest first (the pages); ascending by default. */
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
    /** `false` leaves the evidence out of a long list. */
    evidence: { type: 'boolean', default: true },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const optionalNote = { type: 'object', additionalProperties: false, properties: { note: { type: 'string', minLength: 1, maxLength: 1000 } } } as const;
const requiredReason = { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' } } } as const;
const requiredNote = { type: 'object', additionalProperties: false, required: ['note'], properties: { note: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' } } } as const;

interface ListQuery {
  status?: string;
  tier?: Ticket['tier'];
  building?: string;
  since?: string;
  limit: number;
  offset: number;
  order: 'asc' | 'desc';
  evidence: boolean;
}

/** Tickets: list with filters and paging, one ticket, and the staff's steps on it. */
export function ticketRoutes(app: FastifyInstance, deps: { tickets: TicketService; auth: Authenticator }): void {
  const { tickets, auth } = deps;

  /** A change asked of a ticket that is not live: archived (closed, read-only) or unknown. */
  const notLive = async (reply: FastifyReply, id: string): Promise<FastifyReply> => {
    const found = await tickets.find(id);
    return found === undefined
      ? sendError(reply, 404, 'GW_API_NOT_FOUND', `no ticket ${id}`)
      : sendError(reply, 409, 'GW_API_CONFLICT', `ticket ${found.ticket.number} is closed and archived; it can no longer change`);
  };

  app.get<{ Querystring: ListQuery }>('/api/tickets', { schema: { querystring: listQuery } }, async (req) => {
    const q = req.query;
    const statuses = q.status === undefined ? null : new Set(q.status.split(',').flatMap((s) => (s === 'open' ? [...OPEN_STATUSES] : [s])));
    const since = q.since === undefined ? null : Date.parse(q.since);
    const matching = tickets
      .all()
      .filter((t) => (statuses === null || statuses.has(t.status)) && (q.tier === undefined || t.tier === q.tier))
      .filter((t) => (q.building === undefined || t.location.building === q.building) && (since === null || Date.parse(t.createdAt) >= since))
      .sort((a, b) => (q.order === 'desc' ? b.createdAt.localeCompare(a.createdAt) : a.createdAt.localeCompare(b.createdAt)));
    const page = matching.slice(q.offset, q.offset + q.limit).map((t) => (q.evidence ? t : { ...t, evidence: [] }));
    return { tickets: page, total: matching.length, offset: q.offset, limit: q.limit };
  });

  app.get<{ Params: { id: string } }>('/api/tickets/:id', { schema: { params: idParams } }, async (req, reply) => {
    const found = await tickets.find(req.params.id);
    return found === undefined ? sendError(reply, 404, 'GW_API_NOT_FOUND', `no ticket ${req.params.id}`) : { ticket: found.ticket, archived: found.archived };
  });

  /** A lifecycle step by a user; repeating a step already taken answers 200 and changes nothing. */
  const step = (path: string, to: TicketStatus, roles: Parameters<Authenticator['require']>, body: object, noteOf: (b: Record<string, string | undefined>) => string | undefined) =>
    app.post<{ Params: { id: string }; Body: Record<string, string | undefined> | undefined }>(
      `/api/tickets/:id/${path}`,
      { schema: { params: idParams, body }, onRequest: auth.require(...roles) },
      async (req, reply) => {
        const user = actingUser(req);
        const t = tickets.get(req.params.id);
        if (t === undefined) return notLive(reply, req.params.id);
        if (user.role === 'patrol' && user.buildings.length > 0 && !user.buildings.includes(t.location.building)) {
          return sendError(reply, 403, 'GW_API_FORBIDDEN', `ticket ${t.number} is in building ${t.location.building}, outside your patrol (${user.buildings.join(', ')})`);
        }
        if (t.status === to) return { ticket: t, changed: false };
        if (!canTransition(t.status, to)) return sendError(reply, 409, 'GW_API_CONFLICT', `ticket ${t.number} is ${t.status}; it cannot become ${to}`);
        const after = await tickets.transition(t.id, `user:${user.id}`, to, noteOf(req.body ?? {}));
        return { ticket: after, changed: after.version !== t.version };
      },
    );
  step('ack', 'acknowledged', ['engineer'], optionalNote, (b) => b['note']);
  step('confirm', 'confirmed', ['patrol'], optionalNote, (b) => b['note']);
  step('reject', 'rejected', ['patrol'], requiredReason, (b) => b['reason']);

  app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/api/tickets/:id/notes',
    { schema: { params: idParams, body: requiredNote }, onRequest: auth.require('patrol', 'engineer', 'operator') },
    async (req, reply) => {
      const user = actingUser(req);
      try {
        const after = await tickets.mutate(req.params.id, `user:${user.id}`, () => ({ action: 'note', note: req.body.note }));
        return { ticket: after };
      } catch (err) {
        if (err instanceof TicketNotFound) return notLive(reply, req.params.id);
        throw err;
      }
    },
  );
}
