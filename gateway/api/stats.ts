import { siteDateTime } from '../local-time.js';
import type { AlarmsConfig } from '../alarms/config-schema.js';
import type { Ticket, TicketStatus } from '../tickets/ticket.js';

/** ISA-18.2 yardsticks shown beside each alarm-system figure. */
export const YARDSTICKS = {
  alarmsPer10Min: { target: 1, text: { zh: 'ISA-18.2：每 10 分钟约 1 条可接受，超过 2 条难以应付', en: 'ISA-18.2: about 1 per 10 min is acceptable, over 2 is hard to manage' } },
  floodShare: { target: 0.01, text: { zh: 'ISA-18.2：泛滥时间少于 1 %', en: 'ISA-18.2: under 1 % of the time in flood' } },
  chattering: { target: 0, text: { zh: 'ISA-18.2：不应有抖动告警', en: 'ISA-18.2: no chattering alarms' } },
  stale: { target: 5, text: { zh: 'ISA-18.2：同时存在的长期告警少于 5 条', en: 'ISA-18.2: fewer than 5 stale alarms (active over 24 h) at a time' } },
  priorityMix: { target: { emergency: 0.05, general: 0.15, low: 0.8 }, text: { zh: 'ISA-18.2：约 5 % 高、15 % 中、80 % 低', en: 'ISA-18.2: about 5 % high, 15 % medium, 80 % low' } },
} as const;

export interface TimeToFigure {
  readonly count: number;
  readonly medianMinutes: number | null;
  /** Share done by its deadline, of those done. */
  readonly onTimeShare: number | null;
}

export interface FalseAlarmRow {
  readonly key: string;
  readonly decided: number;
  readonly rejected: number;
  /** rejected / decided: how often a patrol found nothing there. */
  readonly rate: number;
}

export interface Stats {
  readonly from: string;
  readonly to: string;
  readonly tickets: {
    readonly total: number;
    readonly byFault: Record<string, number>;
    readonly byTier: Record<string, number>;
    readonly byBuilding: Record<string, number>;
    readonly byDevice: Record<string, number>;
  };
  readonly acknowledge: TimeToFigure;
  /** Confirmed on site, against the on-site deadline (or the dispatch deadline where the tier has none). */
  readonly confirm: TimeToFigure;
  readonly falseAlarms: { readonly byFault: FalseAlarmRow[]; readonly byDevice: FalseAlarmRow[] };
  readonly alarmSystem: {
    readonly alarms: number;
    readonly alarmsPer10Min: number;
    readonly floodShare: number;
    readonly chattering: number;
    readonly stale: number;
    readonly priorityMix: Record<'emergency' | 'general' | 'low', number>;
    readonly yardsticks: typeof YARDSTICKS;
  };
}

const count = (xs: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};

function firstAt(t: Ticket, statuses: readonly TicketStatus[]): number | null {
  const h = t.history.find((e) => e.status !== undefined && statuses.includes(e.status));
  return h === undefined ? null : Date.parse(h.at);
}

