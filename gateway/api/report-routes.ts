import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AlarmsConfig } from '../alarms/config-schema.js';
import type { Clock } from '../../core/clock.js';
import { localDate } from '../../core/local-time.js';
import { stepOwed } from '../tickets/deadlines.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { isOpen, type Ticket } from '../tickets/ticket.js';
import type { OutageLog } from '../liveness/outage-log.js';
import type { StormMode } from '../tickets/storm-mode.js';
import { callbackWaiting } from '../tickets/callbacks.js';
import type { Authenticator } from './auth.js';
import { engineerCsv, engineerFigures } from './engineer-figures.js';
import { dayPeriod, monthPeriod, parseWhen, weekPeriod, type Period } from './report-period.js';
import { readableBy } from './read-scope.js';
import { sendError } from './reply-error.js';
import { computeStats, statsCsv } from './stats.js';

export { parseWhen };

const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const month = { type: 'string', pattern: '^\\d{4}-\\d{2}$' } as const;
const when = { anyOf: [date, { type: 'string', format: 'date-time' }] } as const;
const dateQuery = { type: 'object', additionalProperties: false, properties: { date } } as const;
const monthQuery = { type: 'object', additionalProperties: false, properties: { month } } as const;
const engineersQuery = { type: 'object', additionalProperties: false, properties: { month, from: when, to: when } } as const;

/** A ticket in a report's lists: number, what, where, and how it stands. */
function row(t: Ticket): Record<string, unknown> {
  return { id: t.id, number: t.number, tier: t.tier, title: t.title, building: t.location.building, where: t.location.description, unit: t.location.unit ?? null, status: t.status, assignee: t.assignee, createdAt: t.createdAt, deadlines: t.deadlines, recheck: t.recheck, callback: t.callback ?? null };
}

export interface ReportDeps {
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly alarms: AlarmsConfig;
  readonly timeZone: string;
  readonly outages: Pick<OutageLog, 'availability'>;
  readonly auth: Authenticator;
  /** Storm mode's storms within a period (their hours are shown beside the on-time rates that leave paused time out). */
  readonly storms: Pick<StormMode, 'within'>;
  /** Staff names by user id, for the per-engineer figures. */
  readonly people: Readonly<Record<string, string>>;
}

const csv = (reply: FastifyReply, name: string, body: string): FastifyReply => reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(body);

/**
 * The reports the engineering supervisor reads, cut at the site's local midnight (report-period.ts),
 * each as JSON for the page and as CSV: the daily report (日报), the weekly report (周报, Monday to
 * Monday), the monthly report (月报), and the per-engineer figures of a month or any range (人员考核,
 * supervisor and admin only).
 */
