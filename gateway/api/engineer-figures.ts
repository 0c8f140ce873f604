import { stepDoneAt } from '../tickets/deadlines.js';
import type { DeadlineStep, Ticket } from '../tickets/ticket.js';
import { csvCell } from './stats.js';

/** One deadline counted for one engineer: due (met, or passed without its step), and how it went. */
export interface DeadlineFigure {
  /** Done (on time or late), or still not done with its deadline passed. */
  readonly due: number;
  readonly onTime: number;
  readonly late: number;
  /** Not done, and the deadline has passed. */
  readonly missed: number;
  /** onTime / due, or null when nothing was due. */
  readonly rate: number | null;
}

/**
 * The figures of one engineer over a period, for the monthly appraisal (上门准时率 per person: the
 * repair flow and the after-sales response standard).
 */
export interface EngineerFigures {
  /** The user who took the tickets, or null for a name only the central service gave (its assignee). */
  readonly userId: string | null;
  readonly name: string;
  /** Tickets raised in the period this engineer took (接单), or was assigned. */
  readonly taken: number;
  /** On site (到场) by the ticket's on-site deadline, of their tickets that have one. */
  readonly onSite: DeadlineFigure;
  /** Resolved (完成) by the resolve deadline. */
  readonly resolved: DeadlineFigure;
  /** Repeat repairs (返修 tickets) among their tickets that they resolved. */
  readonly repeats: number;
  /** Resolved without coming on site (by phone, remotely), with a reason: counted apart, not in the on-site figure. */
  readonly offSite: number;
}

/**
 * Whose a ticket is: the user who took it (the first take), else who arrived or resolved it, else
 * the assignee the central service named. Null when nobody has it.
 */
export function engineerOf(t: Ticket): { userId: string | null; name: string | null } | null {
  for (const action of ['acknowledged', 'arrived', 'resolved']) {
    const h = t.history.find((e) => e.action === action && e.actor.startsWith('user:'));
    if (h !== undefined) return { userId: h.actor.slice('user:'.length), name: null };
  }
  return t.assignee === null ? null : { userId: null, name: t.assignee };
}

interface Tally {
  due: number;
  onTime: number;
  late: number;
  missed: number;
}

function count(tally: Tally, t: Ticket, step: DeadlineStep, asOf: number): void {
  const by = t.deadlines[step];
  if (by === null || t.status === 'rejected') return;
  // Fixed without coming on site, with the reason (the resolve's offSiteReason): counted apart.
  if (step === 'onSiteBy' && t.resolution?.offSite != null) return;
  const done = stepDoneAt(t, step);
  if (done === null) {
    if (Date.parse(by) < asOf) {
      tally.due += 1;
      tally.missed += 1;
    }
    return;
  }
  tally.due += 1;
  if (done <= Date.parse(by)) tally.onTime += 1;
  else tally.late += 1;
}

const figure = (x: Tally): DeadlineFigure => ({ ...x, rate: x.due === 0 ? null : x.onTime / x.due });

/**
 * Per engineer, the fault tickets raised in [from, to): taken, on site on time, resolved on time,
 * repeats. A deadline still running as of `now` (or `to`, whichever is first) is not counted yet;
 * one passed without its step counts as missed. False alarms count as taken, never as due.
 * `people` names users by id (a user no longer in the site file keeps the name on the ticket).
 */
export function engineerFigures(all: readonly Ticket[], range: { from: number; to: number; now: number }, people: Readonly<Record<string, string>>): EngineerFigures[] {
  const asOf = Math.min(range.now, range.to);
  const rows = new Map<string, { userId: string | null; name: string; taken: number; onSite: Tally; resolved: Tally; repeats: number; offSite: number }>();
  for (const t of all) {
    const at = Date.parse(t.createdAt);
    if (t.kind !== 'fault' || at < range.from || at >= range.to) continue;
    const who = engineerOf(t);
    if (who === null) continue;
    const key = who.userId === null ? `name:${who.name ?? ''}` : `user:${who.userId}`;
    let row = rows.get(key);
    if (row === undefined) {
      const name = who.userId === null ? (who.name ?? '') : (people[who.userId] ?? t.assignee ?? who.userId);
      row = { userId: who.userId, name, taken: 0, onSite: { due: 0, onTime: 0, late: 0, missed: 0 }, resolved: { due: 0, onTime: 0, late: 0, missed: 0 }, repeats: 0, offSite: 0 };
      rows.set(key, row);
    }
    row.taken += 1;
    count(row.onSite, t, 'onSiteBy', asOf);
    count(row.resolved, t, 'resolveBy', asOf);
    if (t.rework && stepDoneAt(t, 'resolveBy') !== null) row.repeats += 1;
    if (t.resolution?.offSite != null) row.offSite += 1;
  }
  return [...rows.values()]
    .map((r) => ({ userId: r.userId, name: r.name, taken: r.taken, onSite: figure(r.onSite), resolved: figure(r.resolved), repeats: r.repeats, offSite: r.offSite }))
    .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || (a.userId ?? '').localeCompare(b.userId ?? ''));
}

const COLUMNS = [
  'engineer', 'userId', 'taken',
  'onSiteDue', 'onSiteOnTime', 'onSiteLate', 'onSiteMissed', 'onSiteOnTimePercent',
  'resolveDue', 'resolveOnTime', 'resolveLate', 'resolveMissed', 'resolveOnTimePercent',
  'repeats', 'offSite',
] as const;

const percent = (r: number | null): number | null => (r === null ? null : Math.round(r * 1000) / 10);

/** One row per engineer for the appraisal sheet; a BOM so Excel reads the Chinese names right. */
export function engineerCsv(rows: readonly EngineerFigures[]): string {
  const lines = rows.map((r) =>
    [r.name, r.userId, r.taken, r.onSite.due, r.onSite.onTime, r.onSite.late, r.onSite.missed, percent(r.onSite.rate), r.resolved.due, r.resolved.onTime, r.resolved.late, r.resolved.missed, percent(r.resolved.rate), r.repeats, r.offSite]
      .map(csvCell)
      .join(','),
  );
  return `\uFEFF${[COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
