// One call to the owner after an in-unit repair (回访), as the desk records it: reached or not; when
// reached, the owner's satisfaction (1 to 5 stars, or none if they would not say) and "still not
// fixed" (which reopens the repair); their words. Sent through the page's ActionQueue, so a call
// recorded while the gateway is out of reach is sent when it is back.
import { t } from './words.js';
import { html, nothing } from './view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

const STARS = [1, 2, 3, 4, 5];
const EMPTY = Object.freeze({ reached: null, satisfaction: null, notFixed: false });

/** The body of POST /api/tickets/:id/callback: satisfaction and fixed only on a call that reached the owner. */
function callBody(draft, words) {
  const said = words === '' ? {} : { words };
  if (!draft.reached) return { reached: false, ...said };
  return { reached: true, ...(draft.satisfaction === null ? {} : { satisfaction: draft.satisfaction }), ...said, ...(draft.notFixed ? { fixed: false } : {}) };
}

/**
 * The form on a waiting card. `drafts` (a Map by ticket id, one per page) keeps the choices made so
 * far across redraws; the words stay in their field.
 * @param {TicketView} tk
 */
export function callbackBox(tk, { queue, drafts, rerender }) {
  const draft = drafts.get(tk.id) ?? EMPTY;
  const set = (change) => {
    drafts.set(tk.id, { ...draft, ...change });
    rerender();
  };
  const submit = (e) => {
    e.preventDefault();
    if (draft.reached === null) return;
    drafts.delete(tk.id);
    queue.add({ key: tk.id, path: `/api/tickets/${encodeURIComponent(tk.id)}/callback`, body: callBody(draft, e.target.words.value.trim()), label: `${t('call.record')} ${tk.number}` });
    e.target.reset();
  };
  const toggle = (on, label, act, change) =>
    html`<button type="button" class="toggle ${on ? 'on' : ''}" aria-pressed=${String(on)} data-act=${act} @click=${() => set(change)}>${label}</button>`;
  const send = draft.reached === false ? 'call.send.missed' : draft.notFixed ? 'call.send.reopen' : 'call.send';
  return html`<form class="box callback-box" @submit=${submit}>
    <div class="choice-row" role="group" aria-label=${t('call.reachedQ')}>
      <span class="label">${t('call.reachedQ')}</span>
      ${toggle(draft.reached === true, t('call.reached'), 'reached', { reached: true })}
      ${toggle(draft.reached === false, t('call.missed'), 'missed', { reached: false, satisfaction: null, notFixed: false })}
    </div>
    ${draft.reached === true
      ? html`<div class="choice-row stars" role="group" aria-label=${t('satisfaction')}>
            <span class="label">${t('satisfaction')}</span>
            ${STARS.map((n) => html`<button type="button" class="star ${draft.satisfaction !== null && n <= draft.satisfaction ? 'on' : ''}" aria-pressed=${String(draft.satisfaction === n)} aria-label=${t('satisfaction.n', { n })} data-star=${n} @click=${() => set({ satisfaction: draft.satisfaction === n ? null : n })}>★</button>`)}
            <span class="muted star-word">${draft.satisfaction === null ? t('satisfaction.none') : t(`satisfaction.${draft.satisfaction}`)}</span>
          </div>
          <label class="check not-fixed"><input type="checkbox" name="notFixed" .checked=${draft.notFixed} @change=${(e) => set({ notFixed: e.target.checked })} /> ${t('call.notFixed.check')}</label>`
      : nothing}
    <input name="words" class="words" maxlength="1000" placeholder=${t('call.words')} />
    <div class="actions"><button type="submit" class=${draft.notFixed ? 'danger' : 'primary'} data-act="callback-send" ?disabled=${draft.reached === null}>${t(send)}</button></div>
  </form>`;
}