export function reportRoutes(app: FastifyInstance, deps: ReportDeps): void {
  const tz = deps.timeZone;

  /** A reader's tickets (a patrol: its buildings'), live and archived in [from, to), and live only. */
  type Readable = (t: Ticket) => boolean;
  const daily = async (day: string, readable: Readable) => {
    const { from, to } = dayPeriod(day, tz);
    const now = deps.clock.now();
    const all = (await deps.tickets.withArchived(from, to)).filter(readable);
    const asOf = Math.min(now, to);
    const live = deps.tickets.all().filter(readable);
    const overdue = live.filter((t) => isOpen(t) && (['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy'] as const).some((s) => t.deadlines[s] !== null && Date.parse(t.deadlines[s] ?? '') < asOf && stepOwed(t, s)));
    return {
      date: day,
      from,
      to,
      stats: computeStats(all, { from, to, now }, deps.alarms),
      /** Still open now, whenever raised: what the next shift takes over. */
      open: live.filter(isOpen).map(row),
      overdue: overdue.map(row),
      rechecksDue: live.filter((t) => t.status === 'resolved' && t.recheck.state === 'due').map(row),
      /** Callbacks to owners still to be made, and those past their due time (回访). */
      callbacksDue: live.filter(callbackWaiting).map(row),
      callbacksOverdue: live.filter((t) => callbackWaiting(t) && Date.parse(t.callback?.dueBy ?? '') < asOf).map(row),
      all,
    };
  };

  /** A week or a month: its statistics, tickets per local day, and the gateway's own availability. */
  const period = async ({ from, to }: Period, readable: Readable) => {
    const now = deps.clock.now();
    const all = (await deps.tickets.withArchived(from, to)).filter(readable);
    const byDay: Record<string, { total: number; emergency: number }> = {};
    for (const t of all) {
      const at = Date.parse(t.createdAt);
      if (t.kind !== 'fault' || at < from || at >= to) continue;
      const d = localDate(at, tz);
      const e = byDay[d] ?? { total: 0, emergency: 0 };
      e.total += 1;
      if (t.tier === 'emergency') e.emergency += 1;
      byDay[d] = e;
    }
    // The gateway's own availability: per cent of the period up (so far, since its first start), outages, the longest.
    // Storm mode's hours: its paused tickets' deadlines were moved by the time paused, so the on-time rates leave that time out.
    return { from, to, stats: computeStats(all, { from, to, now }, deps.alarms), byDay, gateway: deps.outages.availability(from, to, now), storms: deps.storms.within(from, to, now), all };
  };
  const weekly = async (day: string, readable: Readable) => {
    const w = weekPeriod(day, tz);
    return { week: w.monday, ...(await period(w, readable)) };
  };
  const monthly = async (m: string, readable: Readable) => ({ month: m, ...(await period(monthPeriod(m, tz), readable)) });

  const today = (): string => localDate(deps.clock.now(), tz);
  type DateQuery = { Querystring: { date?: string } };
  type MonthQuery = { Querystring: { month?: string } };
  app.get<DateQuery>('/api/reports/daily', { schema: { querystring: dateQuery } }, async (req) => {
    const { all: _all, ...r } = await daily(req.query.date ?? today(), readableBy(req.user));
    return r;
  });
  app.get<DateQuery>('/api/reports/daily.csv', { schema: { querystring: dateQuery } }, async (req, reply) => {
    const r = await daily(req.query.date ?? today(), readableBy(req.user));
    return csv(reply, `daily-${r.date}.csv`, statsCsv(r.all, r, tz));
  });
  app.get<DateQuery>('/api/reports/weekly', { schema: { querystring: dateQuery } }, async (req) => {
    const { all: _all, ...r } = await weekly(req.query.date ?? today(), readableBy(req.user));
    return r;
  });
  app.get<DateQuery>('/api/reports/weekly.csv', { schema: { querystring: dateQuery } }, async (req, reply) => {
    const r = await weekly(req.query.date ?? today(), readableBy(req.user));
    return csv(reply, `weekly-${r.week}.csv`, statsCsv(r.all, r, tz));
  });
  app.get<MonthQuery>('/api/reports/monthly', { schema: { querystring: monthQuery } }, async (req) => {
    const { all: _all, ...r } = await monthly(req.query.month ?? today().slice(0, 7), readableBy(req.user));
    return r;
  });
  app.get<MonthQuery>('/api/reports/monthly.csv', { schema: { querystring: monthQuery } }, async (req, reply) => {
    const r = await monthly(req.query.month ?? today().slice(0, 7), readableBy(req.user));
    return csv(reply, `monthly-${r.month}.csv`, statsCsv(r.all, r, tz));
  });

  /** `month`, else `from`..`to` (dates or date-times, site-local), else this month; null when it is empty. */
  const engineerRange = (q: { month?: string; from?: string; to?: string }): (Period & { name: string }) | null => {
    if (q.month !== undefined || (q.from === undefined && q.to === undefined)) {
      const m = q.month ?? today().slice(0, 7);
      return { ...monthPeriod(m, tz), name: m };
    }
    const to = q.to === undefined ? deps.clock.now() : parseWhen(q.to, tz);
    const from = q.from === undefined ? monthPeriod(localDate(to - 1, tz).slice(0, 7), tz).from : parseWhen(q.from, tz);
    return from < to ? { from, to, name: `${localDate(from, tz)}-${localDate(to - 1, tz)}` } : null;
  };
  const engineers = async (r: Period) => engineerFigures(await deps.tickets.withArchived(r.from, r.to), { ...r, now: deps.clock.now() }, deps.people);
  type EngineersQuery = { Querystring: { month?: string; from?: string; to?: string } };
  const supervisorOnly = { schema: { querystring: engineersQuery }, onRequest: deps.auth.require('supervisor') };
  app.get<EngineersQuery>('/api/reports/engineers', supervisorOnly, async (req, reply) => {
    const r = engineerRange(req.query);
    if (r === null) return sendError(reply, 400, 'GW_API_BAD_REQUEST', 'querystring.from: must be before to');
    return { period: r.name, from: r.from, to: r.to, engineers: await engineers(r) };
  });
  app.get<EngineersQuery>('/api/reports/engineers.csv', supervisorOnly, async (req, reply) => {
    const r = engineerRange(req.query);
    if (r === null) return sendError(reply, 400, 'GW_API_BAD_REQUEST', 'querystring.from: must be before to');
    return csv(reply, `engineers-${r.name}.csv`, engineerCsv(await engineers(r)));
  });
}
