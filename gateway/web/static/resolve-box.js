// The resolve box (完成维修): the note (required) and photos, and what the procedures ask an engineer
// to record of a repair, all optional: the cause, what was done, the materials used (a row each,
// more rows on a tap), who worked on it; and, where the ticket has an on-site deadline and nobody
// arrived, "fixed without coming on site" with its reason (counted apart from the on-site figures).
import { cancelButton, send } from './boxes.js';
import { t } from './words.js';
import { photoPicker } from './photos.js';
import { mayResolveOffSite } from './ticket-state.js';
import { html, nothing } from './view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

/** Names of the people who worked on it, as typed: commas, the Chinese list comma or spaces between them. */
const names = (text) => text.split(/[,，、;；\s]+/).map((s) => s.trim()).filter(Boolean);

/**
 * The materials rows as typed: rows with a name, each with a quantity above zero (an empty quantity
 * is one). Null when a row's quantity is not a number above zero (that field gets the focus).
 */
function materials(box) {
  const out = [];
  for (const row of box.querySelectorAll('.material')) {
    const name = row.querySelector('.m-name').value.trim();
    if (name === '') continue;
    const qty = row.querySelector('.m-qty');
    const quantity = qty.value.trim() === '' ? 1 : Number(qty.value);
    if (!(quantity > 0)) {
      qty.focus();
      return null;
    }
    const unit = row.querySelector('.m-unit').value.trim();
    out.push(unit === '' ? { name, quantity } : { name, quantity, unit });
  }
  return out;
}

/** The step's body from the box, or null when something needed is missing (its field has the focus). */
function resolveBody(box, offSite) {
  const note = box.querySelector('textarea.note');
  if (note.value.trim() === '') {
    note.focus();
    return null;
  }
  const body = { note: note.value.trim() };
  if (offSite) {
    const reason = box.querySelector('input.off-site-reason');
    if (reason.value.trim() === '') {
      reason.focus();
      return null;
    }
    body.offSiteReason = reason.value.trim();
  }
  const cause = box.querySelector('input.cause').value.trim();
  if (cause !== '') body.cause = cause;
  const action = box.querySelector('textarea.action').value.trim();
  if (action !== '') body.action = action;
  const used = materials(box);
  if (used === null) return null;
  if (used.length > 0) body.materials = used;
  const workers = names(box.querySelector('input.workers').value);
  if (workers.length > 0) body.workers = workers;
  return body;
}

function materialRow() {
  return html`<div class="material">
    <input class="m-name" maxlength="100" placeholder=${t('material.name')} aria-label=${t('material.name')} />
    <input class="m-qty" type="number" inputmode="decimal" min="0" step="any" placeholder=${t('material.qty')} aria-label=${t('material.qty')} />
    <input class="m-unit" maxlength="20" placeholder=${t('material.unit')} aria-label=${t('material.unit')} />
  </div>`;
}

/** @param {TicketView} tk */
export function resolveBox(tk, ctx) {
  const photos = ctx.state.photos.get(tk.id) ?? [];
  const rows = ctx.state.rows.get(tk.id) ?? 1;
  const offered = mayResolveOffSite(tk);
  const offSite = offered && ctx.state.offSite.has(tk.id);
  const addRow = () => {
    ctx.state.rows.set(tk.id, rows + 1);
    ctx.rerender();
  };
  const toggleOffSite = (e) => {
    if (e.target.checked) ctx.state.offSite.add(tk.id);
    else ctx.state.offSite.delete(tk.id);
    ctx.rerender();
  };
  const submit = (e) => {
    const body = resolveBody(e.target.closest('.box'), offSite);
    if (body !== null) send(ctx, tk, tk.id, 'resolve', body, t('resolve'), photos);
  };
  return html`<div class="box resolve-box">
    <textarea class="note" rows="2" maxlength="1000" placeholder=${t('resolve.note')}></textarea>
    ${offered
      ? html`<div class="off-site">
          <label class="check"><input type="checkbox" class="off-site-check" .checked=${offSite} @change=${toggleOffSite} /> ${t('offsite.check')}</label>
          ${offSite ? html`<input class="off-site-reason" maxlength="1000" placeholder=${t('offsite.reason')} />` : html`<p class="muted hint">${t('offsite.hint')}</p>`}
        </div>`
      : nothing}
    <details class="more">
      <summary>${t('resolve.more')}</summary>
      <div class="fields">
        <label>${t('resolve.cause')}<input class="cause" maxlength="1000" /></label>
        <label>${t('resolve.action')}<textarea class="action" rows="2" maxlength="1000"></textarea></label>
        <fieldset class="materials"><legend>${t('resolve.materials')}</legend>
          ${Array.from({ length: rows }, materialRow)}
          <button type="button" class="link add-row" @click=${addRow}>＋ ${t('material.add')}</button>
        </fieldset>
        <label>${t('resolve.workers')}<input class="workers" maxlength="300" placeholder=${t('resolve.workers.hint')} /></label>
      </div>
    </details>
    ${photoPicker(photos, ctx.rerender)}
    <div class="actions"><button type="button" class="primary" data-act="resolve-send" @click=${submit}>${t('resolve.send')}</button>${cancelButton(ctx, tk)}</div>
  </div>`;
}
