// What every staff page shares: language, token, API calls, live events, formatting.
import { WORDS } from './i18n.js';

const LANG_KEY = 'gw.lang';
const TOKEN_KEY = 'gw.token';

export function lang() {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
}

export function t(key) {
  return WORDS[lang()][key] ?? WORDS['zh-CN'][key] ?? key;
}

/** Pick the side of a `{zh, en}` text for the page's language. */
export function bi(text) {
  if (text === null || text === undefined) return '';
  return lang() === 'en' ? text.en : text.zh;
}

export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Wires the language button; `render` runs again after a switch. */
export function setupPage(render) {
  document.documentElement.lang = lang();
  const button = document.getElementById('lang');
  const label = () => {
    button.textContent = t('lang.switch');
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  };
  label();
  button.addEventListener('click', () => {
    localStorage.setItem(LANG_KEY, lang() === 'en' ? 'zh-CN' : 'en');
    document.documentElement.lang = lang();
    label();
    redrawAlertHealth();
    render();
  });
}

/**
 * The staff token: a link may carry it in the fragment (`#token=...`, never sent to the server or
 * written in its logs); it is kept in this browser and taken off the address bar.
 */
export function token() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return localStorage.getItem(TOKEN_KEY);
}

export function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, options = {}) {
  const headers = { accept: 'application/json' };
  const tok = token();
  if (tok) headers.authorization = `Bearer ${tok}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.error?.code ?? 'HTTP', body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** Shows a sign-in box; resolves with the user once a token is accepted. */
export async function signIn(container) {
  if (token()) {
    try {
      return (await api('/api/me')).user;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      forgetToken();
    }
  }
  return new Promise((resolve) => {
    container.innerHTML = `<form class="login card"><h2>${esc(t('login.title'))}</h2>
      <label>${esc(t('login.token'))} <input name="token" type="password" autocomplete="current-password" required></label>
      <button type="submit" class="primary">${esc(t('login.go'))}</button><p class="error" hidden></p></form>`;
    const form = container.querySelector('form');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      localStorage.setItem(TOKEN_KEY, form.token.value.trim());
      try {
        resolve((await api('/api/me')).user);
      } catch {
        forgetToken();
        const p = form.querySelector('.error');
        p.hidden = false;
        p.textContent = t('login.bad');
      }
    });
  });
}

export function showUser(user) {
  const who = document.getElementById('who');
  if (!who || !user) return;
  who.innerHTML = `${esc(user.name)} <button type="button" class="link">${esc(t('logout'))}</button>`;
  who.querySelector('button').addEventListener('click', () => {
    forgetToken();
    location.reload();
  });
}

/**
 * Live changes from the gateway (server-sent events); the browser reconnects by itself. Every page
 * that listens also shows, above everything, an emergency alert that no channel could deliver.
 */
export function liveEvents(handlers) {
  const source = new EventSource('/api/events');
  for (const [event, fn] of Object.entries(handlers)) {
    if (event === 'state') continue;
    source.addEventListener(event, (e) => fn(JSON.parse(e.data)));
  }
  source.addEventListener('alerts', (e) => showAlertHealth(JSON.parse(e.data)));
  source.addEventListener('open', () => {
    handlers.state?.(true);
    void loadAlertHealth();
  });
  source.addEventListener('error', () => handlers.state?.(false));
  return source;
}

let alertHealth = { undelivered: [] };

async function loadAlertHealth() {
  try {
    showAlertHealth(await api('/api/alerts/health'));
  } catch {
    // The stream's own banner already says the gateway is out of reach.
  }
}

/** The banner (`#notice`, outside the redrawn page) naming each emergency that reached nobody, in words. */
export function showAlertHealth(health) {
  alertHealth = health;
  const box = document.getElementById('notice');
  if (!box) return;
  box.hidden = health.undelivered.length === 0;
  box.innerHTML = health.undelivered
    .map((u) => {
      const channels = u.channels.map((c) => `${c.id}: ${c.error}`).join('; ');
      const since = localTime(new Date(u.since).toISOString());
      const line =
        lang() === 'en'
          ? `⚠ Emergency alert reached nobody: ${u.number} ${bi(u.title)} (${u.where}). Every alert channel has failed since ${since} (${channels}).`
          : `⚠ 紧急告警未能送达任何人：${u.number} ${bi(u.title)}（${u.where}）。自 ${since} 起所有告警渠道均发送失败（${channels}）。`;
      return `<p class="undelivered">${esc(line)} <strong>${esc(t('undelivered.phone'))}</strong></p>`;
    })
    .join('');
}

/** Redraws the banner in the page's language (after a language switch). */
export function redrawAlertHealth() {
  showAlertHealth(alertHealth);
}

/**
 * Keeps `tickets` (a Map by id) to the open tickets, live: loaded whole, then changed by `ticket`
 * events, and loaded whole again after the stream comes back (what changed while it was down was
 * not streamed). `onTicket(ticket, isNew)` runs for each streamed change, `onConnection(up)` when
 * the stream drops or returns; `render` after every change.
 */
export async function liveTickets({ tickets, render, onTicket, onConnection }) {
  let connected = true;
  const load = async () => {
    const res = await api('/api/tickets?status=open&order=desc&evidence=false&limit=5000');
    tickets.clear();
    for (const tk of res.tickets) tickets.set(tk.id, tk);
    render();
  };
  liveEvents({
    ticket: (tk) => {
      const isNew = !tickets.has(tk.id);
      tickets.set(tk.id, tk);
      onTicket?.(tk, isNew);
      render();
    },
    state: (up) => {
      if (up && !connected) void load();
      connected = up;
      onConnection?.(up);
      render();
    },
  });
  await load();
}

export function whereLine(ticket) {
  const l = ticket.location;
  const desc = lang() === 'en' && l.descriptionEn ? l.descriptionEn : l.description;
  return [l.building, l.floor, l.unit, desc].filter(Boolean).join(' · ');
}

export function faultName(fault) {
  const key = `fault.${fault.startsWith('upstream:') ? 'device-offline' : fault}`;
  const word = t(key);
  return word === key ? fault : word;
}

/** A time in the site's time zone (the page carries it), whatever zone the phone is set to. */
export function localTime(iso) {
  const timeZone = document.body.dataset.tz || undefined;
  return new Date(iso).toLocaleString(lang(), { timeZone, hour12: false, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `12:05` left, or `-03:10` late; hours shown when long. */
export function countdown(ms) {
  const late = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n) => String(n).padStart(2, '0');
  return `${late ? '-' : ''}${h > 0 ? `${h}:` : ''}${two(m)}:${two(s)}`;
}

export function tierBadge(ticket) {
  return `<span class="tier ${esc(ticket.tier)}">${esc(t(`tier.${ticket.tier}`))}</span>`;
}

export function statusBadge(ticket) {
  return `<span class="status ${esc(ticket.status)}">${esc(t(`status.${ticket.status}`))}</span>`;
}

/** Emergencies first, then newest first. */
export function byUrgency(a, b) {
  const rank = (x) => (x.tier === 'emergency' ? 0 : x.tier === 'general' ? 1 : 2);
  return rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt);
}

export const OPEN = new Set(['raised', 'acknowledged', 'confirmed', 'dispatched', 'in_progress']);

export function showError(container, err) {
  const p = document.createElement('p');
  p.className = 'error';
  p.textContent = `${t('error')}: ${err.message}`;
  container.prepend(p);
  setTimeout(() => p.remove(), 8000);
}
