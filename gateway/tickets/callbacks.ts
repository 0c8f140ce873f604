import type { Decision } from './supervision.js';
import type { RaiseInput } from './raise-input.js';
import type { Actor, Callback, CallbackCall, Draft, Ticket } from './ticket.js';
import type { Satisfaction, TicketStatus } from '../../core/vocabulary.js';
import type { CentralCall } from '../../cloud-sync/central-answers.js';

/** Statuses a repair is done in (by the engineer, or closed by the central service). */
const REPAIRED: ReadonlySet<TicketStatus> = new Set(['resolved', 'closed']);

/**
 * Whether this change repaired an in-unit ticket, so its callback to the owner (回访) falls due:
 * it moved into resolved or closed from work (not a false alarm closed, not resolved to closed).
 * A public-area repair gets a patrol's re-check instead.
 */
export function repairedInUnit(before: Pick<Ticket, 'status'>, after: Pick<Ticket, 'status' | 'publicArea' | 'kind'>): boolean {
  return !after.publicArea && after.kind === 'fault' && REPAIRED.has(after.status) && !REPAIRED.has(before.status) && before.status !== 'rejected';
}

/** A callback due `withinHours` after now. */
export function callbackDue(now: number, withinHours: number): Callback {
  return { state: 'due', dueBy: new Date(now + withinHours * 3_600_000).toISOString(), calls: [], overdueTold: false };
}

/** Waiting for a call that reaches the owner: the repair is done and no call has reached them yet. */
export function callbackWaiting(t: Pick<Ticket, 'status' | 'callback'>): boolean {
  return t.callback?.state === 'due' && REPAIRED.has(t.status);
}

/** What a call brought: the owner not reached, or reached (satisfaction and words optional; fixed unless they say not). */
export type CallInput = { readonly reached: false; readonly words?: string } | { readonly reached: true; readonly satisfaction?: Satisfaction; readonly words?: string; readonly fixed?: boolean };

/** The call's outcome on the ticket: the history entry, and whether the owner's "not fixed" needs a new repair (the ticket was closed). */
export type CallOutcome = (Decision & { readonly kind: 'refused' }) | { readonly kind: 'changed'; readonly entry: Extract<Decision, { kind: 'changed' }>['entry']; readonly repairAgain: boolean };

const STARS = (s: Satisfaction | null): { zh: string; en: string } => (s === null ? { zh: '未评价', en: 'no rating' } : { zh: `满意度 ${s}/5`, en: `satisfaction ${s}/5` });

/** Why a call cannot be recorded on this ticket now, or null. */
function refusal(d: Pick<Ticket, 'status' | 'publicArea' | 'callback'>): string | null {
  if (d.callback === undefined) {
    if (d.publicArea) return 'a public-area repair is re-checked by a patrol, not called back';
    return REPAIRED.has(d.status) ? 'no callback is due on this repair' : `the repair is not done yet (${d.status}): the callback follows it`;
  }
  if (d.callback.state === 'done') return 'the callback of this repair is recorded already';
  if (!REPAIRED.has(d.status)) return `the repair was reopened (${d.status}): the callback follows its next repair`;
  return null;
}

/**
 * Records one call to the owner on a repaired in-unit ticket (the desk's, or the central
 * service's). Not reached: a try, the callback stays due. Reached: the callback is done, with the
 * owner's satisfaction and words; an owner who says it is not fixed reopens a resolved repair (its
 * team is alerted again) or, when it is closed already, asks for a new repair of it (the caller
 * raises it, a repeat of this one).
 */
