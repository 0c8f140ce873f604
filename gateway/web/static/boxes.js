// The boxes a card opens between taps (a reason, the resolve details, an assignment) and the taps that
// arm a second one: what is open on which card, kept across redraws, and how a box sends its step
// through the page's ActionQueue. Every control on a ticket card (steps.js, resolve-box.js,
// supervision.js) shares this, so a card has one box open at a time.
import { t } from './words.js';
import { html } from './view.js';

const ARM_MS = 6000;

/**
 * What is open on each card between taps: `armed` (a first tap waiting for the second), `box` (which
 * box, by name), `photos` (taken in that box), `rows` (material rows in a resolve box), `offSite`
 * (the cards whose resolve says it was fixed without coming on site). One per page.
 */
export function stepState() {
  return { armed: new Map(), box: new Map(), photos: new Map(), rows: new Map(), offSite: new Set() };
}

function forget(ctx, id) {
  ctx.state.armed.delete(id);
  ctx.state.box.delete(id);
  ctx.state.photos.delete(id);
  ctx.state.rows.delete(id);
  ctx.state.offSite.delete(id);
}

/** Queues one step on a ticket (sent at once, kept and sent again when the gateway is out of reach) and closes the card's box. */
export function send(ctx, tk, key, path, body, label, photos = []) {
  forget(ctx, tk.id);
  ctx.queue.add({ key, path: `/api/tickets/${encodeURIComponent(tk.id)}/${path}`, body, label: `${label} ${tk.number}`, photos });
}

/** A first tap: the button waits a few seconds for the second. */
export function arm(ctx, id, step) {
  ctx.state.armed.set(id, step);
  setTimeout(() => {
    if (ctx.state.armed.get(id) === step) {
      ctx.state.armed.delete(id);
      ctx.rerender();
    }
  }, ARM_MS);
  ctx.rerender();
}

/** Opens a box on the card and puts the cursor in its first field (`focus`, a selector inside the card). */
export function openBox(ctx, tk, box, focus) {
  ctx.state.box.set(tk.id, box);
  if (!ctx.state.photos.has(tk.id)) ctx.state.photos.set(tk.id, []);
  ctx.rerender();
  /** @type {HTMLElement | null} */ (document.querySelector(`[data-id="${CSS.escape(tk.id)}"] ${focus}`))?.focus();
}

export function closeBox(ctx, tk) {
  forget(ctx, tk.id);
  ctx.rerender();
}

/** The box open on the card, or undefined. */
export const openOn = (ctx, tk) => ctx.state.box.get(tk.id);

/** The words typed in the box the button sits in; focuses the box when empty. */
export function typed(e, selector) {
  const input = e.target.closest('.box').querySelector(selector);
  const text = input.value.trim();
  if (text === '') input.focus();
  return text;
}

export const cancelButton = (ctx, tk) => html`<button type="button" data-act="cancel" @click=${() => closeBox(ctx, tk)}>${t('cancel')}</button>`;
