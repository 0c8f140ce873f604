import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AttachmentStore } from '../tickets/attachment-store.js';
import { recordCall, repairAgainInput, type CallInput, type CallOutcome } from '../tickets/callbacks.js';
import { StepRefused, TicketNotFound, type TicketService } from '../tickets/ticket-service.js';
import type { StaffStep, StepInput } from '../tickets/ticket-steps.js';
import type { Attachment, Ticket } from '../tickets/ticket.js';
import type { Satisfaction } from '../../core/vocabulary.js';
import { actingUser, type Authenticator } from './auth.js';
import { sendError } from './reply-error.js';
import { ticketView } from './ticket-view.js';
import { STAFF, type User } from './users-schema.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const text = { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' } as const;
const photos = { type: 'array', maxItems: 6, items: { type: 'string', minLength: 1, maxLength: 64 } } as const;
const body = (required: readonly string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties }) as const;

interface StepBody {
  note?: string;
  reason?: string;
  photos?: string[];
  result?: 'pass' | 'fail';
  cause?: string;
  action?: string;
  materials?: { name: string; quantity: number; unit?: string }[];
  workers?: string[];
  offSiteReason?: string;
}

/** What a resolve records beside its note (001, 004): all optional, shown on the ticket, in the CSV and at central. */
const resolveFields = {
  cause: text,
  action: text,
  materials: {
    type: 'array',
    maxItems: 30,
    items: { type: 'object', additionalProperties: false, required: ['name', 'quantity'], properties: { name: { ...text, maxLength: 100 }, quantity: { type: 'number', exclusiveMinimum: 0, maximum: 100_000 }, unit: { type: 'string', minLength: 1, maxLength: 20 } } },
  },
  workers: { type: 'array', maxItems: 10, items: { ...text, maxLength: 50 } },
  /** Fixed without coming on site, and why (counted apart): needed for a tier with an on-site deadline and no arrival. */
  offSiteReason: text,
} as const;

const callbackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reached'],
  properties: { reached: { type: 'boolean' }, satisfaction: { type: 'integer', minimum: 1, maximum: 5 }, words: text, fixed: { type: 'boolean' } },
} as const;

interface CallbackBody {
  reached: boolean;
  satisfaction?: Satisfaction;
  words?: string;
  fixed?: boolean;
}

/** The resolve's details as the step takes them. */
function resolutionOf(b: StepBody): StepInput['resolution'] {
  return {
    ...(b.cause === undefined ? {} : { cause: b.cause }),
    ...(b.action === undefined ? {} : { action: b.action }),
    ...(b.materials === undefined ? {} : { materials: b.materials }),
    ...(b.workers === undefined ? {} : { workers: b.workers }),
    ...(b.offSiteReason === undefined ? {} : { offSiteReason: b.offSiteReason }),
  };
}

