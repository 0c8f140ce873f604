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

const describeExpected = (e: ExpectedTicket): string =>
  [
    `${e.fault} @ ${e.device} (${e.tier})`,
    e.children !== undefined ? ` with ${e.children} children` : '',
    e.source === 'patrol' ? ', found on patrol' : '',
    e.photos !== undefined ? `, ${e.photos} photo(s)` : '',
    e.repeat === true ? ', a repeat' : '',
    e.rework === true ? ', a repeat repair' : '',
    e.status !== undefined ? `, ${e.status}` : '',
    e.escalations !== undefined ? `, escalated ${e.escalations.map((x) => `${x.step}/${x.level}@${x.atMinutes}min`).join(' ') || 'never'}` : '',
    e.occurrences !== undefined ? `, active ${e.occurrences} time(s)` : '',
    e.alerted === true ? ', alerted' : '',
    e.alertedTo !== undefined ? ` to ${e.alertedTo.join('+')}` : '',
  ].join('');
const describeTicket = (t: Ticket): string => {
  const esc = t.history.filter((h) => h.action === 'escalated').map((h) => `${h.step ?? '?'}/${h.level ?? '?'}@${minutesAfter(t, h.at)}min`);
  return `${t.number} ${t.fault} @ ${t.deviceId} (${t.tier}) ${t.status}${t.childIds.length > 0 ? ` with ${t.childIds.length} children` : ''}${esc.length > 0 ? `, escalated ${esc.join(' ')}` : ''}`;
};

function minutesAfter(t: Ticket, iso: string): number {
  return Math.round(((Date.parse(iso) - Date.parse(t.createdAt)) / 60_000) * 10) / 10;
}

/** The escalations in the history are exactly those expected, in order, each within half a minute of its time. */
function escalatedAsExpected(e: NonNullable<ExpectedTicket['escalations']>, t: Ticket): boolean {
  const got = t.history.filter((h) => h.action === 'escalated');
  return got.length === e.length && e.every((x, i) => got[i]?.step === x.step && got[i]?.level === x.level && Math.abs(minutesAfter(t, got[i]?.at ?? '') - x.atMinutes) <= 0.5);
}

function matches(e: ExpectedTicket, t: Ticket, alerted: AlertedLevels): boolean {
  if (e.fault !== t.fault || e.tier !== t.tier) return false;
  if (e.device !== t.deviceId && !(e.device.endsWith('*') && t.deviceId.startsWith(e.device.slice(0, -1)))) return false;
  if (e.children !== undefined && t.childIds.length < e.children) return false;
  if (e.cleared === true && t.condition !== 'normal') return false;
  if (e.repeat !== undefined && (t.repeatOf !== null) !== e.repeat) return false;
  if (e.status !== undefined && t.status !== e.status) return false;
  if (e.alerted === true && !alerted.has(t.id)) return false;
  if (e.alertedTo !== undefined && !e.alertedTo.every((level) => alerted.get(t.id)?.has(level) === true)) return false;
  if (e.source !== undefined && t.source !== e.source) return false;
  if (e.rework !== undefined && t.rework !== e.rework) return false;
  if (e.photos !== undefined && t.attachments.length !== e.photos) return false;
  if (e.escalations !== undefined && !escalatedAsExpected(e.escalations, t)) return false;
  if (e.occurrences !== undefined && t.occurrences.length !== e.occurrences) return false;
  if (e.descriptionContains !== undefined && !t.description.zh.includes(e.descriptionContains) && !t.description.en.includes(e.descriptionContains)) return false;
  return true;
}

/**
 * Compares the tickets a scenario produced with what it expected. Tickets grouped under an
 * incident (parentId set) are judged through the incident, not one by one.
 */
export function judge(expected: readonly ExpectedTicket[], arrived: readonly Ticket[], alerted: AlertedLevels = new Map()): Verdict {
  const topLevel = arrived.filter((t) => t.parentId === null || !arrived.some((p) => p.id === t.parentId));
  const unmatched = new Set(topLevel);
  const rows: { expected: string; arrived: string; ok: boolean }[] = [];
  const missing: ExpectedTicket[] = [];
  for (const e of expected) {
    const hit = [...unmatched].find((t) => matches(e, t, alerted));
    if (hit === undefined) {
      missing.push(e);
      rows.push({ expected: describeExpected(e), arrived: '(none)', ok: false });
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
