import { callbackWaiting } from '../tickets/callbacks.js';
import type { Ticket } from '../tickets/ticket.js';
import { raisedFacts, type AlertFacts } from './alert-facts.js';
import type { FollowUp } from './follow-up-overdue.js';
import type { Addressee } from './roster.js';

/** A callback still to be made whose lateness has not been told. */
function untold(t: Pick<Ticket, 'status' | 'callback'>): boolean {
  return callbackWaiting(t) && t.callback?.overdueTold === false;
}

/**
 * A callback to an owner nobody made in time (回访: within 24 h of the repair), for the desk: who
 * repaired what where, and the tries that did not reach the owner. General at most, as it wakes nobody.
 */
export function callbackOverdueFacts(t: Ticket, to: Addressee, due: string, publicUrl: string): AlertFacts {
  const tries = t.callback?.calls.length ?? 0;
  const by = t.assignee ?? '维修人员';
  const byEn = t.assignee ?? 'the engineer';
  const triedZh = tries === 0 ? '至今未回访' : `已拨打 ${tries} 次未接通`;
  const triedEn = tries === 0 ? 'nobody has called' : `${tries} call${tries === 1 ? '' : 's'} did not reach the owner`;
  const detail = {
    zh: `${by} 已完成户内维修，应在 ${due} 前回访业主，${triedZh}：请回访并记录满意度`,
    en: `Repaired in the unit by ${byEn}; the owner's callback was due by ${due} and ${triedEn}: call the owner and record their satisfaction`,
  };
  return { ...raisedFacts(t, to, publicUrl), kind: 'callback-overdue', tier: t.tier === 'low' ? 'low' : 'general', reading: null, detail, deadline: null };
}

/**
 * The callback an in-unit repair is owed (`callback.dueBy`, 24 h after the repair) that passed
 * without a call reaching the owner goes to the desk (客服/监控中心), once per repair: the callback
 * is marked told in the same write as the history entry.
 */
export function callbackFollowUp(deps: { readonly publicUrl: string; readonly desk: () => Addressee }): FollowUp {
  return {
    kind: 'callback-overdue',
    event: 'ticket.callback_overdue',
    dueBy: (t) => (untold(t) ? (t.callback?.dueBy ?? null) : null),
    markTold: (d, dueBy) => {
      if (!untold(d) || d.callback === undefined || d.callback.dueBy !== dueBy) return false;
      d.callback = { ...d.callback, overdueTold: true };
      return true;
    },
    note: (due, who) => `回访逾期：应在 ${due} 前回访业主，已通知 ${who.zh} / Callback overdue: it was due by ${due}; told ${who.en}`,
    facts: (t, to, due) => callbackOverdueFacts(t, to, due, deps.publicUrl),
    addressee: () => deps.desk(),
    logWords: (number, due, who) => `ticket ${number}: the owner's callback was due by ${due} and nobody reached them; told ${who.en}`,
  };
}
