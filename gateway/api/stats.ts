import { siteDateTime } from '../../core/local-time.js';
import type { AlarmsConfig } from '../alarms/config-schema.js';
import { stepDoneAt } from '../tickets/deadlines.js';
import type { DeadlineStep, Ticket } from '../tickets/ticket.js';
import { callbackFigures, firstTimeFixFigures, materialsWords, type CallbackFigures, type FirstTimeFixFigures } from './repair-figures.js';

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

/** One deadline's step (接单, 派单, 到场, 完成) over a range: the KPI sheet's columns. */
export interface StepFigure extends TimeToFigure {
  readonly p90Minutes: number | null;
  /** Done by the deadline. */
  readonly onTime: number;
  /** Not done, and its deadline has passed. */
  readonly overdue: number;
}

export interface StepFigures {
  readonly acknowledge: StepFigure;
  readonly dispatch: StepFigure;
  readonly onSite: StepFigure;
  readonly resolve: StepFigure;
}

export interface GroupFigures {
  readonly total: number;
  readonly completionRate: number | null;
  readonly steps: StepFigures;
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
    readonly bySkill: Record<string, number>;
    readonly byDevice: Record<string, number>;
    readonly bySource: Record<string, number>;
  };
  /** On-time rates and time to each step. */
  readonly steps: StepFigures;
  /** Repaired (resolved or closed) of those that were not false alarms. */
  readonly completionRate: number | null;
  /** Repeat repairs (返修): tickets on a device and fault repaired within the window before. */
  readonly repeatRate: number | null;
  readonly rechecks: { readonly due: number; readonly passed: number; readonly failed: number; readonly overdue: number };
  /** Callbacks to owners after in-unit repairs, and their satisfaction. */
  readonly callbacks: CallbackFigures;
  readonly firstTimeFix: FirstTimeFixFigures;
  /** Tickets whose tier or complexity was changed after the survey (the tier counts above are the final ones). */
  readonly retiered: number;
  /** Resolved without coming on site, with a reason: left out of the on-site figures, counted here. */
  readonly offSite: number;
  /**
   * Storm mode's pauses (tickets paused, minutes in all): a paused ticket's deadlines move by the
   * time paused, so the on-time rates leave it out; one paused now is not overdue.
   */
  readonly paused: { readonly tickets: number; readonly minutes: number };
  readonly byBuilding: Record<string, GroupFigures>;
  readonly bySkill: Record<string, GroupFigures>;
  /** Kept for the pages: the same as steps.acknowledge. */
  readonly acknowledge: TimeToFigure;
  /** Verified on site by a patrol, against the on-site deadline (or the dispatch deadline where the tier has none). */
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

function verifiedAt(t: Ticket): number | null {
  return t.verification.state === 'confirmed' && t.verification.at !== null ? Date.parse(t.verification.at) : null;
}

function confirmDeadline(t: Ticket): number {
  return Date.parse(t.deadlines.onSiteBy ?? t.deadlines.dispatchBy);
}

function minutesAt(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return Math.round((sorted[rank - 1] ?? 0) * 10) / 10;
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(m * 10) / 10;
}

function timeTo(pairs: readonly { start: number; done: number; by: number }[]): TimeToFigure {
  if (pairs.length === 0) return { count: 0, medianMinutes: null, onTimeShare: null };
  const minutes = pairs.map((p) => (p.done - p.start) / 60_000).sort((a, b) => a - b);
  return { count: pairs.length, medianMinutes: median(minutes), onTimeShare: pairs.filter((p) => p.done <= p.by).length / pairs.length };
}

const STEP_KEYS: readonly [keyof StepFigures, DeadlineStep][] = [
  ['acknowledge', 'acknowledgeBy'],
  ['dispatch', 'dispatchBy'],
  ['onSite', 'onSiteBy'],
  ['resolve', 'resolveBy'],
];

/**
 * Each step against its deadline: done on time, late, or still owed past its deadline (as of `now`).
 * A repair fixed without coming on site has no on-site step (counted apart); a ticket storm mode
 * pauses now owes nothing until the storm ends and moves its deadlines.
 */
