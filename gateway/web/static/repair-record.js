// What was recorded of a repair, as the ticket and desk pages show it: the engineer's details at
// resolve (cause, what was done, materials, who worked on it, fixed without coming on site) and the
// calls to the owner after it (回访), each with its satisfaction.
import { fromNow, localDateTime } from './time-words.js';
import { lang, t } from './words.js';
import { html, nothing } from './view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

/** `★★★★☆ 4/5`; `未评价` when the owner would not say. */
export function satisfactionWords(s) {
  if (s === null || s === undefined) return t('satisfaction.none');
  return `${'★'.repeat(s)}${'☆'.repeat(5 - s)} ${s}/5`;
}

/** `PPR 管 2 米、阀门 1 个` / `PPR pipe 2 m, valve 1`. */
export function materialsWords(materials) {
  return materials.map((m) => `${m.name} ${m.quantity}${m.unit ? ` ${m.unit}` : ''}`).join(lang() === 'en' ? ', ' : '、');
}

/**
 * The engineer's details of the repair (dl rows), or nothing when none were given.
 * @param {TicketView} tk
 */
export function resolutionList(tk) {
  const r = tk.resolution;
  if (!r) return nothing;
  const rows = [
    ['resolve.cause', r.cause, 'cause'],
    ['resolve.action', r.action, 'action'],
    ['resolve.materials', r.materials.length > 0 ? materialsWords(r.materials) : null, 'materials'],
    ['resolve.workers', r.workers.length > 0 ? r.workers.join(lang() === 'en' ? ', ' : '、') : null, 'workers'],
    ['offsite.title', r.offSite ? r.offSite.reason : null, 'offSite'],
  ].filter(([, v]) => v !== null);
  if (rows.length === 0) return nothing;
  return html`<dl class="record resolution">${rows.map(([k, v, field]) => html`<dt>${t(k)}</dt><dd data-field=${field}>${v}</dd>`)}</dl>`;
}

/**
 * The details under their heading, or nothing.
 * @param {TicketView} tk
 */
export function resolutionSection(tk) {
  const list = resolutionList(tk);
  return list === nothing ? nothing : html`<h3>${t('resolution')}</h3>${list}`;
}

/** One call to the owner in words: `接通 · ★★★★★ 5/5 · “很满意”`, `未接通`, with `业主反映未修好` when it is not fixed. */
export function callWords(call) {
  const said = call.words ? ` · “${call.words}”` : '';
  if (!call.reached) return `${t('call.missed')}${said}`;
  return `${t('call.reached')} · ${satisfactionWords(call.satisfaction)}${said}${call.fixed ? '' : ` · ${t('call.notFixed')}`}`;
}

/** `应于 11-28 09:30 前回访 · 还有 3 小时` or `… · 已逾期 2 小时`. */
export function callbackDueWords(callback) {
  return `${t('callback.by', { t: localDateTime(callback.dueBy) })} · ${fromNow(callback.dueBy)}`;
}

/**
 * The callback of an in-unit repair: due (by when) or done, and every call made, with who made it.
 * @param {TicketView} tk
 */
export function callbackSection(tk, actor) {
  const c = tk.callback;
  if (!c) return nothing;
  const state = c.state === 'done' ? t('callback.done') : `${t('callback.due')} · ${callbackDueWords(c)}`;
  return html`<h3>${t('callback')}</h3>
    <p class="callback-state" data-state=${c.state}>${state}</p>
    ${c.calls.length === 0 ? nothing : html`<ol class="history calls">${c.calls.map((call) => html`<li data-reached=${String(call.reached)}><time>${localDateTime(call.at)}</time> ${actor(call.by)} · ${callWords(call)}</li>`)}</ol>`}`;
}
