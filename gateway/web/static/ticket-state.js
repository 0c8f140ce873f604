// Where a ticket's repair stands, read from the ticket the gateway sent (its steps and history), so
// the cards offer only the controls that apply. The server decides; these mirror its rules
// (gateway/tickets/ticket-steps.ts, supervision.ts, callbacks.ts) to pick which buttons to show.
import { t } from './words.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

/** Index of the last reopen in the history (-1 for none): steps before it no longer count. */
function lastReopen(tk) {
  let at = -1;
  tk.history.forEach((h, i) => {
    if (h.action === 'reopened') at = i;
  });
  return at;
}

const sinceReopen = (tk, action) => {
  const from = lastReopen(tk);
  return tk.history.some((h, i) => i > from && h.action === action);
};

/**
 * Taken since the last reopen (the ticket's own steps say so), or dispatched by the central service.
 * @param {TicketView} tk
 */
export const taken = (tk) => tk.steps?.acknowledgeBy?.owed === false || tk.status === 'dispatched';

/** @param {TicketView} tk */
export const arrived = (tk) => tk.steps?.onSiteBy?.owed === false || tk.status === 'arrived' || tk.status === 'in_progress';

/**
 * Given to an engineer by the supervisor (派工) since the last reopen, and not taken yet.
 * @param {TicketView} tk
 */
export const assignedNotTaken = (tk) => tk.assignee !== null && sinceReopen(tk, 'assigned') && !sinceReopen(tk, 'acknowledged');

/**
 * The repair is with someone (assigned or taken since the last reopen): giving it to another is a re-assignment and needs a reason.
 * @param {TicketView} tk
 */
export const heldBy = (tk) => (tk.assignee !== null && (sinceReopen(tk, 'assigned') || sinceReopen(tk, 'acknowledged')) ? tk.assignee : null);

/**
 * Resolving needs an arrival where the ticket has an on-site deadline, unless the engineer says it
 * was fixed without coming on site (by phone, remotely, the owner did it) and why.
 * @param {TicketView} tk
 */
export const mayResolveOffSite = (tk) => tk.deadlines.onSiteBy !== null && !arrived(tk);

/**
 * Repaired (resolved, or closed by central) and waiting for a call that reaches the owner (回访).
 * @param {TicketView} tk
 */
export const callbackWaiting = (tk) => tk.callback?.state === 'due' && (tk.status === 'resolved' || tk.status === 'closed');

/**
 * `派给 周工` while assigned and not taken, `接单人 李工` once taken; nothing when nobody has it.
 * @param {TicketView} tk
 */
export function assigneeWords(tk) {
  if (tk.assignee === null || tk.assignee === undefined) return '';
  return assignedNotTaken(tk) ? t('assigned.to', { name: tk.assignee }) : `${t('taken.by')} ${tk.assignee}`;
}
