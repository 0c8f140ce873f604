import { TICKET_STATUSES } from '../../core/vocabulary.js';
import type { AlarmRecord } from '../alarms/alarm-record.js';
import { isOpen, type Ticket } from '../tickets/ticket.js';

/** A ticket one gateway of a pair raised or changed while it acted alone, as it publishes it at the pair's meeting. */
export interface AloneTicket {
  readonly gatewayId: string;
  readonly ticket: Ticket;
  /** The alarm that raised it, while active: the leader takes it in so the fault is not raised again. */
  readonly alarm: AlarmRecord | null;
}

/** What the leader does with one ticket from the time apart. */
export type MergeStep =
  | { readonly kind: 'take'; readonly ticket: Ticket; readonly note: string; readonly alarm: AlarmRecord | null }
  | { readonly kind: 'merge'; readonly ticket: Ticket; readonly note: string; readonly alarm: AlarmRecord | null }
  | { readonly kind: 'duplicate'; readonly ticket: Ticket; readonly note: string }
  | { readonly kind: 'same'; readonly ticket: Ticket };

const rank = (t: Ticket): number => TICKET_STATUSES.indexOf(t.status);

/**
 * How the leader takes in a ticket from the other gateway's time alone (docs/high-availability.md
 * "No quorum"). Both gateways give one fault the same id while alone, so the usual case is one
 * ticket known twice: the two are merged into the one further along the repair, with both
 * histories, and central gets the merged version once. A ticket the leader has under another id
 * for the same fault, still open, is a duplicate: it is closed as such, naming the one that stays
 * (central is told once). Anything else only the other gateway saw is taken as it is.
 */
export function mergeStep(alone: AloneTicket, current: Ticket | undefined, openForFault: Ticket | undefined): MergeStep {
  const t = alone.ticket;
  const by = alone.gatewayId;
  if (current !== undefined) {
    if (current.version === t.version && JSON.stringify(current) === JSON.stringify(t)) return { kind: 'same', ticket: current };
    const [ahead, behind] = rank(t) > rank(current) || (rank(t) === rank(current) && t.version > current.version) ? [t, current] : [current, t];
    const history = unionBy([...ahead.history, ...behind.history], (h) => `${h.at}|${h.action}|${h.actor}`).sort((a, b) => a.at.localeCompare(b.at));
    const occurrences = unionBy([...ahead.occurrences, ...behind.occurrences], (o) => o.at).sort((a, b) => a.at.localeCompare(b.at));
    const attachments = unionBy([...ahead.attachments, ...behind.attachments], (a) => a.id);
    const ticket: Ticket = { ...ahead, version: Math.max(t.version, current.version), history, occurrences, attachments };
    const also = behind.number === ahead.number ? '' : `（其编号 ${behind.number}）`;
    const alsoEn = behind.number === ahead.number ? '' : ` (as ${behind.number})`;
    return { kind: 'merge', ticket, note: `双机分离期间 ${by} 也处理了此工单${also}，已合并 / ${by} also handled this ticket while the pair was apart${alsoEn}; merged`, alarm: alone.alarm };
  }
  if (openForFault !== undefined && openForFault.id !== t.id && t.kind === 'fault' && isOpen(t)) {
    const ticket: Ticket = { ...t, status: 'closed' };
    return { kind: 'duplicate', ticket, note: `与工单 ${openForFault.number} 是同一故障（双机分离期间 ${by} 各自登记），已关闭 / the same fault as ticket ${openForFault.number} (raised by ${by} alone while the pair was apart): closed as a duplicate` };
  }
  return { kind: 'take', ticket: t, note: `双机分离期间由 ${by} 独自登记 / raised by ${by} alone while the pair was apart`, alarm: alone.alarm };
}

function unionBy<T>(items: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
