import type { Attachment, HistoryEntry, Material, Ticket } from './ticket.js';
import type { TicketStatus } from '../../core/vocabulary.js';

type Draft = { -readonly [K in keyof Ticket]: Ticket[K] };

/** What staff do to a ticket: the engineers' work, the patrol's verification, the re-check after repair. */
export type StaffStep = 'take' | 'arrive' | 'resolve' | 'confirm' | 'reject' | 'recheck-pass' | 'recheck-fail';

export interface StepInput {
  readonly user: { readonly id: string; readonly name: string };
  readonly note?: string;
  readonly photos?: readonly Attachment[];
  /** With resolve: what the engineer says of the repair (all optional), and whether it was fixed without coming on site. */
  readonly resolution?: ResolveDetails;
}

/** What the resolve step may carry (001, 004: the cause, what was done, materials used, who worked on it). */
export interface ResolveDetails {
  readonly cause?: string;
  readonly action?: string;
  readonly materials?: readonly Material[];
  readonly workers?: readonly string[];
  /** Fixed without coming on site (by phone, remotely, the owner did it): the reason. Counted apart in the KPIs. */
  readonly offSiteReason?: string;
}

export type StepResult =
  | { readonly kind: 'changed'; readonly entry: Omit<HistoryEntry, 'at' | 'actor'> }
  /** The step was already taken (a repeated tap): nothing to do. */
  | { readonly kind: 'unchanged' }
  /** The ticket is past where this step makes sense: the reason, for the person who tried. */
  | { readonly kind: 'refused'; readonly why: string };

/** How far the work has come: a status moves to a further one, never back (but for a reopen). */
export const RANK: Readonly<Record<TicketStatus, number>> = {
  raised: 0,
  reopened: 0,
  acknowledged: 1,
  dispatched: 2,
  arrived: 3,
  in_progress: 4,
  // Held by the central service: as far as dispatched; leaving it is the central service's move.
  on_hold: 2,
  resolved: 5,
  closed: 6,
  rejected: 6,
};

const ENDED: ReadonlySet<TicketStatus> = new Set(['closed', 'rejected']);

/** Statuses the central service moved the work to: someone has the repair, whoever took it on the gateway. */
const BY_CENTRAL: ReadonlySet<TicketStatus> = new Set(['dispatched', 'arrived', 'in_progress']);

/** The statuses the central service owns (docs/central-contract.md): the rest are the gateway's. */
export const CENTRAL_STATUSES: ReadonlySet<TicketStatus> = new Set(['dispatched', 'in_progress', 'on_hold', 'resolved', 'reopened', 'closed']);

/** What a status the central service sends does to a ticket. */
export type CentralMove =
  | { readonly kind: 'apply' }
  /** Already there: nothing moves (an assignee or work-order number may still come with it). */
  | { readonly kind: 'same' }
  /** A move the lifecycle does not allow: refused and kept visible. */
  | { readonly kind: 'refused'; readonly why: string };

/**
 * Whether a status the central service reports moves the ticket, by the lifecycle of the contract:
 * central sets only its own statuses; the work goes forward (dispatched, in progress, resolved,
 * closed), may be held and resumed, and goes back only by an explicit reopen of a resolved or
 * closed ticket; a closed ticket stays closed but for that reopen, and a false alarm only closes.
 */
export function centralMove(from: TicketStatus, to: TicketStatus): CentralMove {
  if (!CENTRAL_STATUSES.has(to)) return { kind: 'refused', why: `${to} is a status the gateway sets, not the central service` };
  if (from === to) return { kind: 'same' };
  if (from === 'rejected') return to === 'closed' ? { kind: 'apply' } : { kind: 'refused', why: 'a false alarm can only be closed' };
  if (to === 'reopened') return from === 'resolved' || from === 'closed' ? { kind: 'apply' } : { kind: 'refused', why: `only a resolved or closed ticket can be reopened, this one is ${from}` };
  if (from === 'closed') return { kind: 'refused', why: 'the ticket is closed (reopen it first)' };
  if (to === 'on_hold') return from === 'resolved' ? { kind: 'refused', why: 'a resolved ticket cannot be put on hold' } : { kind: 'apply' };
  if (from === 'on_hold' || RANK[to] > RANK[from]) return { kind: 'apply' };
  return { kind: 'refused', why: `it would move the ticket back from ${from} to ${to}` };
}

/** Taken by someone since the last reopen (the engineer's own step, not central's dispatch). */
function takenSinceReopen(t: Ticket): HistoryEntry | undefined {
  let taken: HistoryEntry | undefined;
  for (const h of t.history) {
    if (h.action === 'reopened') taken = undefined;
    else if (h.action === 'acknowledged') taken = h;
  }
  return taken;
}

function assignedSinceReopen(t: Ticket): boolean {
  let assigned = false;
  for (const h of t.history) {
    if (h.action === 'reopened') assigned = false;
    else if (h.action === 'assigned') assigned = true;
  }
  return assigned;
}

function arrivedSinceReopen(t: Ticket): boolean {
  let arrived = false;
  for (const h of t.history) {
    if (h.action === 'reopened') arrived = false;
    else if (h.action === 'arrived') arrived = true;
  }
  return arrived;
}

const move = (d: Draft, to: TicketStatus): void => {
  if (RANK[to] > RANK[d.status] || d.status === 'reopened') d.status = to;
};

