import type { Ticket } from '../tickets/ticket.js';
import { raisedFacts, type AlertFacts } from './alert-facts.js';
import type { FollowUp } from './follow-up-overdue.js';
import type { Addressee } from './roster.js';

/** Index of the last entry with this action (-1 when none). */
function lastIndexOf(t: Pick<Ticket, 'history'>, action: string): number {
  for (let i = t.history.length - 1; i >= 0; i -= 1) if (t.history[i]?.action === action) return i;
  return -1;
}

/** Whether this repair's overdue re-check was already told (the history says so since it was last resolved). */
export function toldOverdue(t: Pick<Ticket, 'history'>): boolean {
  return lastIndexOf(t, 'recheck-overdue') > lastIndexOf(t, 'resolved');
}

/** A resolved public-area repair waiting for its re-check (复查), not yet told overdue. */
function waiting(t: Ticket): boolean {
  return t.status === 'resolved' && t.recheck.state === 'due' && t.recheck.dueBy !== null && !toldOverdue(t);
}

/**
 * A repair nobody re-checked in time, for the team on duty for its skill and building. Worded as
 * what to do; general at most (an SMS channel kept for emergencies does not wake anyone for it).
 */
export function recheckOverdueFacts(t: Ticket, to: Addressee, due: string, publicUrl: string): AlertFacts {
  const by = t.assignee ?? '维修人员';
  const byEn = t.assignee ?? 'the engineer';
  const detail = {
    zh: `${by} 已完成维修，应在 ${due} 前复查，至今无人复查：请安排巡检复查`,
    en: `Resolved by ${byEn}; its re-check was due by ${due} and nobody has done it: send a patrol to re-check it`,
  };
  return { ...raisedFacts(t, to, publicUrl), kind: 'recheck-overdue', tier: t.tier === 'low' ? 'low' : 'general', reading: null, detail, deadline: null };
}

/**
 * The re-check of a resolved public-area repair (复查; the standard operating procedures: within 3
 * days, `recheck.dueBy`) that passed without one goes back to the team on duty for its skill and
 * building, once per repair; the history entry is the mark.
 */
export function recheckFollowUp(deps: { readonly publicUrl: string; readonly addressee: (t: Ticket) => Addressee }): FollowUp {
  return {
    kind: 'recheck-overdue',
    event: 'ticket.recheck_overdue',
    dueBy: (t) => (waiting(t) ? t.recheck.dueBy : null),
    markTold: (d, dueBy) => waiting(d) && d.recheck.dueBy === dueBy,
    note: (due, who) => `复查逾期：应在 ${due} 前复查，已通知 ${who.zh} / Re-check overdue: it was due by ${due}; told ${who.en}`,
    facts: (t, to, due) => recheckOverdueFacts(t, to, due, deps.publicUrl),
    addressee: deps.addressee,
    logWords: (number, due, who) => `ticket ${number}: its re-check was due by ${due} and nobody did it; told ${who.en}`,
  };
}
