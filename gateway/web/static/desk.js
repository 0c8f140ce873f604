// Desk (客服): the repaired in-unit tickets whose callback to the owner (回访) is waiting, soonest due
// first, each with its due time, the unit, what was repaired and by whom, and a form to record the
// call (callback-box.js). What was recorded from this page stays below with the answer: done with
// the owner's satisfaction, or the repair reopened because the owner says it is not fixed.
import { ActionQueue, actionNotes } from './actions.js';
import { callbackBox } from './callback-box.js';
import { StableOrder, arrivedBelow, renderKeepingPlace, typingIn } from './list-view.js';
import { liveTickets, offlineBanner } from './live.js';
import { setupPage } from './page-shell.js';
import { showUser, signIn } from './session.js';
import { faultName, statusBadge, tierBadge, whereLine } from './ticket-words.js';
import { localDateTime } from './time-words.js';
import { bi, t } from './words.js';
import { callbackDueWords, callWords, resolutionList } from './repair-record.js';
import { callbackWaiting } from './ticket-state.js';
import { html, nothing, repeat } from './view.js';

const app = document.getElementById('app');
const tickets = new Map();
/** Tickets whose call was recorded from this page, newest last: shown with the answer once no longer waiting. */
const answered = [];
/** The choices made on each card's form so far (reached, satisfaction, not fixed). */
const drafts = new Map();
/** Recorded calls listed below the waiting ones. */
const ANSWERED_SHOWN = 10;
/** Due times read "in 3 h" / "overdue 2 h": redrawn each half minute. */
const REDRAW_MS = 30_000;
let connected = true;
let user = null;

const queue = new ActionQueue({
  onChange: () => rerender(),
  onTicket: (tk) => {
    tickets.set(tk.id, tk);
    const at = answered.indexOf(tk.id);
    if (at >= 0) answered.splice(at, 1);
    answered.push(tk.id);
    rerender();
  },
});
const order = new StableOrder();
const ctx = { queue, drafts, rerender: () => rerender() };

/** The desk and the supervisor record callbacks (the admin too). */
const mayCall = () => user !== null && ['desk', 'supervisor', 'admin'].includes(user.role);

const bySoonest = (a, b) => Date.parse(a.callback.dueBy) - Date.parse(b.callback.dueBy) || a.number.localeCompare(b.number, 'en', { numeric: true });

/** The repair the call is about: when it was done, by whom, with the engineer's note. */
function repairedLine(tk) {
  const done = tk.history.findLast((h) => h.action === 'resolved' || h.status === 'closed');
  if (done === undefined) return nothing;
  const by = tk.assignee ? ` · ${tk.assignee}` : '';
  return html`<p class="repaired"><span class="muted">${t('repaired.at', { t: localDateTime(done.at) })}${by}</span>${done.note ? html` — ${done.note}` : nothing}</p>`;
}

/** What the recorded call brought, in words: done with the satisfaction, reopened, a new repair raised, or not reached. */
function answerLine(tk) {
  const call = tk.callback?.calls.at(-1);
  if (call === undefined) return nothing;
  let outcome = t('callback.done');
  if (!call.reached) outcome = t('call.tries', { n: tk.callback.calls.filter((c) => !c.reached).length });
  else if (!call.fixed) outcome = tk.status === 'reopened' ? t('call.reopened') : t('call.repairAgain');
  return html`<p class="answer ${call.reached && !call.fixed ? 'reopen' : ''}" data-field="answer"><b>${outcome}</b> · ${callWords(call)}</p>`;
}

function card(tk) {
  const waiting = callbackWaiting(tk);
  const late = waiting && Date.parse(tk.callback.dueBy) < Date.now();
  const tries = waiting ? tk.callback.calls.filter((c) => !c.reached) : [];
  return html`<li class="ticket card callback-card ${tk.tier}" data-id=${tk.id} data-number=${tk.number}>
    <div class="row">${tierBadge(tk)} <strong>${faultName(tk.fault)}</strong> ${statusBadge(tk)}</div>
    <div class="title"><a href="/tickets/${tk.id}">${tk.number}</a> ${bi(tk.title)}</div>
    <div class="where"><span class="pin" aria-hidden="true"></span>${whereLine(tk)}</div>
    ${waiting ? html`<p class="due ${late ? 'late' : ''}" data-field="due">${callbackDueWords(tk.callback)}</p>` : nothing}
    ${repairedLine(tk)}
    ${resolutionList(tk)}
    ${tries.length > 0 ? html`<p class="muted tries">${t('call.tries', { n: tries.length })} · ${localDateTime(tries.at(-1).at)}</p>` : nothing}
    ${actionNotes(queue, tk.id)}
    ${waiting ? nothing : answerLine(tk)}
    ${waiting && mayCall() && !queue.pending(tk.id) ? callbackBox(tk, ctx) : nothing}
  </li>`;
}

function rerender() {
  if (user === null) return;
  const holding = drafts.size > 0 || typingIn(app);
  const waiting = order.order([...tickets.values()].filter((tk) => callbackWaiting(tk)), bySoonest, holding);
  const done = answered.map((id) => tickets.get(id)).filter((tk) => tk !== undefined && !callbackWaiting(tk)).slice(-ANSWERED_SHOWN).reverse();
  renderKeepingPlace(
    html`${offlineBanner(connected)}
      ${mayCall() ? nothing : html`<p class="muted">${t('desk.who')}</p>`}
      <h2>${t('desk.waiting')} <small class="muted" data-field="waiting">${waiting.length}</small></h2>
      ${waiting.length === 0 ? html`<p class="muted empty">${t('desk.none')}</p>` : html`<ul class="tickets" id="waiting">${repeat(waiting, (tk) => tk.id, card)}</ul>`}
      ${done.length === 0 ? nothing : html`<h2>${t('desk.recorded')}</h2><ul class="tickets" id="recorded">${repeat(done, (tk) => tk.id, card)}</ul>`}
      ${arrivedBelow(order, app)}`,
    app,
  );
}

setupPage(rerender);
user = await signIn(app);
showUser(user);
setInterval(rerender, REDRAW_MS);
await liveTickets({
  tickets,
  query: 'status=callback',
  rerender,
  onConnection: (up) => {
    connected = up;
    if (up) queue.online();
  },
});
