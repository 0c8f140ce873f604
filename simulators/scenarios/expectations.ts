import type { Ticket } from '../../gateway/tickets/ticket.js';
import type { ExpectedTicket } from './scenario-schema.js';

export interface Verdict {
  readonly ok: boolean;
  readonly rows: ReadonlyArray<{ expected: string; arrived: string; ok: boolean }>;
  readonly missing: readonly ExpectedTicket[];
  readonly unexpected: readonly Ticket[];
}

/** Who each ticket's alerts reached on the engineers' console: ticket id -> levels (team, supervisor, manager). */
export type AlertedLevels = ReadonlyMap<string, ReadonlySet<string>>;

/** One alert as the engineers' console showed it: its kind (raised, escalated, assigned ...) and its text. */
export interface AlertSaid {
  readonly kind: string;
  readonly text: string;
}

/** What each ticket's alerts said on the engineers' console: ticket id -> its alerts, in order. */
export type AlertsSaid = ReadonlyMap<string, readonly AlertSaid[]>;

const describeExpected = (e: ExpectedTicket): string =>
  [
    `${e.fault} @ ${e.device} (${e.tier})`,
    e.children !== undefined ? ` with ${e.children} children` : '',
    e.source === 'patrol' ? ', found on patrol' : '',
    e.photos !== undefined ? `, ${e.photos} photo(s)` : '',
    e.repeat === true ? ', a repeat' : '',
    e.rework === true ? ', a repeat repair' : '',
    e.status !== undefined ? `, ${e.status}` : '',
    e.assignee !== undefined ? ` with ${e.assignee}` : '',
    e.retiered === true ? ', re-tiered' : '',
    e.materials !== undefined ? `, ${e.materials} material(s)` : '',
    e.pausedMinutes !== undefined ? `, paused ${e.pausedMinutes} min` : '',
    e.callback !== undefined ? `, callback ${e.callback.state}${e.callback.satisfaction === undefined ? '' : ` ${e.callback.satisfaction}/5`}` : '',
    e.escalations !== undefined ? `, escalated ${e.escalations.map((x) => `${x.step}/${x.level}@${x.atMinutes}min`).join(' ') || 'never'}` : '',
    e.occurrences !== undefined ? `, active ${e.occurrences} time(s)` : '',
    e.alerted === true ? ', alerted' : '',
    e.alertedTo !== undefined ? ` to ${e.alertedTo.join('+')}` : '',
    e.alertSays !== undefined ? `, told ${e.alertSays.map((a) => `${a.kind} "${a.contains}"`).join(', ')}` : '',
  ].join('');

const escalationsOf = (t: Ticket): string[] => t.history.filter((h) => h.action === 'escalated').map((h) => `${h.step ?? '?'}/${h.level ?? '?'}@${minutesAfter(t, h.at)}min`);

const describeTicket = (t: Ticket): string => {
  const esc = escalationsOf(t);
  const paused = t.pausedMs === undefined ? '' : `, paused ${Math.round(t.pausedMs / 6_000) / 10} min`;
  return `${t.number} ${t.fault} @ ${t.deviceId} (${t.tier}) ${t.status}${t.childIds.length > 0 ? ` with ${t.childIds.length} children` : ''}${paused}${esc.length > 0 ? `, escalated ${esc.join(' ')}` : ''}`;
};

function minutesAfter(t: Ticket, iso: string): number {
  return Math.round(((Date.parse(iso) - Date.parse(t.createdAt)) / 60_000) * 10) / 10;
}

/** The escalations in the history are exactly those expected, in order, each within half a minute of its time. */
function escalatedAsExpected(e: NonNullable<ExpectedTicket['escalations']>, t: Ticket): boolean {
  const got = t.history.filter((h) => h.action === 'escalated');
  return got.length === e.length && e.every((x, i) => got[i]?.step === x.step && got[i]?.level === x.level && Math.abs(minutesAfter(t, got[i]?.at ?? '') - x.atMinutes) <= 0.5);
}

const sameDevice = (e: ExpectedTicket, t: Ticket): boolean => e.device === t.deviceId || (e.device.endsWith('*') && t.deviceId.startsWith(e.device.slice(0, -1)));

