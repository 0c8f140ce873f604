import type { Ticket } from '../../gateway/tickets/ticket.js';
import type { ExpectedTicket } from './scenario-schema.js';

export interface Verdict {
  readonly ok: boolean;
  readonly rows: ReadonlyArray<{ expected: string; arrived: string; ok: boolean }>;
  readonly missing: readonly ExpectedTicket[];
  readonly unexpected: readonly Ticket[];
}

const describeExpected = (e: ExpectedTicket): string =>
  `${e.fault} @ ${e.device} (${e.tier})${e.children !== undefined ? ` with ${e.children} children` : ''}${e.repeat === true ? ', a repeat' : ''}${e.status !== undefined ? `, ${e.status}` : ''}${e.alerted === true ? ', alerted' : ''}`;
const describeTicket = (t: Ticket): string =>
  `${t.number} ${t.fault} @ ${t.deviceId} (${t.tier})${t.childIds.length > 0 ? ` with ${t.childIds.length} children` : ''}`;

function matches(e: ExpectedTicket, t: Ticket, alerted: ReadonlySet<string>): boolean {
  if (e.fault !== t.fault || e.tier !== t.tier) return false;
  if (e.device !== t.deviceId && !(e.device.endsWith('*') && t.deviceId.startsWith(e.device.slice(0, -1)))) return false;
  if (e.children !== undefined && t.childIds.length < e.children) return false;
  if (e.cleared === true && t.condition !== 'normal') return false;
  if (e.repeat !== undefined && (t.repeatOf !== null) !== e.repeat) return false;
  if (e.status !== undefined && t.status !== e.status) return false;
  if (e.alerted === true && !alerted.has(t.id)) return false;
  return true;
}

/**
 * Compares the tickets a scenario produced with what it expected. Tickets grouped under an
 * incident (parentId set) are judged through the incident, not one by one.
 */
export function judge(expected: readonly ExpectedTicket[], arrived: readonly Ticket[], alerted: ReadonlySet<string> = new Set()): Verdict {
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