function stepFigures(tickets: readonly Ticket[], now: number): StepFigures {
  const out: Partial<Record<keyof StepFigures, StepFigure>> = {};
  for (const [key, step] of STEP_KEYS) {
    const minutes: number[] = [];
    let onTime = 0;
    let overdue = 0;
    for (const t of tickets) {
      const by = t.deadlines[step];
      if (by === null || t.status === 'rejected') continue;
      if (step === 'onSiteBy' && t.resolution?.offSite != null) continue;
      const done = stepDoneAt(t, step);
      if (done === null) {
        if (Date.parse(by) < now && t.paused === undefined) overdue += 1;
        continue;
      }
      minutes.push((done - Date.parse(t.createdAt)) / 60_000);
      if (done <= Date.parse(by)) onTime += 1;
    }
    minutes.sort((a, b) => a - b);
    out[key] = { count: minutes.length, onTime, onTimeShare: minutes.length === 0 ? null : onTime / minutes.length, medianMinutes: median(minutes), p90Minutes: minutesAt(minutes, 90), overdue };
  }
  return out as StepFigures;
}

function completionRate(tickets: readonly Ticket[]): number | null {
  const real = tickets.filter((t) => t.status !== 'rejected');
  return real.length === 0 ? null : real.filter((t) => stepDoneAt(t, 'resolveBy') !== null).length / real.length;
}

function grouped(tickets: readonly Ticket[], keyOf: (t: Ticket) => string, now: number): Record<string, GroupFigures> {
  const groups = new Map<string, Ticket[]>();
  for (const t of tickets) groups.set(keyOf(t), [...(groups.get(keyOf(t)) ?? []), t]);
  return Object.fromEntries([...groups].map(([k, ts]) => [k, { total: ts.length, completionRate: completionRate(ts), steps: stepFigures(ts, now) }]));
}

