import { stepDoneAt } from '../tickets/deadlines.js';
import type { Ticket } from '../tickets/ticket.js';

/**
 * The callbacks to owners after in-unit repairs (回访; the standard operating procedures: within
 * 24 h, callback rate 100 %) and what the owners said (the project repair rules: satisfaction
 * at least 90 %; the after-sales response standard: under 80 % affects pay).
 */
export interface CallbackFigures {
  /** Callbacks owed: made, or past their due time. */
  readonly owed: number;
  /** A call reached the owner by the due time. */
  readonly onTime: number;
  /** A call reached the owner, after the due time. */
  readonly late: number;
  /** Past the due time and nobody has reached the owner. */
  readonly missing: number;
  /** onTime / owed: the callback rate, goal 100 %. */
  readonly rate: number | null;
  readonly satisfaction: {
    /** Owners reached who gave a rating. */
    readonly rated: number;
    /** Rated 4 or 5 of 5. */
    readonly satisfied: number;
    /** satisfied / rated: goal at least 90 %. */
    readonly share: number | null;
  };
}

/** Repairs done right the first time (一次修复率): no reopen, and no repeat repair (返修) of them within the window. */
export interface FirstTimeFixFigures {
  /** Resolved or closed, not false alarms. */
  readonly repaired: number;
  readonly firstTime: number;
  readonly rate: number | null;
}

const share = (n: number, of: number): number | null => (of === 0 ? null : n / of);

/** The callbacks of these tickets' repairs, as of `asOf`. */
export function callbackFigures(tickets: readonly Ticket[], asOf: number): CallbackFigures {
  let owed = 0;
  let onTime = 0;
  let late = 0;
  let missing = 0;
  let rated = 0;
  let satisfied = 0;
  for (const t of tickets) {
    const c = t.callback;
    if (c === undefined) continue;
    const dueBy = Date.parse(c.dueBy);
    const reached = c.calls.find((call) => call.reached);
    if (reached === undefined) {
      if (dueBy < asOf) {
        owed += 1;
        missing += 1;
      }
      continue;
    }
    owed += 1;
    if (Date.parse(reached.at) <= dueBy) onTime += 1;
    else late += 1;
    if (reached.reached && reached.satisfaction !== null) {
      rated += 1;
      if (reached.satisfaction >= 4) satisfied += 1;
    }
  }
  return { owed, onTime, late, missing, rate: share(onTime, owed), satisfaction: { rated, satisfied, share: share(satisfied, rated) } };
}

/**
 * The repairs among these tickets done right the first time: never reopened (a failed re-check,
 * central's reopen, an owner's "not fixed"), and no later ticket of `all` is a repeat repair of them.
 */
export function firstTimeFixFigures(tickets: readonly Ticket[], all: readonly Ticket[]): FirstTimeFixFigures {
  const reworked = new Set(all.flatMap((t) => (t.rework && t.repeatOf !== null ? [t.repeatOf] : [])));
  const repaired = tickets.filter((t) => t.status !== 'rejected' && stepDoneAt(t, 'resolveBy') !== null);
  const firstTime = repaired.filter((t) => !reworked.has(t.id) && !t.history.some((h) => h.action === 'reopened')).length;
  return { repaired: repaired.length, firstTime, rate: share(firstTime, repaired.length) };
}

/** Materials as one spreadsheet cell: `疏通剂 1 瓶; 存水弯 1`. */
export function materialsWords(t: Ticket): string | null {
  const m = t.resolution?.materials ?? [];
  return m.length === 0 ? null : m.map((x) => `${x.name} ${x.quantity}${x.unit === undefined ? '' : ` ${x.unit}`}`).join('; ');
}
