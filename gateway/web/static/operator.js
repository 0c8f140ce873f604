// Operator: storm mode (on, off, when it ends), devices with their last value and quality, adapters,
// outbox and sync (the /readyz data), shelving, and the statistics of a range of local days with the
// ISA-18.2 yardsticks.
import { oncePerFrame, renderKeepingPlace } from './list-view.js';
import { liveEvents } from './live.js';
import { setupPage } from './page-shell.js';
import { api, showUser, signIn } from './session.js';
import { faultName } from './ticket-words.js';
import { localDate, localDateTime } from './time-words.js';
import { bi, stWord, t } from './words.js';
import { falseAlarmTables, groupTable, pct, ratesList, skillName, stepsTable, table } from './kpi.js';
import { stormSection } from './storm.js';
import { html, nothing, repeat } from './view.js';

const app = document.getElementById('app');
const devices = new Map();
let ready = null;
let shelves = [];
let stats = null;
let problem = null;
/** GET /api/storm: the storm mode on now (or null) and the past ones. */
let storm = null;
/** Staff names by id (who switched storm mode on). */
let people = {};
let user = null;
const today = localDate();
/** Local days, both included: the last 30 days by default. */
let range = { from: localDate(Date.now() - 29 * 86_400_000), to: today };

/** The day after a `YYYY-MM-DD` (calendar arithmetic): the range's end is the local midnight after its last day. */
const dayAfter = (d) => {
  const [y, m, dd] = d.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, dd + 1)).toISOString().slice(0, 10);
};
const query = () => `from=${range.from}&to=${dayAfter(range.to)}`;
const at = (ms) => (ms === null || ms === undefined ? '-' : localDateTime(ms));
const counts = (title, obj, label = (k) => k) =>
  html`<div class="stat"><h4>${title}</h4>${table(['', t('total')], Object.entries(obj).sort((a, b) => b[1] - a[1]).map(([k, v]) => html`<tr><td>${label(k)}</td><td>${v}</td></tr>`))}</div>`;

function value(p) {
  if (p.value === null) return '-';
  return typeof p.value === 'number' ? String(Math.round(p.value * 100) / 100) : String(p.value);
}

function devicesSection() {
  const rows = repeat(
    [...devices.values()],
    (d) => d.id,
    (d) => html`<tr data-device=${d.id} class=${d.link?.state === 'bad' ? 'bad' : ''}>
      <td>${d.name}<br /><span class="muted">${d.id} · ${d.protocol}</span></td>
      <td>${d.location.building} ${d.location.floor} ${d.location.description}</td>
      <td>${d.points.map((p) => html`<span class="point q-${p.quality}" title=${p.ts === null ? '' : `${localDateTime(p.ts)} · ${stWord(p.quality)}`}>${p.pointId}=${value(p)}</span> `)}</td>
      <td>${stWord(d.link?.state)}${d.link?.lastError ? html`<br /><span class="muted">${d.link.lastError}</span>` : nothing}</td></tr>`,
  );
  return html`<section><h2>${t('devices')}</h2>${table([t('devices'), t('where'), t('value'), t('state')], rows)}</section>`;
}

