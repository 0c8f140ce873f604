// Who is signed in and how the page talks to the gateway: the sign-in code, API calls and their errors, CSV downloads.
import { html, nothing, render } from './view.js';
import { t } from './words.js';

const TOKEN_KEY = 'gw.token';
const USER_KEY = 'gw.user';

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

/**
 * The CSV links (`/api/....csv`) download with the sign-in code in the header, as every other read:
 * a plain link could not carry it where the gateway guards reads (`http.readsNeedToken`).
 */
export async function downloadCsv(e) {
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

/** Draws the header's user again (after a language switch: its sign-out word changes). */
export function redrawUser() {
  showUser(shownUser);
}