/** The staff's steps on a ticket (ticket-steps.ts) and notes; reading tickets is ticket-list-routes.ts. */
export function ticketRoutes(app: FastifyInstance, deps: { tickets: TicketService; auth: Authenticator; attachments: AttachmentStore }): void {
  const { tickets, auth } = deps;

  /** A change asked of a ticket that is not live: archived (closed, read-only) or unknown. */
  const notLive = async (reply: FastifyReply, id: string): Promise<FastifyReply> => {
    const found = await tickets.find(id);
    return found === undefined
      ? sendError(reply, 404, 'GW_API_NOT_FOUND', `no ticket ${id}`)
      : sendError(reply, 409, 'GW_API_CONFLICT', `ticket ${found.ticket.number} is closed and archived; it can no longer change`);
  };

  /** Staff limited to some buildings (a patrol's round, an engineer of one tower) change tickets only there: every write checks. */
  const outside = (user: User, t: Ticket): string | null =>
    user.buildings.length > 0 && !user.buildings.includes(t.location.building) ? `ticket ${t.number} is in building ${t.location.building}, outside your buildings (${user.buildings.join(', ')})` : null;

  /**
   * One staff step on a ticket: 200 with `changed: false` when it was already taken (a repeated
   * tap), 409 with the reason when the ticket is past where the step makes sense.
   */
  const step = (path: string, steps: (b: StepBody) => StaffStep, roles: Parameters<Authenticator['require']>, schema: object, purpose: Attachment['purpose'], noteOf: (b: StepBody) => string | undefined) =>
    app.post<{ Params: { id: string }; Body: StepBody | undefined }>(`/api/tickets/:id/${path}`, { schema: { params: idParams, body: schema }, onRequest: auth.require(...roles) }, async (req, reply) => {
      const user = actingUser(req);
      const b = req.body ?? {};
      const t = tickets.get(req.params.id);
      if (t === undefined) return notLive(reply, req.params.id);
      const away = outside(user, t);
      if (away !== null) return sendError(reply, 403, 'GW_API_FORBIDDEN', away);
      const taken = await deps.attachments.take(b.photos ?? [], purpose, user.id);
      if (!taken.ok) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body.photos: ${taken.problem}`);
      const note = noteOf(b);
      try {
        const r = await tickets.step(t.id, steps(b), { user, ...(note === undefined ? {} : { note }), photos: taken.attachments, resolution: resolutionOf(b) });
        if (r.changed) deps.attachments.used(b.photos ?? []);
        return { ticket: ticketView(r.ticket), changed: r.changed };
      } catch (err) {
        if (err instanceof StepRefused) return sendError(reply, 409, 'GW_API_CONFLICT', `ticket ${err.ticket.number}: ${err.why}`);
        if (err instanceof TicketNotFound) return notLive(reply, req.params.id);
        throw err;
      }
    });
  const optionalNote = body([], { note: text });
  // The engineer takes the repair (接单; `ack` is its older name), arrives (到场), resolves (完成).
  for (const path of ['take', 'ack']) step(path, () => 'take', ['engineer'], optionalNote, 'resolve', (b) => b.note);
  step('arrive', () => 'arrive', ['engineer'], optionalNote, 'resolve', (b) => b.note);
  step('resolve', () => 'resolve', ['engineer'], body(['note'], { note: text, photos, ...resolveFields }), 'resolve', (b) => b.note);
  // The patrol verifies on site: confirmed, or a false alarm with a reason.
  step('confirm', () => 'confirm', ['patrol'], body([], { note: text, photos }), 'report', (b) => b.note);
  step('reject', () => 'reject', ['patrol'], body(['reason'], { reason: text, photos }), 'report', (b) => b.reason);
  // The re-check of a resolved public-area repair (复查): pass closes it, fail reopens it with a reason.
  step(
    'recheck',
    (b) => (b.result === 'pass' ? 'recheck-pass' : 'recheck-fail'),
    ['patrol'],
    { ...body(['result'], { result: { type: 'string', enum: ['pass', 'fail'] }, reason: text, photos }), if: { properties: { result: { const: 'fail' } } }, then: { required: ['result', 'reason'] } },
    'recheck',
    (b) => b.reason,
  );

  // The callback to the owner after an in-unit repair (回访): the desk (or the supervisor) records each call.
  app.post<{ Params: { id: string }; Body: CallbackBody }>('/api/tickets/:id/callback', { schema: { params: idParams, body: callbackBody }, onRequest: auth.require('desk', 'supervisor') }, async (req, reply) => {
    const user = actingUser(req);
    const b = req.body;
    const t = tickets.get(req.params.id);
    if (t === undefined) return notLive(reply, req.params.id);
    const away = outside(user, t);
    if (away !== null) return sendError(reply, 403, 'GW_API_FORBIDDEN', away);
    if (!b.reached && (b.satisfaction !== undefined || b.fixed !== undefined)) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body.${b.satisfaction === undefined ? 'fixed' : 'satisfaction'}: only a call that reached the owner says it`);
    const words = b.words === undefined ? {} : { words: b.words };
    const call: CallInput = b.reached ? { reached: true, ...words, ...(b.satisfaction === undefined ? {} : { satisfaction: b.satisfaction }), ...(b.fixed === undefined ? {} : { fixed: b.fixed }) } : { reached: false, ...words };
    let outcome: CallOutcome | null = null;
    try {
      const after = await tickets.mutate(t.id, `user:${user.id}`, (d, now) => {
        const o = recordCall(d, call, `user:${user.id}`, now);
        outcome = o;
        return o.kind === 'changed' ? o.entry : null;
      });
      const o = outcome as CallOutcome | null;
      if (o === null || o.kind === 'refused') return sendError(reply, 409, 'GW_API_CONFLICT', `ticket ${after.number}: ${o?.why ?? 'nothing to record'}`);
      // Closed already and the owner says it is not fixed: a new repair of it, a repeat of this one.
      const again = o.repairAgain ? await tickets.raise(repairAgainInput(after, user, b.words)) : null;
      return { ticket: ticketView(after), ...(again === null ? {} : { repair: ticketView(again) }) };
    } catch (err) {
      if (err instanceof TicketNotFound) return notLive(reply, req.params.id);
      throw err;
    }
  });

  app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/api/tickets/:id/notes',
    { schema: { params: idParams, body: body(['note'], { note: text }) }, onRequest: auth.require(...STAFF) },
    async (req, reply) => {
      const user = actingUser(req);
      const t = tickets.get(req.params.id);
      if (t === undefined) return notLive(reply, req.params.id);
      const away = outside(user, t);
      if (away !== null) return sendError(reply, 403, 'GW_API_FORBIDDEN', away);
      try {
        const after = await tickets.mutate(req.params.id, `user:${user.id}`, () => ({ action: 'note', note: req.body.note }));
        return { ticket: ticketView(after) };
      } catch (err) {
        if (err instanceof TicketNotFound) return notLive(reply, req.params.id);
        throw err;
      }
    },
  );
}