function healthSection() {
  if (ready === null) return nothing;
  const s = ready.sync;
  return html`<section><h2 class=${ready.ready ? 'ok' : 'bad'}>${t(ready.ready ? 'ready' : 'not.ready')}</h2>
    ${ready.reasons.length > 0 ? html`<ul class="reasons">${ready.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : nothing}
    <h3>${t('adapters')}</h3>
    ${table([t('adapters'), t('state'), t('readings'), t('errors')], ready.adapters.map((a) => html`<tr><td>${a.kind}</td><td>${stWord(a.state)}${a.lastError ? html`<br /><span class="muted">${a.lastError}</span>` : nothing}</td><td>${a.readings}</td><td>${Object.entries(a.errors).map(([k, v]) => `${k}: ${v}`).join(', ') || '0'}</td></tr>`))}
    <h3>${t('sync')}</h3>
    <dl class="sync"><dt>${t('state')}</dt><dd data-field="sync-state">${stWord(s.state)}</dd><dt>${t('backlog')}</dt><dd data-field="backlog">${s.backlog}</dd>
      <dt>${t('oldest')}</dt><dd>${s.oldestAgeMs === null ? '-' : `${Math.round(s.oldestAgeMs / 1000)} s`}</dd>
      <dt>${t('last.success')}</dt><dd>${at(s.lastSuccessAt)}</dd><dt>${t('last.error')}</dt><dd>${at(s.lastErrorAt)}${s.lastError ? ` ${s.lastError}` : ''}</dd>
      <dt>${t('dead.letters')}</dt><dd>${s.deadLetters}</dd></dl></section>`;
}

function shelvesSection() {
  const unshelve = (sid) => act(async () => {
    await api(`/api/shelves/${encodeURIComponent(sid)}`, { method: 'DELETE' });
    await refresh();
  });
  const shelve = (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { deviceId: f.deviceId.value, minutes: Number(f.minutes.value), reason: f.reason.value.trim() };
    if (f.fault.value.trim() !== '') body.fault = f.fault.value.trim();
    void act(async () => {
      await api('/api/shelves', { method: 'POST', body });
      f.reset();
      await refresh();
    });
  };
  return html`<section><h2>${t('shelves')}</h2>
    ${table([t('devices'), t('fault'), t('until'), t('reason'), ''], shelves.map((s) => html`<tr><td>${s.deviceId}</td><td>${s.fault === '*' ? t('all.faults') : faultName(s.fault)}</td><td>${localDateTime(s.until)}</td><td>${s.reason} <span class="muted">${s.actor}</span></td><td><button type="button" @click=${() => unshelve(s.id)}>${t('unshelve')}</button></td></tr>`))}
    <form id="shelve" class="inline" @submit=${shelve}><select name="deviceId">${[...devices.values()].map((d) => html`<option value=${d.id}>${d.name} (${d.id})</option>`)}</select>
      <input name="fault" placeholder=${t('all.faults')} /><input name="minutes" type="number" min="1" max="10080" value="60" required /> ${t('minutes')}
      <input name="reason" required placeholder=${t('reason')} /><button type="submit">${t('shelve')}</button></form></section>`;
}

function statsSection() {
  const show = (e) => {
    e.preventDefault();
    range = { from: e.target.from.value, to: e.target.to.value };
    void act(loadStats);
  };
  const head = html`<form id="stats" class="inline" @submit=${show}>${t('from')} <input type="date" name="from" value=${range.from} /> ${t('to')} <input type="date" name="to" value=${range.to} />
    <button type="submit">${t('show')}</button> <a id="csv" href="/api/stats.csv?${query()}">${t('csv')}</a> <a href="/reports">${t('page.reports')}</a></form>`;
  if (stats === null) return html`<section><h2>${t('stats')}</h2>${head}</section>`;
  const s = stats;
  const a = s.alarmSystem;
  const y = a.yardsticks;
  return html`<section id="stats-section"><h2>${t('stats')}</h2>${head}
    ${ratesList(s)}
    <h3>${t('kpi')}</h3>${stepsTable(s.steps)}
    ${table(['', t('total'), t('median'), t('on.time')], [html`<tr><td>${t('time.confirm')}</td><td>${s.confirm.count}</td><td>${s.confirm.medianMinutes === null ? '-' : `${s.confirm.medianMinutes} min`}</td><td>${pct(s.confirm.onTimeShare)}</td></tr>`])}
    <div class="stats">${counts(t('by.fault'), s.tickets.byFault, faultName)}${counts(t('by.tier'), s.tickets.byTier, (k) => t(`tier.${k}`))}${counts(t('by.building'), s.tickets.byBuilding)}${counts(t('by.device'), s.tickets.byDevice)}</div>
    ${groupTable(t('by.building'), s.byBuilding)}${groupTable(t('by.skill'), s.bySkill, skillName)}
    ${falseAlarmTables(s)}
    <h3>${t('alarm.health')}</h3>
    ${table(['', t('value'), t('yardstick')], [
      html`<tr><td>${t('per10min')}</td><td>${a.alarmsPer10Min}</td><td>${bi(y.alarmsPer10Min.text)}</td></tr>`,
      html`<tr><td>${t('flood.share')}</td><td>${pct(a.floodShare)}</td><td>${bi(y.floodShare.text)}</td></tr>`,
      html`<tr><td>${t('chattering')}</td><td>${a.chattering}</td><td>${bi(y.chattering.text)}</td></tr>`,
      html`<tr><td>${t('stale')}</td><td>${a.stale}</td><td>${bi(y.stale.text)}</td></tr>`,
      html`<tr><td>${t('priority.mix')}</td><td>${['emergency', 'general', 'low'].map((k) => `${t(`tier.${k}`)} ${pct(a.priorityMix[k])}`).join(' / ')}</td><td>${bi(y.priorityMix.text)}</td></tr>`,
    ])}</section>`;
}

/** Storm mode is switched by a supervisor or an operator (or the admin). */
const maySwitchStorm = () => user !== null && ['supervisor', 'operator', 'admin'].includes(user.role);

function storms() {
  const buildings = [...new Set([...devices.values()].map((d) => d.location.building))].sort();
  const begin = (body, done) =>
    act(async () => {
      await api('/api/storm', { method: 'POST', body });
      done();
      await refresh();
    });
  const end = () =>
    act(async () => {
      await api('/api/storm', { method: 'DELETE' });
      await refresh();
    });
  return stormSection({ view: storm, buildings, people, canSwitch: maySwitchStorm(), begin, end });
}

function rerender() {
  renderKeepingPlace(html`${problem ? html`<p class="error" role="alert">${t('error')}: ${problem} <button type="button" class="link" @click=${() => { problem = null; rerender(); }}>${t('act.dismiss')}</button></p>` : nothing}
    ${storms()}${healthSection()}${devicesSection()}${shelvesSection()}${statsSection()}`, app);
}

/** Runs an operator's request; a failure stays on the page until dismissed. */
async function act(fn) {
  try {
    await fn();
  } catch (err) {
    problem = err.message;
  }
  rerender();
}

async function refresh() {
  const [dev, rz, sh, st] = await Promise.all([api('/api/devices'), fetch('/readyz', { cache: 'no-store' }).then((r) => r.json()), api('/api/shelves'), api('/api/storm')]);
  for (const d of dev.devices) devices.set(d.id, d);
  ready = rz;
  shelves = sh.shelves;
  storm = st;
}

async function loadStats() {
  stats = await api(`/api/stats?${query()}`);
}

setupPage(rerender);
user = await signIn(app);
showUser(user);
await act(() => Promise.all([refresh(), loadStats(), api('/api/people').then((r) => { people = r.people; })]));
// The devices and the gateway's own state (readiness, shelves, storm mode) come on the stream and
// redraw once a frame; the whole picture is loaded again when the stream comes back after a drop.
const redraw = oncePerFrame(rerender);
let streamUp = true;
liveEvents({
  // Each changed device's changed points and its link: merged into the device the page loaded.
  devices: (changes) => {
    for (const c of changes) {
      const d = devices.get(c.id);
      if (d === undefined) continue;
      const changed = new Map(c.points.map((p) => [p.pointId, p]));
      devices.set(c.id, { ...d, points: d.points.map((p) => changed.get(p.pointId) ?? p), link: c.link });
    }
    redraw();
  },
  sync: (state) => {
    ready = state.ready;
    shelves = state.shelves;
    storm = state.storm;
    redraw();
  },
  state: (up) => {
    if (up && !streamUp) void act(refresh);
    streamUp = up;
  },
});