/**
 * Applies one staff step to a ticket being changed, by the rules of the repair loop:
 * - take (接单): the engineer takes the repair; answers the alert and stops its escalation.
 * - arrive (到场): on site (the arrival KPI); needs the repair taken or dispatched.
 * - resolve (完成): done, with a note; a public-area repair then waits for a patrol's re-check.
 * - confirm (现场核实): a patrol saw the fault; a fact beside the work, it stops no clock.
 * - reject (误报): a patrol found nothing there; ends the ticket and its escalation.
 * - recheck-pass / recheck-fail (复查): the re-check of a resolved public-area repair closes the
 *   loop, or reopens the ticket with a reason (and alerts the team again).
 */
export function applyStep(d: Draft, step: StaffStep, input: StepInput, now: number): StepResult {
  const note = input.note === undefined ? {} : { note: input.note };
  const photos = input.photos ?? [];
  const withPhotos = photos.length === 0 ? {} : { photos: photos.map((p) => p.id) };
  if (photos.length > 0) d.attachments = [...d.attachments, ...photos];
  if (ENDED.has(d.status)) return { kind: 'refused', why: `the ticket is ${d.status}` };
  switch (step) {
    case 'take': {
      const taken = takenSinceReopen(d);
      if (taken !== undefined) return taken.actor === `user:${input.user.id}` ? { kind: 'unchanged' } : { kind: 'refused', why: `already taken by ${d.assignee ?? taken.actor}` };
      if (d.status === 'resolved') return { kind: 'refused', why: 'the ticket is resolved' };
      // The supervisor gave it to someone (派工): theirs to take, or the supervisor's to give again.
      if (assignedSinceReopen(d) && d.assigneeId !== undefined && d.assigneeId !== input.user.id) return { kind: 'refused', why: `assigned to ${d.assignee ?? d.assigneeId} by the supervisor` };
      d.assignee = input.user.name;
      d.assigneeId = input.user.id;
      move(d, 'acknowledged');
      return { kind: 'changed', entry: { action: 'acknowledged', status: d.status, ...note } };
    }
    case 'arrive': {
      if (arrivedSinceReopen(d)) return { kind: 'unchanged' };
      if (d.status === 'resolved') return { kind: 'refused', why: 'the ticket is resolved' };
      if (takenSinceReopen(d) === undefined && d.status !== 'dispatched' && d.status !== 'in_progress') return { kind: 'refused', why: 'take the repair first' };
      if (d.assignee === null) {
        d.assignee = input.user.name;
        d.assigneeId = input.user.id;
      }
      move(d, 'arrived');
      return { kind: 'changed', entry: { action: 'arrived', status: d.status, ...note } };
    }
    case 'resolve': {
      if (d.status === 'resolved') return { kind: 'unchanged' };
      // The time nodes must be true (the standard operating procedures): no repair is resolved that nobody took,
      // and none with an on-site deadline is resolved without an arrival, or the word that it was fixed from afar.
      if (takenSinceReopen(d) === undefined && !BY_CENTRAL.has(d.status)) return { kind: 'refused', why: 'take the repair first' };
      const r = input.resolution;
      const offSite = r?.offSiteReason;
      if (d.deadlines.onSiteBy !== null && !arrivedSinceReopen(d) && d.status !== 'in_progress' && offSite === undefined) {
        return { kind: 'refused', why: 'say you are on site first (到场), or that it was fixed without coming on site, and why' };
      }
      if (d.assignee === null) {
        d.assignee = input.user.name;
        d.assigneeId = input.user.id;
      }
      d.status = 'resolved';
      d.resolution = { cause: r?.cause ?? null, action: r?.action ?? null, materials: r?.materials ?? [], workers: r?.workers ?? [], offSite: offSite === undefined ? null : { reason: offSite } };
      const away = offSite === undefined ? {} : { note: `${input.note === undefined ? '' : `${input.note}；`}未到场处理 / fixed without coming on site: ${offSite}` };
      return { kind: 'changed', entry: { action: 'resolved', status: 'resolved', ...note, ...away, ...withPhotos } };
    }
    case 'confirm': {
      if (d.verification.state === 'confirmed') return { kind: 'unchanged' };
      d.verification = { state: 'confirmed', by: input.user.id, at: new Date(now).toISOString(), note: input.note ?? null };
      return { kind: 'changed', entry: { action: 'confirmed', ...note, ...withPhotos } };
    }
    case 'reject': {
      if (RANK[d.status] >= RANK.resolved) return { kind: 'refused', why: `the ticket is ${d.status}: a repaired fault is not a false alarm` };
      // Two patrols disagreeing is for a supervisor, not a second tap: the first word on site stands.
      if (d.verification.state === 'confirmed') return { kind: 'refused', why: `confirmed on site by ${d.verification.by ?? 'a patrol'}: a confirmed fault is not a false alarm` };
      d.verification = { state: 'rejected', by: input.user.id, at: new Date(now).toISOString(), note: input.note ?? null };
      d.status = 'rejected';
      return { kind: 'changed', entry: { action: 'rejected', status: 'rejected', ...note, ...withPhotos } };
    }
    case 'recheck-pass':
    case 'recheck-fail': {
      if (d.status !== 'resolved' || d.recheck.state !== 'due') return { kind: 'refused', why: 'the ticket is not waiting for a re-check' };
      if (step === 'recheck-pass') {
        d.recheck = { state: 'passed', dueBy: null };
        d.status = 'closed';
        return { kind: 'changed', entry: { action: 'recheck-passed', status: 'closed', ...note, ...withPhotos } };
      }
      d.recheck = { state: 'failed', dueBy: null };
      d.status = 'reopened';
      d.assignee = null;
      delete d.assigneeId;
      return { kind: 'changed', entry: { action: 'reopened', status: 'reopened', ...note, ...withPhotos } };
    }
    default: {
      const never: never = step;
      throw new Error(`unknown step ${String(never)}`);
    }
  }
}
