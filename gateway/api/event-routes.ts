import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from './auth.js';
import { LIVE_EVENTS, type EventFilter, type EventStream, type LiveEvent } from './event-stream.js';
import { securityHeaderValues } from './http-guard.js';
import { readableBy } from './read-scope.js';
import { sendError } from './reply-error.js';
import type { StreamTickets } from './stream-tickets.js';
import { STAFF, type User } from './users-schema.js';

/** `events`: the events a page shows, comma-separated (`ticket,alerts`); absent: every event. */
const streamQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ticket: { type: 'string', minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }, events: { type: 'string', maxLength: 100, pattern: `^(${LIVE_EVENTS.join('|')})(,(${LIVE_EVENTS.join('|')}))*$` } },
} as const;

interface StreamQuery {
  ticket?: string;
  events?: string;
}

export interface EventRouteDeps {
  readonly auth: Authenticator;
  readonly events: EventStream;
  readonly streamTickets: StreamTickets;
  readonly readsNeedToken: boolean;
  readonly onLiveRefused: () => void;
}

/** What a reader hears: a patrol limited to some buildings, the ticket changes (and suspected faults) there only. */
function filterFor(user: User | undefined): EventFilter {
  if (user === undefined) return null;
  const readable = readableBy(user);
  return (event, data) => {
    if (event === 'ticket') return readable(data as { location: { building: string } });
    // Suspected faults (疑似困人) name their building: a patrol hears a list only when all of it is in its buildings.
    if (event === 'warnings') return (data as { warnings: readonly { building: string }[] }).warnings.every((w) => readable({ location: { building: w.building } }));
    return true;
  };
}

/**
 * The live stream (server-sent events) and the ticket that opens it. A page asks for a stream
 * ticket with its token in the header (POST /api/events/ticket) and opens the stream with it
 * (GET /api/events?ticket=...): a browser's EventSource cannot send a header (stream-tickets.ts).
 * A client that can (curl, a console) may send its token as a header instead. Where reads need a
 * token, one or the other is required; the ticket itself is never logged.
 */
export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  const signedIn = deps.auth.require(...STAFF);

  app.post('/api/events/ticket', { onRequest: signedIn }, async (req, reply) => {
    if (req.user === undefined) throw new Error('route is missing its Authenticator.require hook');
    return reply.code(201).header('cache-control', 'no-store').send(deps.streamTickets.issue(req.user));
  });

  /** Who the stream is for, or null once a refusal has been sent. */
  const reader = async (req: FastifyRequest<{ Querystring: StreamQuery }>, reply: FastifyReply): Promise<{ user: User | undefined } | null> => {
    const ticket = req.query.ticket;
    if (ticket !== undefined) {
      const user = deps.streamTickets.take(ticket);
      if (user !== null) return { user };
      await sendError(reply, 401, 'GW_API_UNAUTHORIZED', 'this stream ticket is not known, was used already or has expired: ask for a new one (POST /api/events/ticket)');
      return null;
    }
    if (!deps.readsNeedToken && req.headers.authorization === undefined) return { user: undefined };
    await signedIn(req, reply);
    return req.user === undefined ? null : { user: req.user };
  };

  app.get<{ Querystring: StreamQuery }>('/api/events', { schema: { querystring: streamQuery } }, async (req, reply) => {
    const who = await reader(req, reply);
    if (who === null) return reply;
    const address = req.socket.remoteAddress ?? '?';
    const room = deps.events.room(address);
    if (room !== 'ok') {
      deps.onLiveRefused();
      reply.header('retry-after', '10');
      return sendError(reply, 503, 'GW_API_BUSY', room === 'full' ? 'the live stream has as many clients as it allows; try again shortly' : 'this address has as many live streams open as it may; close a page or try again shortly');
    }
    reply.hijack();
    // Hijacked: the onSend hook does not run, so the stream carries its headers itself.
    for (const [k, v] of Object.entries(securityHeaderValues())) reply.raw.setHeader(k, v);
    const events = req.query.events === undefined ? null : new Set(req.query.events.split(',') as LiveEvent[]);
    deps.events.attach(reply.raw, address, filterFor(who.user), events);
    return reply;
  });
}
