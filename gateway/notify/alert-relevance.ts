import { callbackWaiting } from '../tickets/callbacks.js';
import { isOpen, type Ticket } from '../tickets/ticket.js';
import type { AlertFacts } from './alert-facts.js';
import { stageOwed } from './escalation.js';
import type { PendingAlert } from './pending-alert.js';

// Whether an alert still has a reason to go out: what a restart resends and a ticket change drops.

/** A staged alert that no channel has delivered yet (one that some channel has is not changed in place; the queues say what is being sent). */
export function notSentYet(p: PendingAlert | undefined): boolean {
  return p !== undefined && p.channels.length === p.targets.length;
}


/**
 * Whether an undelivered alert is still worth sending: its ticket is not over, and the step it
 * asks for is still owed. A raised alert asks someone to take the repair: it is no longer needed
 * once an engineer on site took it (the central service dispatching it is not enough: the staff on
 * duty may still know nothing); an escalation asks for its own deadline's step.
 */
export function stillNeeded(a: AlertFacts, t: Ticket): boolean {
  // An overdue re-check asks for the re-check: needed while the repair still waits for one.
  if (a.kind === 'recheck-overdue') return t.status === 'resolved' && t.recheck.state === 'due';
  // An overdue callback asks for the call: needed while no call has reached the owner.
  if (a.kind === 'callback-overdue') return callbackWaiting(t);
  if (!isOpen(t)) return false;
  if (a.escalation !== null) return stageOwed(t, a.escalation.step);
  // An assignment asks the engineer to take it.
  if (a.kind === 'assigned') return !t.history.slice(t.history.map((h) => h.action).lastIndexOf('assigned')).some((h) => h.action === 'acknowledged');
  // A reopened repair asks to be taken again.
  if (a.kind === 'reopened') return !t.history.slice(t.history.map((h) => h.action).lastIndexOf('reopened')).some((h) => h.action === 'acknowledged');
  return !t.history.some((h) => h.action === 'acknowledged' && h.actor.startsWith('user:'));
}
