import type { FastifyInstance } from 'fastify';
import type { AdapterStatus } from '../../core/adapter.js';
import type { FaultPipeline } from '../alarms/index.js';
import type { AlarmsConfig } from '../alarms/config-schema.js';
import type { Clock } from '../../core/clock.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { actingUser, type Authenticator } from './auth.js';
import { STAFF, type User } from './users-schema.js';
import type { LiveValues } from './live-values.js';
import { readableBy } from './read-scope.js';
import { sendError } from './reply-error.js';
import { siteDay } from '../../core/local-time.js';
import { parseWhen } from './report-routes.js';
import { computeStats, statsCsv } from './stats.js';

/** A site-local day (`2026-11-27`, from its local midnight) or an exact date-time. */
const when = { anyOf: [{ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, { type: 'string', format: 'date-time' }] } as const;
const rangeQuery = { type: 'object', additionalProperties: false, properties: { from: when, to: when } } as const;

const shelveBody = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'minutes', 'reason'],
  properties: {
    deviceId: { type: 'string', minLength: 1, maxLength: 100 },
    /** A fault id, or `*` (the default) for every fault of the device. */
    fault: { type: 'string', minLength: 1, maxLength: 100, default: '*' },
    /** Shelving is for a limited time (ISA-18.2): at most 7 days. */
    minutes: { type: 'number', exclusiveMinimum: 0, maximum: 7 * 24 * 60 },
    reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' },
  },
} as const;

const DAY_MS = 24 * 3_600_000;

/** Who am I, devices with live values, statistics, and shelving (the live stream: event-routes.ts). */
export function siteRoutes(
  app: FastifyInstance,
  deps: { tickets: TicketService; auth: Authenticator; live: LiveValues; adapters: () => AdapterStatus[]; pipeline: FaultPipeline; clock: Clock; alarms: AlarmsConfig; deviceBuildings: ReadonlyMap<string, string>; timeZone: string; people: Readonly<Record<string, string>> },
): void {
  const { auth } = deps;

  app.get('/api/me', { onRequest: auth.require(...STAFF) }, async (req) => {
    const u = actingUser(req);
    return { user: { id: u.id, name: u.name, role: u.role, buildings: u.buildings } };
  });

  /** Staff names by id, for the history on the pages (names only: no roles, buildings or codes). */
  app.get('/api/people', { onRequest: auth.require(...STAFF) }, async () => ({ people: deps.people }));

  app.get('/api/devices', async () => ({ devices: deps.live.view(null, deps.adapters()), adapters: deps.adapters() }));

  /**
   * The review period: `from`..`to` (a date is the site-local midnight that starts it, so a month
   * runs from local midnight to local midnight, not from 08:00 Beijing time), by default the 30 days
   * up to now; null when `from` is not before `to`.
   */
  const range = (q: { from?: string; to?: string }): { from: number; to: number; now: number } | null => {
    const now = deps.clock.now();
    const at = (v: string): number => parseWhen(v, deps.timeZone);
    const to = q.to === undefined ? now : at(q.to);
    const from = q.from === undefined ? to - 30 * DAY_MS : at(q.from);
    return from < to ? { from, to, now } : null;
  };
  const badRange = 'querystring.from: must be before to';
  app.get<{ Querystring: { from?: string; to?: string } }>('/api/stats', { schema: { querystring: rangeQuery } }, async (req, reply) => {
    const r = range(req.query);
    return r === null ? sendError(reply, 400, 'GW_API_BAD_REQUEST', badRange) : computeStats((await deps.tickets.withArchived(r.from, r.to)).filter(readableBy(req.user)), r, deps.alarms);
  });
  app.get<{ Querystring: { from?: string; to?: string } }>('/api/stats.csv', { schema: { querystring: rangeQuery } }, async (req, reply) => {
    const r = range(req.query);
    if (r === null) return sendError(reply, 400, 'GW_API_BAD_REQUEST', badRange);
    // Named by the site-local days it covers (the last instant of the range is `to` minus one).
    const name = `tickets-${siteDay(r.from, deps.timeZone)}-${siteDay(r.to - 1, deps.timeZone)}.csv`;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(statsCsv((await deps.tickets.withArchived(r.from, r.to)).filter(readableBy(req.user)), r, deps.timeZone));
  });

  const pipeline = deps.pipeline;
  app.get('/api/shelves', async () => ({ shelves: pipeline.shelves() }));
  app.post<{ Body: { deviceId: string; fault: string; minutes: number; reason: string } }>(
    '/api/shelves',
    { schema: { body: shelveBody }, onRequest: auth.require('operator') },
    async (req, reply) => {
      const b = req.body;
      const building = deps.deviceBuildings.get(b.deviceId);
      if (building === undefined) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body.deviceId: no device "${b.deviceId}" in the site file`);
      const away = outsideBuildings(actingUser(req), building);
      if (away !== null) return sendError(reply, 403, 'GW_API_FORBIDDEN', away);
      const shelf = await pipeline.shelve(b.deviceId, b.fault, b.minutes, b.reason, `user:${actingUser(req).id}`);
      return reply.code(201).send({ shelf });
    },
  );
  app.delete<{ Params: { id: string } }>('/api/shelves/:id', { onRequest: auth.require('operator') }, async (req, reply) => {
    const shelf = pipeline.shelves().find((s) => s.id === req.params.id);
    const away = shelf === undefined ? null : outsideBuildings(actingUser(req), deps.deviceBuildings.get(shelf.deviceId) ?? '');
    if (away !== null) return sendError(reply, 403, 'GW_API_FORBIDDEN', away);
    if (!(await pipeline.unshelve(req.params.id, `user:${actingUser(req).id}`))) return sendError(reply, 404, 'GW_API_NOT_FOUND', `no active shelf ${req.params.id}`);
    return { unshelved: req.params.id };
  });
}

/** Why a user limited to some buildings may not change something in `building`, or null when they may. */
function outsideBuildings(user: User, building: string): string | null {
  return user.buildings.length > 0 && !user.buildings.includes(building) ? `building ${building} is outside your buildings (${user.buildings.join(', ')})` : null;
}