function acknowledgedAt(t: Ticket): number | null {
  // Confirming on site also answers the alert; later steps imply someone acted.
  return firstAt(t, ['acknowledged', 'confirmed', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed']);
}

function confirmedAt(t: Ticket): number | null {
  return firstAt(t, ['confirmed']);
}

function confirmDeadline(t: Ticket): number {
  return Date.parse(t.deadlines.onSiteBy ?? t.deadlines.dispatchBy);
}

function timeTo(pairs: readonly { start: number; done: number; by: number }[]): TimeToFigure {
  if (pairs.length === 0) return { count: 0, medianMinutes: null, onTimeShare: null };
  const minutes = pairs.map((p) => (p.done - p.start) / 60_000).sort((a, b) => a - b);
  const mid = Math.floor(minutes.length / 2);
  const median = minutes.length % 2 === 1 ? minutes[mid]! : (minutes[mid - 1]! + minutes[mid]!) / 2;
  return { count: pairs.length, medianMinutes: Math.round(median * 10) / 10, onTimeShare: pairs.filter((p) => p.done <= p.by).length / pairs.length };
}

function falseAlarmRows(tickets: readonly Ticket[], keyOf: (t: Ticket) => string): FalseAlarmRow[] {
  const rows = new Map<string, { decided: number; rejected: number }>();
  for (const t of tickets) {
    const rejected = firstAt(t, ['rejected']) !== null;
    if (!rejected && confirmedAt(t) === null) continue;
    const r = rows.get(keyOf(t)) ?? { decided: 0, rejected: 0 };
    r.decided += 1;
    if (rejected) r.rejected += 1;
    rows.set(keyOf(t), r);
  }
  return [...rows].map(([key, r]) => ({ key, ...r, rate: r.rejected / r.decided })).sort((a, b) => b.rate - a.rate || b.decided - a.decided);
}

/**
 * Time in flood, by the ISA-18.2 rule itself replayed over the activations: a flood starts when
 * more than `startAbove` alarms fall in the window and ends when fewer than `endBelow` do.
 */
function floodMs(activations: readonly number[], cfg: AlarmsConfig['flood'], from: number, to: number): number {
  const windowMs = cfg.windowMinutes * 60_000;
  const events = activations.flatMap((a) => [{ at: a, d: 1 }, { at: a + windowMs, d: -1 }]).sort((x, y) => x.at - y.at || x.d - y.d);
  let n = 0;
  let floodSince: number | null = null;
  let total = 0;
  const add = (a: number, b: number): void => {
    total += Math.max(0, Math.min(b, to) - Math.max(a, from));
  };
  for (const e of events) {
    n += e.d;
    if (floodSince === null && n > cfg.startAbove) floodSince = e.at;
    else if (floodSince !== null && n < cfg.endBelow) {
      add(floodSince, e.at);
      floodSince = null;
    }
  }
  if (floodSince !== null) add(floodSince, to);
  return total;
}

/** The monthly review: tickets, response times, false alarms and alarm-system health in [from, to). */
export function computeStats(all: readonly Ticket[], range: { from: number; to: number; now: number }, alarmsCfg: AlarmsConfig): Stats {
  const { from, to, now } = range;
  const inRange = (ms: number): boolean => ms >= from && ms < to;
  const faults = all.filter((t) => t.kind === 'fault' && inRange(Date.parse(t.createdAt)));
  const acks = faults.flatMap((t) => {
    const at = acknowledgedAt(t);
    return at === null ? [] : [{ start: Date.parse(t.createdAt), done: at, by: Date.parse(t.deadlines.acknowledgeBy) }];
  });
  const confirms = faults.flatMap((t) => {
    const at = confirmedAt(t);
    return at === null ? [] : [{ start: Date.parse(t.createdAt), done: at, by: confirmDeadline(t) }];
  });
  const activations = all.filter((t) => t.kind === 'fault').flatMap((t) => t.occurrences.map((o) => ({ at: Date.parse(o.at), tier: t.tier })));
  const windowed = activations.filter((a) => inRange(a.at));
  const spanMs = Math.max(1, Math.min(to, now) - from);
  const mix = { emergency: 0, general: 0, low: 0 };
  for (const a of windowed) mix[a.tier] += 1;
  const share = (n: number): number => (windowed.length === 0 ? 0 : n / windowed.length);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    tickets: {
      total: faults.length,
      byFault: count(faults.map((t) => t.fault)),
      byTier: count(faults.map((t) => t.tier)),
      byBuilding: count(faults.map((t) => t.location.building)),
      byDevice: count(faults.map((t) => t.deviceId)),
    },
    acknowledge: timeTo(acks),
    confirm: timeTo(confirms),
    falseAlarms: { byFault: falseAlarmRows(faults, (t) => t.fault), byDevice: falseAlarmRows(faults, (t) => t.deviceId) },
    alarmSystem: {
      alarms: windowed.length,
      alarmsPer10Min: Math.round((windowed.length / (spanMs / 600_000)) * 100) / 100,
      floodShare: floodMs(activations.map((a) => a.at), alarmsCfg.flood, from, Math.min(to, now)) / spanMs,
      chattering: faults.filter((t) => t.chattering).length,
      stale: all.filter((t) => t.kind === 'fault' && t.condition === 'active' && now - Date.parse(t.occurrences.at(-1)?.at ?? t.createdAt) > 24 * 3_600_000).length,
      priorityMix: { emergency: share(mix.emergency), general: share(mix.general), low: share(mix.low) },
      yardsticks: YARDSTICKS,
    },
  };
}

const CSV_COLUMNS = ['number', 'createdAt', 'tier', 'fault', 'deviceId', 'building', 'floor', 'where', 'status', 'ackMinutes', 'ackOnTime', 'confirmMinutes', 'confirmOnTime', 'rejected', 'rejectReason'] as const;

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One row per ticket of the range, for a spreadsheet; a BOM so Excel reads the Chinese right. Times
 * are the site's local time (`2026-11-27 14:20:05`), as people read them, never ISO or UTC.
 */
export function statsCsv(all: readonly Ticket[], range: { from: number; to: number }, timeZone: string): string {
  const rows = all
    .filter((t) => t.kind === 'fault' && Date.parse(t.createdAt) >= range.from && Date.parse(t.createdAt) < range.to)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((t) => {
      const created = Date.parse(t.createdAt);
      const ack = acknowledgedAt(t);
      const conf = confirmedAt(t);
      const reject = t.history.find((h) => h.status === 'rejected');
      const mins = (at: number | null): number | null => (at === null ? null : Math.round(((at - created) / 60_000) * 10) / 10);
      return [
        t.number, siteDateTime(created, timeZone), t.tier, t.fault, t.deviceId, t.location.building, t.location.floor, t.location.description, t.status,
        mins(ack), ack === null ? null : ack <= Date.parse(t.deadlines.acknowledgeBy),
        mins(conf), conf === null ? null : conf <= confirmDeadline(t),
        reject !== undefined, reject?.note ?? null,
      ].map(csvCell).join(',');
    });
  return `\uFEFF${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
