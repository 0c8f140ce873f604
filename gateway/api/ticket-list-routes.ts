import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { TicketArchive } from '../tickets/ticket-archive.js';
import { callbackWaiting } from '../tickets/callbacks.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { OPEN_STATUSES, type Ticket } from '../tickets/ticket.js';
import { TICKET_STATUSES } from '../../core/vocabulary.js';
import { readableBy } from './read-scope.js';
import { parseWhen } from './report-period.js';
import { sendError } from './reply-error.js';
import { ticketView } from './ticket-view.js';

const DAY_MS = 86_400_000;
/** An archive search reads the month files of at most this span: bounded work per request (13 months at most). */
export const ARCHIVE_SEARCH_MAX_DAYS = 366;
/** Without `from`, an archive search looks back this far from `to`. */
const ARCHIVE_SEARCH_DEFAULT_DAYS = 90;

const when = { anyOf: [{ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, { type: 'string', format: 'date-time' }] } as const;
const word = { type: 'string', minLength: 1, maxLength: 100 } as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /**
     * Comma-separated statuses, `open` for every open one, `recheck` for resolved repairs waiting for
     * a re-check, `callback` for repaired in-unit repairs whose callback to the owner is still to be made.
     */
    status: { type: 'string', pattern: `^(open|recheck|callback|${TICKET_STATUSES.join('|')})(,(open|recheck|callback|${TICKET_STATUSES.join('|')}))*$` },
    tier: { type: 'string', enum: ['emergency', 'general', 'low'] },
    building: word,
    deviceId: word,
    fault: word,
    since: { type: 'string', format: 'date-time' },
    /** Created in [from, to): a site-local day (its local midnight) or a date-time. */
    from: when,
    to: when,
    /** `true` searches the archive (closed tickets, by month) as well as the live tickets. */
    archived: { type: 'boolean', default: false },
    limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
    offset: { type: 'integer', minimum: 0, default: 0 },
    /** `desc` for newest first (the pages); ascending by default. */
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
    /** `false` leaves the evidence out of a long list. */
    evidence: { type: 'boolean', default: true },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

interface ListQuery {
  status?: string;
  tier?: Ticket['tier'];
  building?: string;
  deviceId?: string;
  fault?: string;
  since?: string;
  from?: string;
  to?: string;
  archived: boolean;
  limit: number;
  offset: number;
  order: 'asc' | 'desc';
  evidence: boolean;
}

export interface TicketListDeps {
  readonly tickets: TicketService;
  /** The monthly archive of closed tickets, where the gateway keeps one. */
  readonly archive: TicketArchive | null;
  readonly clock: Clock;
  readonly timeZone: string;
}

/**
 * Reading tickets: the list with filters and paging (the live tickets, and with `archived=true` the
 * filing of closed ones by building, device, fault and time, 报修档案), and one ticket, live or archived.
 */
export function ticketListRoutes(app: FastifyInstance, deps: TicketListDeps): void {
  const { tickets } = deps;

  app.get<{ Querystring: ListQuery }>('/api/tickets', { schema: { querystring: listQuery } }, async (req, reply) => {
    const q = req.query;
    const wanted = q.status === undefined ? null : new Set(q.status.split(','));
    const statusOk = (t: Ticket): boolean =>
      wanted === null || wanted.has(t.status) || (wanted.has('open') && OPEN_STATUSES.has(t.status)) || (wanted.has('recheck') && t.status === 'resolved' && t.recheck.state === 'due') || (wanted.has('callback') && callbackWaiting(t));
    const since = q.since === undefined ? null : Date.parse(q.since);
    let to = q.to === undefined ? null : parseWhen(q.to, deps.timeZone);
    let from = q.from === undefined ? null : parseWhen(q.from, deps.timeZone);
    if (q.archived) {
      // Bounded: one request reads the month files of at most a year.
      to ??= deps.clock.now();
      from ??= to - ARCHIVE_SEARCH_DEFAULT_DAYS * DAY_MS;
      if (to - from > ARCHIVE_SEARCH_MAX_DAYS * DAY_MS) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `querystring.from: an archive search covers at most ${ARCHIVE_SEARCH_MAX_DAYS} days; ask for the rest in another request`);
    }
    if (from !== null && to !== null && from >= to) return sendError(reply, 400, 'GW_API_BAD_REQUEST', 'querystring.from: must be before to');
    let months: string[] | undefined;
    let archived: Ticket[] = [];
    if (q.archived && from !== null && to !== null) {
      months = [];
      if (deps.archive !== null) {
        const needles = [['building', q.building], ['deviceId', q.deviceId], ['fault', q.fault]].flatMap(([k, v]) => (v === undefined ? [] : [`"${k}":${JSON.stringify(v)}`]));
        ({ tickets: archived, months } = await deps.archive.search(from, to, needles));
      }
    }
    // An archive search without `to` reads up to now; what is raised meanwhile is not cut off.
    const upTo = q.to === undefined ? null : to;
    const inRange = (at: number): boolean => (from === null || at >= from) && (upTo === null || at < upTo) && (since === null || at >= since);
    const readable = readableBy(req.user);
    const live = tickets.all();
    const liveIds = new Set(live.map((t) => t.id));
    const matching = [...live.map((t) => ({ t, archived: false })), ...archived.filter((t) => !liveIds.has(t.id)).map((t) => ({ t, archived: true }))]
      .filter(({ t }) => statusOk(t) && (q.tier === undefined || t.tier === q.tier) && readable(t))
      .filter(({ t }) => (q.building === undefined || t.location.building === q.building) && (q.deviceId === undefined || t.deviceId === q.deviceId) && (q.fault === undefined || t.fault === q.fault))
      .filter(({ t }) => inRange(Date.parse(t.createdAt)))
      // Tickets raised in the same millisecond keep the order of their numbers (the order they were raised in).
      .sort((a, b) => (q.order === 'desc' ? -1 : 1) * (a.t.createdAt.localeCompare(b.t.createdAt) || a.t.number.localeCompare(b.t.number, 'en', { numeric: true })));
    const page = matching.slice(q.offset, q.offset + q.limit).map(({ t, archived: old }) => {
      const view = ticketView(q.evidence ? t : { ...t, evidence: [] });
      return q.archived ? { ...view, archived: old } : view;
    });
    return { tickets: page, total: matching.length, offset: q.offset, limit: q.limit, ...(months === undefined ? {} : { archive: { months } }) };
  });

  app.get<{ Params: { id: string } }>('/api/tickets/:id', { schema: { params: idParams } }, async (req, reply) => {
    const found = await tickets.find(req.params.id);
    if (found === undefined) return sendError(reply, 404, 'GW_API_NOT_FOUND', `no ticket ${req.params.id}`);
    const t = found.ticket;
    if (!readableBy(req.user)(t)) return sendError(reply, 403, 'GW_API_FORBIDDEN', `ticket ${t.number} is in building ${t.location.building}, outside your buildings`);
    return { ticket: ticketView(t), archived: found.archived };
  });
}
