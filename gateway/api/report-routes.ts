import type { FastifyInstance } from 'fastify';
import type { AlarmsConfig } from '../alarms/config-schema.js';
import type { Clock } from '../clock.js';
import { localDate, localMidnight } from '../local-time.js';
import { stepOwed } from '../tickets/deadlines.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { isOpen, type Ticket } from '../tickets/ticket.js';
import type { OutageLog } from '../liveness/outage-log.js';
import { computeStats, statsCsv } from './stats.js';

/** `2026-11-27` is that day's site-local midnight; anything else an exact date-time. */
export function parseWhen(v: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  return m === null ? Date.parse(v) : localMidnight(Number(m[1]), Number(m[2]), Number(m[3]), timeZone);
}

/** Local midnight of the day `days` after a `YYYY-MM-DD` (calendar arithmetic, whatever the zone). */
function dayAfter(date: string, days: number, timeZone: string): number {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  const u = new Date(Date.UTC(y, m - 1, d + days));
  return localMidnight(u.getUTCFullYear(), u.getUTCMonth() + 1, u.getUTCDate(), timeZone);
}

const dateQuery = { type: 'object', additionalProperties: false, properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } } } as const;
const monthQuery = { type: 'object', additionalProperties: false, properties: { month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' } } } as const;

/** A ticket in a report's lists: number, what, where, and how it stands. */
function row(t: Ticket): Record<string, unknown> {
  return { id: t.id, number: t.number, tier: t.tier, title: t.title, building: t.location.building, where: t.location.description, status: t.status, assignee: t.assignee, createdAt: t.createdAt, deadlines: t.deadlines, recheck: t.recheck };
}

/**
 * The daily report (日报) and the monthly report (月报) the engineering supervisor reads, with day
 * and month boundaries at the site's local midnight: each as JSON for the page and as CSV.
 */
export function reportRoutes(app: FastifyInstance, deps: { tickets: TicketService; clock: Clock; alarms: AlarmsConfig; timeZone: string; outages: Pick<OutageLog, 'availability'> }): void {
  const tz = deps.timeZone;

  const daily = async (date: string) => {
    const from = parseWhen(date, tz);
    const to = dayAfter(date, 1, tz);
    const now = deps.clock.now();
    const all = await deps.tickets.withArchived(from, to);
    const asOf = Math.min(now, to);
    const live = deps.tickets.all();
    const overdue = live.filter((t) => isOpen(t) && (['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy'] as const).some((s) => t.deadlines[s] !== null && Date.parse(t.deadlines[s] ?? '') < asOf && stepOwed(t, s)));
    return {
      date,
      from,
      to,
      stats: computeStats(all, { from, to, now }, deps.alarms),
      /** Still open now, whenever raised: what the next shift takes over. */
      open: live.filter(isOpen).map(row),
      overdue: overdue.map(row),
      rechecksDue: live.filter((t) => t.status === 'resolved' && t.recheck.state === 'due').map(row),
      all,
    };
  };

  const monthly = async (month: string) => {
    const from = parseWhen(`${month}-01`, tz);
    const [y = 0, m = 1] = month.split('-').map(Number);
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    const to = parseWhen(next, tz);
    const now = deps.clock.now();
    const all = await deps.tickets.withArchived(from, to);
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
    // The gateway's own availability: per cent of the month up (so far, since its first start), outages, the longest.
    return { month, from, to, stats: computeStats(all, { from, to, now }, deps.alarms), byDay, gateway: deps.outages.availability(from, to, now), all };
  };

  const today = (): string => localDate(deps.clock.now(), tz);
  app.get<{ Querystring: { date?: string } }>('/api/reports/daily', { schema: { querystring: dateQuery } }, async (req) => {
    const { all: _all, ...r } = await daily(req.query.date ?? today());
    void _all;
    return r;
  });
  app.get<{ Querystring: { date?: string } }>('/api/reports/daily.csv', { schema: { querystring: dateQuery } }, async (req, reply) => {
    const date = req.query.date ?? today();
    const r = await daily(date);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="daily-${date}.csv"`).send(statsCsv(r.all, r, tz));
  });
  app.get<{ Querystring: { month?: string } }>('/api/reports/monthly', { schema: { querystring: monthQuery } }, async (req) => {
    const { all: _all, ...r } = await monthly(req.query.month ?? today().slice(0, 7));
    void _all;
    return r;
  });
  app.get<{ Querystring: { month?: string } }>('/api/reports/monthly.csv', { schema: { querystring: monthQuery } }, async (req, reply) => {
    const month = req.query.month ?? today().slice(0, 7);
    const r = await monthly(month);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="monthly-${month}.csv"`).send(statsCsv(r.all, r, tz));
  });
}
