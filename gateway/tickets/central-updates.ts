import type { CentralUpdate } from '../../cloud-sync/central-answers.js';
import type { UpdateOutcome, UpdateTarget } from '../../cloud-sync/update-reader.js';
import { recordCentralCall } from './callbacks.js';
import type { TicketService } from './ticket-service.js';
import { CENTRAL_STATUSES, centralMove } from './ticket-steps.js';

/**
 * The central service's updates as they reach the tickets (contract "updates"): a replay is known
 * by its id on the ticket's history, the lifecycle decides whether the move is one central may make
 * (centralMove), and what it carries (its number, the assignee, a note, its callback) joins the
 * ticket's history in one change.
 */
export function centralUpdateTarget(tickets: TicketService): UpdateTarget {
  return {
    describe: (id) => tickets.get(id),
    apply: (u) => applyCentralUpdate(tickets, u),
  };
}

async function applyCentralUpdate(tickets: TicketService, u: CentralUpdate): Promise<UpdateOutcome> {
  const t = tickets.get(u.ticketId);
  if (t === undefined) return { kind: 'refused', why: `no ticket ${u.ticketId} on this gateway` };
  if (u.id !== undefined && t.history.some((h) => h.updateId === u.id)) return { kind: 'duplicate' };
  const move = centralMove(t.status, u.status);
  if (move.kind === 'refused') {
    // A move back to a status central may set, made before the ticket's last change here, is
    // stale, not wrong: it crossed our upload of a later step (an engineer on site while central
    // dispatched). A status central may never set is refused whenever it was made.
    const stale = CENTRAL_STATUSES.has(u.status) && Date.parse(u.at) < Date.parse(t.updatedAt);
    return { kind: stale ? 'stale' : 'refused', why: move.why };
  }
  const news = (u.assignee !== undefined && u.assignee !== t.assignee) || (u.centralNumber !== undefined && u.centralNumber !== t.centralNumber) || u.callback !== undefined;
  if (move.kind === 'same' && !news && u.status !== 'closed' && u.note === undefined) return { kind: 'duplicate' };
  const at = new Date(Date.parse(u.at)).toISOString();
  await tickets.mutate(u.ticketId, 'central', (d) => {
    if (u.assignee !== undefined) d.assignee = u.assignee;
    if (u.centralNumber !== undefined) d.centralNumber = u.centralNumber;
    if (move.kind === 'apply') d.status = u.status;
    // Its call centre's callback to the owner (contract 2.1), after the status it came with.
    const called = u.callback === undefined ? undefined : recordCentralCall(d, u.callback, at);
    const said = u.note ?? (u.assignee !== undefined && u.assignee !== t.assignee ? `assigned to ${u.assignee}` : undefined);
    const note = [said, called].filter((x) => x !== undefined).join('；') || undefined;
    return { at, action: u.status, status: d.status, ...(note === undefined ? {} : { note }), ...(u.id === undefined ? {} : { updateId: u.id }) };
  });
  return { kind: 'applied' };
}