function falseAlarmRows(tickets: readonly Ticket[], keyOf: (t: Ticket) => string): FalseAlarmRow[] {
  const rows = new Map<string, { decided: number; rejected: number }>();
  for (const t of tickets) {
    if (t.verification.state === 'pending') continue;
    const rejected = t.verification.state === 'rejected';
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

/** The review of a range: tickets, each step against its deadline, repairs, false alarms and alarm-system health in [from, to). */
export function computeStats(all: readonly Ticket[], range: { from: number; to: number; now: number }, alarmsCfg: AlarmsConfig): Stats {
  const { from, to, now } = range;
  const inRange = (ms: number): boolean => ms >= from && ms < to;
  const faults = all.filter((t) => t.kind === 'fault' && inRange(Date.parse(t.createdAt)));
  const asOf = Math.min(now, to);
  const steps = stepFigures(faults, asOf);
  const confirms = faults.flatMap((t) => {
    const at = verifiedAt(t);
    return at === null ? [] : [{ start: Date.parse(t.createdAt), done: at, by: confirmDeadline(t) }];
  });
  const activations = all.filter((t) => t.kind === 'fault').flatMap((t) => t.occurrences.map((o) => ({ at: Date.parse(o.at), tier: t.tier })));
  const windowed = activations.filter((a) => inRange(a.at));
  const spanMs = Math.max(1, Math.min(to, now) - from);
  const mix = { emergency: 0, general: 0, low: 0 };
  for (const a of windowed) mix[a.tier] += 1;
  const share = (n: number): number => (windowed.length === 0 ? 0 : n / windowed.length);
  const rechecked = faults.filter((t) => t.recheck.state !== 'none');
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    tickets: {
      total: faults.length,
      byFault: count(faults.map((t) => t.fault)),
      byTier: count(faults.map((t) => t.tier)),
      byBuilding: count(faults.map((t) => t.location.building)),
      bySkill: count(faults.map((t) => t.skill)),
      byDevice: count(faults.map((t) => t.deviceId)),
      bySource: count(faults.map((t) => t.source)),
    },
    steps,
    completionRate: completionRate(faults),
    repeatRate: faults.length === 0 ? null : faults.filter((t) => t.rework).length / faults.length,
    rechecks: {
      due: rechecked.filter((t) => t.recheck.state === 'due').length,
      passed: rechecked.filter((t) => t.recheck.state === 'passed').length,
      failed: faults.filter((t) => t.history.some((h) => h.action === 'reopened')).length,
      overdue: rechecked.filter((t) => t.recheck.state === 'due' && t.recheck.dueBy !== null && Date.parse(t.recheck.dueBy) < asOf).length,
    },
    callbacks: callbackFigures(faults, asOf),
    firstTimeFix: firstTimeFixFigures(faults, all),
    retiered: faults.filter((t) => t.history.some((h) => h.action === 'retiered')).length,
    offSite: faults.filter((t) => t.resolution?.offSite != null).length,
    paused: { tickets: faults.filter((t) => t.pausedMs !== undefined || t.paused !== undefined).length, minutes: Math.round(faults.reduce((n, t) => n + (t.pausedMs ?? 0), 0) / 60_000) },
    byBuilding: grouped(faults, (t) => t.location.building, asOf),
    bySkill: grouped(faults, (t) => t.skill, asOf),
    acknowledge: { count: steps.acknowledge.count, medianMinutes: steps.acknowledge.medianMinutes, onTimeShare: steps.acknowledge.onTimeShare },
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

const CSV_COLUMNS = [
  'number', 'createdAt', 'tier', 'source', 'fault', 'deviceId', 'building', 'floor', 'where', 'skill', 'status', 'assignee',
  'takenMinutes', 'takenOnTime', 'dispatchedOnTime', 'arrivedMinutes', 'arrivedOnTime', 'resolvedMinutes', 'resolvedOnTime',
  'rework', 'recheck', 'verification', 'rejectReason',
  'complexity', 'retiered', 'pausedMinutes', 'offSiteReason', 'cause', 'action', 'materials', 'workers', 'callback', 'satisfaction',
] as const;

export function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One row per ticket of the range, for a spreadsheet (the KPI sheet's rows); a BOM so Excel reads the
 * Chinese right. Times are the site's local time (`2026-11-27 14:20:05`), never ISO or UTC.
 */
export function statsCsv(all: readonly Ticket[], range: { from: number; to: number }, timeZone: string): string {
  const rows = all
    .filter((t) => t.kind === 'fault' && Date.parse(t.createdAt) >= range.from && Date.parse(t.createdAt) < range.to)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((t) => {
      const created = Date.parse(t.createdAt);
      const mins = (at: number | null): number | null => (at === null ? null : Math.round(((at - created) / 60_000) * 10) / 10);
      const onTime = (step: DeadlineStep): boolean | null => {
        const at = stepDoneAt(t, step);
        const by = t.deadlines[step];
        return at === null || by === null ? null : at <= Date.parse(by);
      };
      const reject = t.verification.state === 'rejected' ? t.verification.note : null;
      const r = t.resolution;
      const reached = t.callback?.calls.find((c) => c.reached);
      return [
        t.number, siteDateTime(created, timeZone), t.tier, t.source, t.fault, t.deviceId, t.location.building, t.location.floor, t.location.description, t.skill, t.status, t.assignee,
        mins(stepDoneAt(t, 'acknowledgeBy')), onTime('acknowledgeBy'), onTime('dispatchBy'), mins(stepDoneAt(t, 'onSiteBy')), onTime('onSiteBy'), mins(stepDoneAt(t, 'resolveBy')), onTime('resolveBy'),
        t.rework, t.recheck.state, t.verification.state, reject,
        t.complexity ?? null, t.history.some((h) => h.action === 'retiered'), t.pausedMs === undefined ? null : Math.round(t.pausedMs / 60_000), r?.offSite?.reason ?? null, r?.cause ?? null, r?.action ?? null, materialsWords(t), r === undefined || r.workers.length === 0 ? null : r.workers.join('; '),
        t.callback?.state ?? null, reached?.reached === true ? reached.satisfaction : null,
      ].map(csvCell).join(',');
    });
  return `\uFEFF${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