export function recordCall(d: Draft, call: CallInput, by: Actor, now: number): CallOutcome {
  const why = refusal(d);
  if (why !== null || d.callback === undefined) return { kind: 'refused', why: why ?? 'no callback is due on this repair' };
  const at = new Date(now).toISOString();
  const words = call.words ?? null;
  const said = words === null ? { zh: '', en: '' } : { zh: `：${words}`, en: `: ${words}` };
  if (!call.reached) {
    const made: CallbackCall = { at, by, reached: false, words };
    d.callback = { ...d.callback, calls: [...d.callback.calls, made] };
    const n = d.callback.calls.length;
    return { kind: 'changed', entry: { action: 'callback', note: `回访未接通（第 ${n} 次）${said.zh} / callback: owner not reached (try ${n})${said.en}` }, repairAgain: false };
  }
  const satisfaction = call.satisfaction ?? null;
  const fixed = call.fixed ?? true;
  const made: CallbackCall = { at, by, reached: true, satisfaction, words, fixed };
  d.callback = { ...d.callback, state: 'done', calls: [...d.callback.calls, made] };
  const stars = STARS(satisfaction);
  if (fixed) return { kind: 'changed', entry: { action: 'callback', note: `回访完成，${stars.zh}${said.zh} / callback done, ${stars.en}${said.en}` }, repairAgain: false };
  if (d.status === 'resolved') {
    // The owner says it is not fixed: the repair goes back to the team (as a failed re-check does).
    d.status = 'reopened';
    d.assignee = null;
    delete d.assigneeId;
    return { kind: 'changed', entry: { action: 'reopened', status: 'reopened', note: `回访：业主反映未修好，${stars.zh}${said.zh} / callback: the owner says it is not fixed, ${stars.en}${said.en}` }, repairAgain: false };
  }
  return { kind: 'changed', entry: { action: 'callback', note: `回访：业主反映未修好，已另开维修单，${stars.zh}${said.zh} / callback: the owner says it is not fixed; a new repair is raised, ${stars.en}${said.en}` }, repairAgain: true };
}

/** Whether the last entry of a ticket was the reopen of a callback that found it not fixed. */
export function reopenedByCallback(t: Pick<Ticket, 'history' | 'callback'>): boolean {
  const last = t.history.at(-1);
  const call = t.callback?.calls.at(-1);
  return last?.action === 'reopened' && call !== undefined && call.reached && !call.fixed && call.at === last.at;
}

/**
 * The new repair an owner's "not fixed" asks for when the ticket is closed already: the same
 * device, fault, tier and place, reported by the desk member who called (员工上报), a repeat of it.
 */
export function repairAgainInput(t: Ticket, by: { readonly id: string; readonly name: string }, words: string | undefined): RaiseInput {
  const said = words === undefined ? { zh: '', en: '' } : { zh: `：${words}`, en: `: ${words}` };
  return {
    fault: t.fault,
    device: { id: t.deviceId, name: t.deviceName, location: t.location },
    tier: t.tier,
    skill: t.skill,
    title: { zh: `回访未修好：${t.title.zh}`, en: `Not fixed, says the owner: ${t.title.en}` },
    description: { zh: `${by.name} 回访业主，${t.number} 未修好${said.zh}`, en: `${by.name} called the owner back: ${t.number} is not fixed${said.en}` },
    publicArea: t.publicArea,
    repeatOf: t.id,
    reporter: { id: by.id, name: by.name, role: 'desk' },
  };
}

/** A callback the central service recorded (contract 2.1: `callback` on an update): its own call centre reached the owner, or tried. */
/**
 * Records central's callback on the ticket, whether or not one was due here (a site's call centre may
 * call back any repair): a call that reached the owner ends the callback. Fixed unless central
 * reopens the ticket in the same update. Answers the words for the history entry.
 */
export function recordCentralCall(d: Draft, call: CentralCall, at: string): string {
  const base: Callback = d.callback ?? { state: 'due', dueBy: at, calls: [], overdueTold: false };
  const words = call.words ?? null;
  const fixed = d.status !== 'reopened';
  const made: CallbackCall = call.reached ? { at, by: 'central', reached: true, satisfaction: call.satisfaction ?? null, words, fixed } : { at, by: 'central', reached: false, words };
  d.callback = { ...base, state: base.state === 'done' || call.reached ? 'done' : 'due', calls: [...base.calls, made] };
  const said = words === null ? { zh: '', en: '' } : { zh: `：${words}`, en: `: ${words}` };
  if (!call.reached) return `总部回访未接通${said.zh} / central's callback: owner not reached${said.en}`;
  const stars = STARS(call.satisfaction ?? null);
  return `总部回访，${stars.zh}${said.zh} / central's callback, ${stars.en}${said.en}`;
}
