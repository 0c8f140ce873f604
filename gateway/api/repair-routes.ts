import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SiteConfig } from '../config/site-schema.js';
import { STORM_MAX_HOURS, StormRefused, type StormMode } from '../tickets/storm-mode.js';
import { assign, retier, type Decision } from '../tickets/supervision.js';
import { TicketNotFound, type TicketService } from '../tickets/ticket-service.js';
import { type Draft } from '../tickets/ticket.js';
import { actingUser, type Authenticator } from './auth.js';
import { sendError } from './reply-error.js';
import { ticketView } from './ticket-view.js';
import type { User } from './users-schema.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const text = { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' } as const;

const assignBody = { type: 'object', additionalProperties: false, required: ['engineerId'], properties: { engineerId: { type: 'string', minLength: 1, maxLength: 100 }, reason: text } } as const;
const retierBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { tier: { type: 'string', enum: ['emergency', 'general', 'low'] }, complexity: { type: 'string', enum: ['simple', 'general', 'complex'] }, reason: text },
  anyOf: [{ required: ['tier'] }, { required: ['complexity'] }],
} as const;

const stormBody = {
  type: 'object',
  additionalProperties: false,
  required: ['hours', 'reason'],
  properties: { building: { type: 'string', minLength: 1, maxLength: 100 }, hours: { type: 'number', exclusiveMinimum: 0, maximum: STORM_MAX_HOURS }, reason: text },
} as const;

interface StormBody {
  building?: string;
  hours: number;
  reason: string;
}

interface AssignBody {
  engineerId: string;
  reason?: string;
}

interface RetierBody {
  tier?: 'emergency' | 'general' | 'low';
  complexity?: 'simple' | 'general' | 'complex';
  reason: string;
}

/** Who may be given a repair (派工): the engineers, and supervisors who go themselves. */
const ASSIGNABLE: ReadonlySet<User['role']> = new Set(['engineer', 'supervisor']);

/**
 * The engineering supervisor's decisions on a ticket (the grab-order flow, the project repair rules,
 * the warranty standard): assign it to an engineer (派工), and change its tier or complexity after
 * the survey on site. Each is a history step with who and when, synced to central.
 */
export function repairRoutes(app: FastifyInstance, deps: { site: SiteConfig; tickets: TicketService; auth: Authenticator; storm: StormMode }): void {
  const users = new Map(deps.site.users.map((u) => [u.id, u]));

  /** One decision on a live ticket: 200 with the ticket, 409 with the reason it does not apply, 404 for no live ticket. */
  const decide = async (reply: FastifyReply, id: string, user: User, decision: (d: Draft) => Decision): Promise<unknown> => {
    let refused: string | null = null;
    try {
      const after = await deps.tickets.mutate(id, `user:${user.id}`, (d) => {
        const r = decision(d);
        if (r.kind === 'refused') {
          refused = r.why;
          return null;
        }
        return r.entry;
      });
      if (refused !== null) return sendError(reply, 409, 'GW_API_CONFLICT', `ticket ${after.number}: ${refused}`);
      return { ticket: ticketView(after) };
    } catch (err) {
      if (err instanceof TicketNotFound) return sendError(reply, 404, 'GW_API_NOT_FOUND', `no live ticket ${id}`);
      throw err;
    }
  };

  app.get('/api/engineers', { onRequest: deps.auth.require('supervisor') }, async () => ({
    engineers: deps.site.users.filter((u) => ASSIGNABLE.has(u.role)).map((u) => ({ id: u.id, name: u.name, role: u.role, buildings: u.buildings })),
  }));

  app.post<{ Params: { id: string }; Body: AssignBody }>('/api/tickets/:id/assign', { schema: { params: idParams, body: assignBody }, onRequest: deps.auth.require('supervisor') }, async (req, reply) => {
    const engineer = users.get(req.body.engineerId);
    if (engineer === undefined || !ASSIGNABLE.has(engineer.role)) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body.engineerId: no engineer ${req.body.engineerId} on this site`);
    const by = actingUser(req);
    return decide(reply, req.params.id, by, (d) => assign(d, engineer, by, req.body.reason));
  });

  // Storm mode (工单插队、资源倾斜): for the site or one building, at most 24 h, ends by itself.
  app.get('/api/storm', async () => ({ storm: deps.storm.current(), past: deps.storm.past() }));
  app.post<{ Body: StormBody }>('/api/storm', { schema: { body: stormBody }, onRequest: deps.auth.require('supervisor', 'operator') }, async (req, reply) => {
    const b = req.body;
    if (b.building !== undefined && !deps.site.devices.some((d) => d.location.building === b.building)) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body.building: no building ${b.building} on this site`);
    try {
      return reply.code(201).send({ storm: await deps.storm.begin({ building: b.building ?? null, hours: b.hours, reason: b.reason, by: actingUser(req).id }) });
    } catch (err) {
      if (err instanceof StormRefused) return sendError(reply, 409, 'GW_API_CONFLICT', err.why);
      throw err;
    }
  });
  app.delete('/api/storm', { onRequest: deps.auth.require('supervisor', 'operator') }, async (req, reply) => {
    const past = await deps.storm.end(actingUser(req).id);
    return past === null ? sendError(reply, 409, 'GW_API_CONFLICT', 'storm mode is not on') : { ended: past };
  });

  app.post<{ Params: { id: string }; Body: RetierBody }>('/api/tickets/:id/retier', { schema: { params: idParams, body: retierBody }, onRequest: deps.auth.require('engineer', 'supervisor') }, async (req, reply) => {
    const b = req.body;
    return decide(reply, req.params.id, actingUser(req), (d) => retier(d, deps.site.contract, { ...(b.tier === undefined ? {} : { tier: b.tier }), ...(b.complexity === undefined ? {} : { complexity: b.complexity }) }, b.reason));
  });
}
