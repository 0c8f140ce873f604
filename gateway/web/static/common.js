// What every staff page shares: language, sign-in code, API calls, live events, time words, deadlines.
import { WORDS } from './i18n.js';
import { html, nothing, render } from './view.js';

const LANG_KEY = 'gw.lang';
const TOKEN_KEY = 'gw.token';
const USER_KEY = 'gw.user';

export function lang() {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
}

/** A word of the page's language; `{name}` in it is filled from `vars`. */
export function t(key, vars = {}) {
  const word = WORDS[lang()][key] ?? WORDS['zh-CN'][key] ?? key;
  return word.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

/** Pick the side of a `{zh, en}` text for the page's language. */
export function bi(text) {
  if (text === null || text === undefined) return '';
  return lang() === 'en' ? (text.en ?? text.zh) : text.zh;
}

/** Escapes text for the few places that still write HTML as a string (the alert banner). */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An operator's status word (online, good, not-configured…) in the page's language. */
export function stWord(state) {
  if (state === null || state === undefined) return '-';
  const key = `st.${state}`;
  const w = t(key);
  return w === key ? String(state) : w;
}

let onLanguage = () => undefined;

/** Wires the language button; `rerender` runs again after a switch. */
export function setupPage(rerender) {
  onLanguage = rerender;
  // The page's own view replaces the placeholder the HTML carries.
  document.getElementById('app')?.replaceChildren();
  document.documentElement.lang = lang();
  const button = document.getElementById('lang');
  const label = () => {
    button.textContent = t('lang.switch');
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  };
  label();
  document.addEventListener('click', (e) => void downloadCsv(e));
  button.addEventListener('click', () => {
    localStorage.setItem(LANG_KEY, lang() === 'en' ? 'zh-CN' : 'en');
    document.documentElement.lang = lang();
    label();
    showUser(shownUser);
    redrawAlertHealth();
    onLanguage();
  });
  registerServiceWorker();
}

/**
 * The page shell is cached by a service worker so a phone opens the page while the gateway is
 * briefly out of reach. Browsers allow service workers only over HTTPS (or on localhost); over
 * plain HTTP the page says so when the gateway is out of reach.
 */
export const offlineCapable = 'serviceWorker' in navigator && window.isSecureContext;

function registerServiceWorker() {
  if (!offlineCapable) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}

/**
 * The sign-in code: a link may carry it in the fragment (`#token=...`, never sent to the server or
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
  localStorage.removeItem(USER_KEY);
}

/** The gateway answered with an error: its status, code and message (what to tell the person). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The gateway did not answer at all (restarting, out of Wi-Fi): the action can wait and be sent later. */
export class Unreachable extends Error {}

/** Whether a failed call is worth trying again later rather than telling the person it failed. */
export function isUnreachable(err) {
  return err instanceof Unreachable || (err instanceof ApiError && (err.status === 502 || err.status === 503 || err.status === 504));
}

export async function api(path, options = {}) {
  const headers = { accept: 'application/json' };
  const tok = token();
  if (tok) headers.authorization = `Bearer ${tok}`;
  let body;
  if (options.raw !== undefined) {
    headers['content-type'] = options.raw.type;
    body = options.raw;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let res;
  try {
    res = await fetch(path, { method: options.method ?? 'GET', headers, body, cache: 'no-store' });
  } catch (err) {
    throw new Unreachable(err instanceof Error ? err.message : String(err));
  }
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, answer.error?.code ?? 'HTTP', answer.error?.message ?? `HTTP ${res.status}`);
  return answer;
}

/** Shows a sign-in box; resolves with the user once a code is accepted (or the last user when the gateway is out of reach). */
export async function signIn(container) {
  if (token()) {
    try {
      const user = (await api('/api/me')).user;
      localStorage.setItem(USER_KEY, JSON.stringify(user));
      return user;
    } catch (err) {
      if (isUnreachable(err) && localStorage.getItem(USER_KEY)) return JSON.parse(localStorage.getItem(USER_KEY));
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      forgetToken();
    }
  }
  return new Promise((resolve) => {
    const draw = (problem) =>
      render(
        html`<form class="login card" @submit=${submit}>
          <h2>${t('login.title')}</h2>
          <label>${t('login.token')} <input name="token" type="password" autocomplete="current-password" required /></label>
          <button type="submit" class="primary">${t('login.go')}</button>
          ${problem ? html`<p class="error">${problem}</p>` : nothing}
        </form>`,
        container,
      );
    async function submit(e) {
      e.preventDefault();
      localStorage.setItem(TOKEN_KEY, e.target.token.value.trim());
      try {
        const user = (await api('/api/me')).user;
        localStorage.setItem(USER_KEY, JSON.stringify(user));
        render(nothing, container);
        resolve(user);
      } catch (err) {
        forgetToken();
        draw(isUnreachable(err) ? t('offline') : t('login.bad'));
      }
    }
    draw(null);
  });
}

/** The user named in the header, drawn again after a language switch (its sign-out word changes). */
let shownUser = null;

export function showUser(user) {
  const who = document.getElementById('who');
  if (!who || !user) return;
  shownUser = user;
  const out = () => {
    forgetToken();
    location.reload();
  };
  render(html`<span class="name">${user.name}</span> <button type="button" class="link" @click=${out}>${t('logout')}</button>`, who);
}

/** How long the page waits before it opens the live stream again after it dropped. */
const RECONNECT_MS = 2000;

/**
 * Live changes from the gateway (server-sent events). An EventSource cannot send the sign-in code
 * in a header, and a code in the address would stay in the browser's history: the page asks for a
 * short-lived, single-use stream ticket with its code (POST /api/events/ticket) and opens the stream
 * with that. The browser would reconnect a dropped stream with the same (used) ticket, so the page
 * closes it and connects again with a new one. Every page that listens also shows, above
 * everything, an emergency alert that no channel could deliver.
 */
export function liveEvents(handlers) {
  let source = null;
  const again = () => setTimeout(() => void connect(), RECONNECT_MS);
  async function connect() {
    let url = '/api/events';
    if (token()) {
      try {
        url = `/api/events?ticket=${encodeURIComponent((await api('/api/events/ticket', { method: 'POST' })).ticket)}`;
      } catch {
        handlers.state?.(false);
        again();
        return;
      }
    }
    source = new EventSource(url);
    for (const [event, fn] of Object.entries(handlers)) {
      if (event === 'state') continue;
      source.addEventListener(event, (e) => fn(JSON.parse(e.data)));
    }
    source.addEventListener('alerts', (e) => showAlertHealth(JSON.parse(e.data)));
    source.addEventListener('open', () => {
      handlers.state?.(true);
      void loadAlertHealth();
    });
    source.addEventListener('error', () => {
      handlers.state?.(false);
      source.close();
      again();
    });
  }
  void connect();
}

/**
 * The CSV links (`/api/....csv`) download with the sign-in code in the header, as every other read:
 * a plain link could not carry it where the gateway guards reads (`http.readsNeedToken`).
 */
async function downloadCsv(e) {
  const link = e.target instanceof Element ? e.target.closest('a[href^="/api/"]') : null;
  if (!link || !/\.csv(\?|$)/.test(link.getAttribute('href'))) return;
  e.preventDefault();
  link.classList.remove('failed');
  try {
    const tok = token();
    const res = await fetch(link.getAttribute('href'), { headers: tok ? { authorization: `Bearer ${tok}` } : {}, cache: 'no-store' });
    if (!res.ok) {
      const answer = await res.json().catch(() => ({}));
      throw new Error(answer.error?.message ?? `HTTP ${res.status}`);
    }
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export.csv';
    const save = document.createElement('a');
    save.href = URL.createObjectURL(await res.blob());
    save.download = name;
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(save.href), 60_000);
  } catch (err) {
    link.classList.add('failed');
    link.title = `${t('error')}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

let alertHealth = { undelivered: [] };

async function loadAlertHealth() {
  try {
    showAlertHealth(await api('/api/alerts/health'));
  } catch {
    // The page's own banner already says the gateway is out of reach.
  }
}

/** The banner (`#notice`, outside the page's own view) naming each emergency that reached nobody, in words. */
export function showAlertHealth(health) {
  alertHealth = health;
  const box = document.getElementById('notice');
  if (!box) return;
  box.hidden = health.undelivered.length === 0;
  render(
    html`${health.undelivered.map((u) => {
      const channels = u.channels.map((c) => `${c.id}: ${c.error}`).join('; ');
      const since = localDateTime(u.since);
      const line =
        lang() === 'en'
          ? `⚠ Emergency alert reached nobody: ${u.number} ${bi(u.title)} (${u.where}). Every alert channel has failed since ${since} (${channels}).`
          : `⚠ 紧急告警未能送达任何人：${u.number} ${bi(u.title)}（${u.where}）。自 ${since} 起所有告警渠道均发送失败（${channels}）。`;
      return html`<p class="undelivered">${line} <strong>${t('undelivered.phone')}</strong></p>`;
    })}`,
    box,
  );
}

/** Redraws the banner in the page's language (after a language switch). */
export function redrawAlertHealth() {
  showAlertHealth(alertHealth);
}

/**
 * Keeps `tickets` (a Map by id) to the tickets of `query`, live: loaded whole, then changed by
 * `ticket` events, and loaded whole again after the stream comes back (what changed while it was
 * down was not streamed). The last list is kept in this browser, so a page opened while the
 * gateway is out of reach shows what was there. `onTicket(ticket, isNew)` runs for each streamed
 * change, `onConnection(up)` when the stream drops or returns; `rerender` after every change.
 */
export async function liveTickets({ tickets, query = 'status=open', rerender, onTicket, onConnection }) {
  const cacheKey = `gw.tickets.${location.pathname}`;
  // Up until the stream says otherwise: the first `open` needs no reload, one after a drop does.
  let connected = true;
  const load = async () => {
    try {
      const res = await api(`/api/tickets?${query}&order=desc&evidence=false&limit=5000`);
      tickets.clear();
      for (const tk of res.tickets) tickets.set(tk.id, tk);
      try {
        localStorage.setItem(cacheKey, JSON.stringify(res.tickets));
      } catch {
        // Storage full: the live list still works.
      }
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      if (tickets.size === 0) for (const tk of JSON.parse(localStorage.getItem(cacheKey) ?? '[]')) tickets.set(tk.id, tk);
    }
    rerender();
  };
  liveEvents({
    ticket: (tk) => {
      const isNew = !tickets.has(tk.id);
      tickets.set(tk.id, tk);
      onTicket?.(tk, isNew);
      rerender();
    },
    state: (up) => {
      if (up && !connected) void load();
      connected = up;
      onConnection?.(up);
      rerender();
    },
  });
  await load();
}

/** `T1 · B1 泵房`: building, then the place; the floor and the unit only when the place does not already say them. */
export function whereLine(ticket) {
  const l = ticket.location;
  const desc = lang() === 'en' && l.descriptionEn ? l.descriptionEn : l.description;
  const floor = desc.startsWith(l.floor) ? null : l.floor;
  const unit = l.unit && desc.startsWith(l.unit) ? null : l.unit;
  return [l.building, floor, unit, desc].filter(Boolean).join(' · ');
}

export function faultName(fault) {
  const key = `fault.${fault.startsWith('upstream:') ? 'device-offline' : fault}`;
  const word = t(key);
  return word === key ? fault : word;
}

const formats = new Map();
function fmt(options) {
  const key = `${lang()}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(lang(), { timeZone: document.body.dataset.tz || undefined, hourCycle: 'h23', ...options });
    formats.set(key, f);
  }
  return f;
}

/** `12:04` in the site's time zone (the page carries it), whatever zone the phone is set to. */
export function localClock(at) {
  return fmt({ hour: '2-digit', minute: '2-digit' }).format(new Date(at));
}

/** `11-27 12:04` in the site's time zone. */
export function localDateTime(at) {
  const p = Object.fromEntries(fmt({ month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** `12:04` when it is today at the site, `11-28 12:04` on another day: a deadline a day away must not read as today's. */
export function localWhen(at, now = Date.now()) {
  return localDate(at) === localDate(now) ? localClock(at) : localDateTime(at);
}

/** Today (or the day of `at`) as `YYYY-MM-DD` in the site's time zone. */
export function localDate(at = Date.now()) {
  const p = Object.fromEntries(fmt({ year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** A span in words: `3 分钟` / `1 小时 5 分钟` / `under 1 min`. */
export function spanWords(ms) {
  const min = Math.floor(Math.abs(ms) / 60_000);
  const en = lang() === 'en';
  if (min < 1) return en ? 'under 1 min' : '不到 1 分钟';
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (h === 0) return en ? `${m} min` : `${m} 分钟`;
  if (h >= 48) return en ? `${Math.floor(h / 24)} days` : `${Math.floor(h / 24)} 天`;
  return en ? `${h} h${m > 0 ? ` ${m} min` : ''}` : `${h} 小时${m > 0 ? ` ${m} 分钟` : ''}`;
}

/** `还有 3 小时` / `已逾期 2 小时 5 分钟`: how far a due time (ISO or epoch ms) is from now, in words. */
export function fromNow(at, now = Date.now()) {
  const ms = new Date(at).getTime() - now;
  return t(ms >= 0 ? 'rel.in' : 'rel.late', { d: spanWords(ms) });
}

/** `04:12` left or `-03:10` late, with hours when long: the counting part of a deadline. */
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

const STEPS = ['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy'];

/**
 * The ticket's deadlines as staff read them: a met one as met (`✓ 接单 12:04 按时` / `超时 3 分钟`),
 * the next open one counting down (`到场 12:30 前 · 还剩 04:12`, red once late), later ones by
 * their time (with the day when it is not today). `data-deadline` carries the instant for the
 * page's one-second tick. While storm mode pauses the ticket nothing counts: its deadlines move
 * when the storm ends. An on-site step skipped by a repair fixed without coming on site says so.
 */
export function deadlineChips(tk) {
  const ended = tk.status === 'closed' || tk.status === 'rejected';
  const paused = Boolean(tk.paused) && !ended;
  let counting = false;
  return html`<div class="countdowns">${STEPS.filter((k) => tk.steps?.[k]?.by ?? tk.deadlines[k]).map((k) => {
    const s = tk.steps?.[k] ?? { by: tk.deadlines[k], doneAt: null, owed: !ended };
    const label = t(`deadline.${k}`);
    if (!s.owed) {
      if (s.doneAt === null && k === 'onSiteBy' && tk.resolution?.offSite) return html`<span class="deadline met offsite" data-step=${k}>${label} — ${t('offsite.title')}</span>`;
      if (s.doneAt === null) return html`<span class="deadline met" data-step=${k}>✓ ${label}</span>`;
      const late = Date.parse(s.doneAt) - Date.parse(s.by);
      return html`<span class="deadline met ${late > 0 ? 'met-late' : ''}" data-step=${k}>✓ ${label} ${localWhen(s.doneAt)} ${late > 0 ? t('met.late', { m: spanWords(late) }) : t('met.onTime')}</span>`;
    }
    if (ended) return nothing;
    const first = !counting;
    counting = true;
    const by = `${label} ${t('due.by', { t: localWhen(s.by) })}`;
    if (paused) return html`<span class="deadline ${first ? 'next paused' : 'later'}" data-step=${k}>${by}${first ? html` · <b>${t('deadline.paused')}</b>` : nothing}</span>`;
    return html`<span class="deadline ${first ? 'next' : 'later'}" data-step=${k} data-deadline=${first ? s.by : ''}>${by}${first ? html` · <b class="left"></b>` : nothing}</span>`;
  })}</div>`;
}

/** Every second: the counting deadline's time left (or late) and its colour. */
export function tickDeadlines(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll('.deadline[data-deadline]:not([data-deadline=""])')) {
    const left = Date.parse(el.dataset.deadline) - now;
    const b = el.querySelector('b.left');
    if (b) b.textContent = left >= 0 ? t('left', { d: countdown(left) }) : t('overdue', { d: countdown(left).slice(1) });
    el.classList.toggle('late', left < 0);
    el.classList.toggle('soon', left >= 0 && left < 5 * 60_000);
  }
}

export function tierBadge(tk) {
  return html`<span class="tier ${tk.tier}">${t(`tier.${tk.tier}`)}</span>`;
}

export function statusBadge(tk) {
  return html`<span class="status ${tk.status}">${t(`status.${tk.status}`)}</span>`;
}

/** 巡检发现, 返修, 现场已核实, 待复查, 待回访, 暴雨暂停, the complexity: the facts beside the status. */
export function factBadges(tk) {
  return html`${tk.source === 'patrol' ? html`<span class="flag patrol">${t('source.patrol')}</span>` : nothing}
    ${tk.rework ? html`<span class="flag rework">${t('rework')}</span>` : nothing}
    ${tk.verification?.state === 'confirmed' ? html`<span class="flag verified">✓ ${t('verification.confirmed')}</span>` : nothing}
    ${tk.recheck?.state === 'due' ? html`<span class="flag recheck">${t('recheck.due')}</span>` : nothing}
    ${tk.callback?.state === 'due' && (tk.status === 'resolved' || tk.status === 'closed') ? html`<span class="flag callback">${t('callback.due')}</span>` : nothing}
    ${tk.paused ? html`<span class="flag paused" title=${tk.paused.reason}>${t('paused')}</span>` : nothing}
    ${tk.complexity ? html`<span class="flag complexity">${t('complexity')} ${t(`complexity.${tk.complexity}`)}</span>` : nothing}`;
}

/** Emergencies first, then newest first. */
export function byUrgency(a, b) {
  const rank = (x) => (x.tier === 'emergency' ? 0 : x.tier === 'general' ? 1 : 2);
  return rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt);
}

export const OPEN = new Set(['raised', 'acknowledged', 'dispatched', 'arrived', 'in_progress', 'on_hold', 'reopened']);

/**
 * Renders without moving what the person is looking at: the focused element (a reason being
 * typed) stays where it was on screen when cards are added or removed above it.
 */
export function renderKeepingPlace(template, container) {
  const focused = container.contains(document.activeElement) && document.activeElement !== document.body ? document.activeElement : null;
  const before = focused?.getBoundingClientRect().top;
  render(template, container);
  if (focused !== null && focused.isConnected && before !== undefined) {
    const moved = focused.getBoundingClientRect().top - before;
    if (moved !== 0) window.scrollBy(0, moved);
  }
}

/**
 * The order of a live list that does not move what a person is working on. While they hold it (a
 * box is open, a first tap is armed, or a field in the list has focus) the cards keep their order
 * and new ones join at the end, counted in `arrived` so the page can point to them; once they let
 * go the list is sorted again (emergencies first).
 */
export class StableOrder {
  #ids = [];
  /** Ids that joined below while the list was held. */
  arrived = new Set();

  order(items, compare, holding) {
    if (!holding) {
      const sorted = [...items].sort(compare);
      this.#ids = sorted.map((x) => x.id);
      this.arrived.clear();
      return sorted;
    }
    const byId = new Map(items.map((x) => [x.id, x]));
    const known = new Set(this.#ids);
    const kept = this.#ids.filter((id) => byId.has(id)).map((id) => byId.get(id));
    const fresh = items.filter((x) => !known.has(x.id)).sort(compare);
    for (const x of fresh) this.arrived.add(x.id);
    for (const id of this.arrived) if (!byId.has(id)) this.arrived.delete(id);
    this.#ids = [...kept, ...fresh].map((x) => x.id);
    return [...kept, ...fresh];
  }
}

/** Whether the person is typing in (or choosing from) a field inside `container`. */
export function typingIn(container) {
  const el = document.activeElement;
  return el !== null && container.contains(el) && el.matches('input, textarea, select');
}

/** A pill at the foot of the screen (it moves nothing) pointing to tickets that arrived below. */
export function arrivedBelow(order, container) {
  if (order.arrived.size === 0) return nothing;
  const go = () => container.querySelector(`[data-id="${CSS.escape([...order.arrived][0])}"]`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  return html`<button type="button" class="arrived-below" @click=${go}>${t('new.below', { n: order.arrived.size })}</button>`;
}

/** The banner a page shows while the gateway is out of reach, saying what still works. */
export function offlineBanner(connected) {
  if (connected) return nothing;
  return html`<p class="banner" role="status">${t('offline')}${offlineCapable ? nothing : html`<br /><small>${t('offline.nosw')}</small>`}</p>`;
}
