// What a person asked the gateway to do, kept until it is done or they have read why it failed.
import { ApiError, api, isUnreachable } from './session.js';
import { t } from './words.js';
import { html, nothing } from './view.js';

const KEY = 'gw.actions';
const DONE_SHOWN_MS = 20_000;
const RETRY_MS = 3_000;

/** An id for an action or a report; `crypto.randomUUID` exists only in secure contexts (not over plain HTTP). */
export function newId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * The actions of this page (take, confirm, reject, resolve, re-check, a patrol's report), each
 * shown in place as sending, waiting to send (待发送), done or failed:
 * - sent at once; when the gateway does not answer (restarting, out of Wi-Fi) the action waits in
 *   this browser's storage, survives a reload, and is sent by itself when the gateway is back;
 * - a refusal (409 "already taken by 李工", 400) is shown where it was asked and stays until the
 *   person dismisses it;
 * - photos wait with their action (scaled down, as data URLs) and are uploaded first.
 * `onChange()` runs after every change; `onTicket(ticket)` with each ticket the gateway answers.
 */
export class ActionQueue {
  #actions;
  #sending = false;
  #timer = null;

  constructor({ onChange, onTicket }) {
    this.onChange = onChange;
    this.onTicket = onTicket;
    // Kept from before a reload: what waits or failed. A done one was news before the reload, not after.
    this.#actions = JSON.parse(localStorage.getItem(KEY) ?? '[]').filter((a) => a.page === location.pathname && a.state !== 'done');
    // What was on its way when the page closed is sent again (steps are idempotent per person).
    for (const a of this.#actions) if (a.state === 'sending') a.state = 'queued';
    this.#save();
    if (this.#actions.some((a) => a.state === 'queued')) this.#retrySoon();
  }

  /** Asks for one action: `key` is where it shows (a ticket id, or `report`); `label` names it. */
  add({ key, path, body, label, photos = [] }) {
    const a = { id: newId(), page: location.pathname, key, path, body, label, photos, state: 'sending', message: null };
    this.#actions.push(a);
    if (!this.#save()) {
      a.state = 'failed';
      a.message = t('act.storage');
    }
    this.onChange();
    void this.flush();
    return a;
  }

  /** The actions shown at `key`, oldest first. */
  at(key) {
    return this.#actions.filter((a) => a.key === key);
  }

  pending(key) {
    return this.at(key).some((a) => a.state === 'sending' || a.state === 'queued');
  }

  dismiss(id) {
    this.#actions = this.#actions.filter((a) => a.id !== id);
    this.#save();
    this.onChange();
  }

  /** Sends what waits, in the order it was asked; stops at the first that cannot reach the gateway. */
  async flush() {
    if (this.#sending) return;
    this.#sending = true;
    try {
      for (const a of this.#actions) {
        if (a.state !== 'sending' && a.state !== 'queued') continue;
        a.state = 'sending';
        this.onChange();
        const ok = await this.#send(a);
        this.#save();
        this.onChange();
        if (!ok) {
          this.#retrySoon();
          break;
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  /** The gateway is back (the live stream reconnected): send what waits now. */
  online() {
    void this.flush();
  }

  async #send(a) {
    try {
      // Photos first: each upload answers an id the action then names.
      const ids = [];
      for (const p of a.photos) {
        if (p.id === undefined) {
          const blob = await (await fetch(p.dataUrl)).blob();
          p.id = (await api('/api/attachments', { method: 'POST', raw: blob })).attachment.id;
          this.#save();
        }
        ids.push(p.id);
      }
      const body = ids.length > 0 ? { ...a.body, photos: ids } : a.body;
      const res = await api(a.path, { method: 'POST', body });
      a.state = 'done';
      a.message = null;
      a.photos = [];
      a.result = res.ticket?.number ?? null;
      if (res.ticket) this.onTicket?.(res.ticket);
      setTimeout(() => {
        if (this.#actions.includes(a) && a.state === 'done') this.dismiss(a.id);
      }, DONE_SHOWN_MS);
      return true;
    } catch (err) {
      if (isUnreachable(err)) {
        a.state = 'queued';
        return false;
      }
      a.state = 'failed';
      a.message = err instanceof ApiError ? err.message : String(err);
      return true;
    }
  }

  #retrySoon() {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, RETRY_MS);
  }

  #save() {
    const others = JSON.parse(localStorage.getItem(KEY) ?? '[]').filter((a) => a.page !== location.pathname);
    try {
      localStorage.setItem(KEY, JSON.stringify([...others, ...this.#actions]));
      return true;
    } catch {
      return false;
    }
  }
}

/** The state of each action at one place, in words, with a dismiss button once it is over. */
export function actionNotes(queue, key) {
  const list = queue.at(key);
  if (list.length === 0) return nothing;
  return html`<div class="acts">${list.map(
    (a) => html`<p class="act ${a.state}" data-act-state=${a.state} role=${a.state === 'failed' ? 'alert' : 'status'}>
      <span>${a.label}: ${t(`act.${a.state}`)}${a.state === 'done' && a.result ? ` ${a.result}` : ''}</span>
      ${a.state === 'queued' ? html`<small>${t('act.queued.hint')}</small>` : nothing}
      ${a.state === 'failed' ? html`<small>${a.message}. ${t('act.failed.hint')}</small>` : nothing}
      ${a.state === 'failed' || a.state === 'done' ? html`<button type="button" class="link dismiss" @click=${() => queue.dismiss(a.id)}>${t('act.dismiss')}</button>` : nothing}
    </p>`,
  )}</div>`;
}
