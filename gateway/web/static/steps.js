// The buttons of the repair loop on a ticket, the same on every page that shows them:
// engineers take (接单), arrive (到场), resolve (完成, with a note, photos and the repair's details:
// resolve-box.js); patrols confirm (two taps) or reject (a reason, with a cancel); re-check a
// resolved public-area repair (pass in two taps, or fail with a reason and photos). Each step goes
// through the page's ActionQueue; what is open between taps is boxes.js.
import { ActionQueue } from './actions.js';
import { arm, cancelButton, openBox, openOn, send, stepState, typed } from './boxes.js';
import { typingIn } from './list-view.js';
import { OPEN } from './ticket-words.js';
import { t } from './words.js';
import { photoPicker } from './photos.js';
import { resolveBox } from './resolve-box.js';
import { arrived, taken } from './ticket-state.js';
import { html, nothing } from './view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

export { stepState };

/**
 * What a page listing tickets needs for their steps: its action queue (each ticket the gateway
 * answers goes into `tickets`), the open boxes, and how to redraw.
 */
export function listSteps(tickets, rerender) {
  const queue = new ActionQueue({
    onChange: rerender,
    onTicket: (tk) => {
      tickets.set(tk.id, tk);
      rerender();
    },
  });
  return { queue, state: stepState(), rerender };
}

/**
 * Whether the person is in the middle of something on the list (a box open, a first tap armed, a
 * field in focus): then the list keeps its order (StableOrder) rather than re-sorting under them.
 */
export function holdingList(ctx, container) {
  return ctx.state.box.size > 0 || ctx.state.armed.size > 0 || typingIn(container);
}

/**
 * The queue key a re-check's outcome shows under (apart from the on-site verification's).
 * @param {TicketView} tk
 */
export const recheckKey = (tk) => `recheck:${tk.id}`;

/**
 * Take, then arrive, then resolve (the resolve box: a note, photos, the repair's details).
 * @param {TicketView} tk
 */
export function engineerSteps(tk, ctx) {
  if (!OPEN.has(tk.status) || ctx.queue.pending(tk.id)) return nothing;
  const box = openOn(ctx, tk);
  if (box === 'resolve') return resolveBox(tk, ctx);
  if (box !== undefined) return nothing;
  return html`<div class="actions">
    ${!taken(tk) ? html`<button type="button" class="primary" data-act="take" @click=${() => send(ctx, tk, tk.id, 'take', {}, t('take'))}>${t('take')}</button>` : nothing}
    ${taken(tk) && !arrived(tk) ? html`<button type="button" class="primary" data-act="arrive" @click=${() => send(ctx, tk, tk.id, 'arrive', {}, t('arrive'))}>${t('arrive')}</button>` : nothing}
    ${taken(tk) ? html`<button type="button" data-act="resolve" @click=${() => openBox(ctx, tk, 'resolve', 'textarea.note')}>${t('resolve')}</button>` : nothing}
  </div>`;
}

/**
 * On-site verification: confirm in two taps, or a false alarm with a reason (one tap on a usual one).
 * @param {TicketView} tk
 */
export function verifySteps(tk, ctx) {
  if (tk.verification?.state !== 'pending' || !OPEN.has(tk.status) || ctx.queue.pending(tk.id)) return nothing;
  if (ctx.state.box.get(tk.id) === 'reject') {
    const reject = (reason) => send(ctx, tk, tk.id, 'reject', { reason }, t('reject'));
    return html`<div class="box reject-box">
      <div class="chips">${['reason.nothing', 'reason.sensor', 'reason.test'].map((k) => html`<button type="button" class="chip" @click=${() => reject(t(k))}>${t(k)}</button>`)}</div>
      <input class="reason" maxlength="1000" placeholder=${t('reject.reason')} />
      <div class="actions"><button type="button" class="danger" data-act="reject-send" @click=${(e) => { const r = typed(e, 'input.reason'); if (r !== '') reject(r); }}>${t('reject.send')}</button>${cancelButton(ctx, tk)}</div>
    </div>`;
  }
  const isArmed = ctx.state.armed.get(tk.id) === 'confirm';
  return html`<div class="actions">
    <button type="button" class="primary ${isArmed ? 'armed' : ''}" data-act="confirm" @click=${() => (isArmed ? send(ctx, tk, tk.id, 'confirm', {}, t('confirm')) : arm(ctx, tk.id, 'confirm'))}>${t(isArmed ? 'confirm.again' : 'confirm')}</button>
    <button type="button" class="danger" data-act="reject" @click=${() => openBox(ctx, tk, 'reject', 'input.reason')}>${t('reject')}</button>
  </div>`;
}

/**
 * The re-check of a resolved public-area repair: pass in two taps, or fail with a reason and photos.
 * @param {TicketView} tk
 */
export function recheckSteps(tk, ctx) {
  const key = recheckKey(tk);
  if (tk.status !== 'resolved' || tk.recheck?.state !== 'due' || ctx.queue.pending(key)) return nothing;
  if (ctx.state.box.get(tk.id) === 'recheck-fail') {
    const photos = ctx.state.photos.get(tk.id) ?? [];
    const submit = (e) => {
      const reason = typed(e, 'input.reason');
      if (reason !== '') send(ctx, tk, key, 'recheck', { result: 'fail', reason }, t('recheck.fail'), photos);
    };
    return html`<div class="box recheck-box">
      <input class="reason" maxlength="1000" placeholder=${t('recheck.reason')} />
      ${photoPicker(photos, ctx.rerender)}
      <div class="actions"><button type="button" class="danger" data-act="recheck-fail-send" @click=${submit}>${t('recheck.send')}</button>${cancelButton(ctx, tk)}</div>
    </div>`;
  }
  const isArmed = ctx.state.armed.get(tk.id) === 'recheck-pass';
  return html`<div class="actions">
    <button type="button" class="primary ${isArmed ? 'armed' : ''}" data-act="recheck-pass" @click=${() => (isArmed ? send(ctx, tk, key, 'recheck', { result: 'pass' }, t('recheck.pass')) : arm(ctx, tk.id, 'recheck-pass'))}>${t(isArmed ? 'recheck.pass.again' : 'recheck.pass')}</button>
    <button type="button" class="danger" data-act="recheck-fail" @click=${() => openBox(ctx, tk, 'recheck-fail', 'input.reason')}>${t('recheck.fail')}</button>
  </div>`;
}