/** Why a ticket of the expected fault and device is not the one expected (the first thing that differs), or null when it is. */
export function mismatch(e: ExpectedTicket, t: Ticket, alerted: AlertedLevels = new Map(), said: AlertsSaid = new Map()): string | null {
  if (e.fault !== t.fault || !sameDevice(e, t)) return `${t.fault} @ ${t.deviceId}, expected ${e.fault} @ ${e.device}`;
  if (e.tier !== t.tier) return `tier ${t.tier}, expected ${e.tier}`;
  if (e.children !== undefined && t.childIds.length < e.children) return `${t.childIds.length} children, expected at least ${e.children}`;
  if (e.cleared === true && t.condition !== 'normal') return 'still active, expected back to normal';
  if (e.repeat !== undefined && (t.repeatOf !== null) !== e.repeat) return e.repeat ? 'repeats no earlier ticket' : 'repeats an earlier ticket';
  if (e.status !== undefined && t.status !== e.status) return `${t.status}, expected ${e.status}`;
  if (e.alerted === true && !alerted.has(t.id)) return 'no alert of it reached the console';
  const levels = alerted.get(t.id);
  const unheard = (e.alertedTo ?? []).filter((level) => levels?.has(level) !== true);
  if (unheard.length > 0) return `no alert to ${unheard.join(', ')} reached the console`;
  if (e.source !== undefined && t.source !== e.source) return `source ${t.source}, expected ${e.source}`;
  if (e.rework !== undefined && t.rework !== e.rework) return e.rework ? 'not a repeat repair' : 'a repeat repair';
  if (e.photos !== undefined && t.attachments.length !== e.photos) return `${t.attachments.length} photo(s), expected ${e.photos}`;
  if (e.escalations !== undefined && !escalatedAsExpected(e.escalations, t)) return `escalated ${escalationsOf(t).join(' ') || 'never'}`;
  if (e.occurrences !== undefined && t.occurrences.length !== e.occurrences) return `active ${t.occurrences.length} time(s), expected ${e.occurrences}`;
  if (e.descriptionContains !== undefined && !t.description.zh.includes(e.descriptionContains) && !t.description.en.includes(e.descriptionContains)) return `its description does not say "${e.descriptionContains}"`;
  return procedureMismatch(e, t, said.get(t.id) ?? []);
}

/** The repair procedures' side of a ticket (issue 32): who has it, storm pauses, re-tiering, materials, the callback, what the alerts said. */
function procedureMismatch(e: ExpectedTicket, t: Ticket, said: readonly AlertSaid[]): string | null {
  if (e.assignee !== undefined && t.assigneeId !== e.assignee) return `with ${t.assigneeId ?? 'nobody'}, expected ${e.assignee}`;
  if (e.pausedMinutes !== undefined) {
    if (t.paused !== undefined) return `still paused by storm mode (since ${t.paused.since})`;
    const paused = (t.pausedMs ?? 0) / 60_000;
    if (Math.abs(paused - e.pausedMinutes) > 0.5) return `paused ${Math.round(paused * 10) / 10} min, expected ${e.pausedMinutes}`;
  }
  const retiered = t.history.some((h) => h.action === 'retiered');
  if (e.retiered !== undefined && retiered !== e.retiered) return e.retiered ? 'never re-tiered' : 're-tiered';
  const materials = t.resolution?.materials.length ?? 0;
  if (e.materials !== undefined && materials !== e.materials) return `${materials} material(s) recorded, expected ${e.materials}`;
  if (e.callback !== undefined) {
    const c = t.callback;
    if (c?.state !== e.callback.state) return `callback ${c?.state ?? 'not due'}, expected ${e.callback.state}`;
    const reached = c.calls.find((x) => x.reached);
    const stars = reached?.reached === true ? reached.satisfaction : null;
    if (e.callback.satisfaction !== undefined && stars !== e.callback.satisfaction) return `satisfaction ${stars ?? 'not given'}, expected ${e.callback.satisfaction}`;
  }
  for (const want of e.alertSays ?? []) {
    if (!said.some((a) => a.kind === want.kind && a.text.includes(want.contains))) return `no ${want.kind} alert saying "${want.contains}" reached the console (${said.map((a) => a.kind).join(', ') || 'none did'})`;
  }
  return null;
}

/**
 * Compares the tickets a scenario produced with what it expected. Tickets grouped under an
 * incident (parentId set) are judged through the incident, not one by one. An expected ticket
 * not found names why the nearest ticket of its fault and device is not it.
 */
export function judge(expected: readonly ExpectedTicket[], arrived: readonly Ticket[], alerted: AlertedLevels = new Map(), said: AlertsSaid = new Map()): Verdict {
  const topLevel = arrived.filter((t) => t.parentId === null || !arrived.some((p) => p.id === t.parentId));
  const unmatched = new Set(topLevel);
  const rows: { expected: string; arrived: string; ok: boolean }[] = [];
  const missing: ExpectedTicket[] = [];
  for (const e of expected) {
    const hit = [...unmatched].find((t) => mismatch(e, t, alerted, said) === null);
    if (hit === undefined) {
      missing.push(e);
      const near = [...unmatched].find((t) => t.fault === e.fault && sameDevice(e, t));
      rows.push({ expected: describeExpected(e), arrived: near === undefined ? '(none)' : `(none): ${near.number} ${mismatch(e, near, alerted, said) ?? ''}`, ok: false });
    } else {
      unmatched.delete(hit);
      rows.push({ expected: describeExpected(e), arrived: describeTicket(hit), ok: true });
    }
  }
  for (const t of unmatched) rows.push({ expected: '(none)', arrived: describeTicket(t), ok: false });
  return { ok: missing.length === 0 && unmatched.size === 0, rows, missing, unexpected: [...unmatched] };
}

/** A fixed-width table for the terminal. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Display width: CJK characters take two columns in a terminal. */
function width(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1;
  return n;
}
