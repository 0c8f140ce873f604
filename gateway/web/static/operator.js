// Operator: devices with their last value and quality, adapters, outbox and sync (the /readyz data),
// shelving, and the monthly statistics with the ISA-18.2 yardsticks.
import { api, bi, esc, faultName, liveEvents, localTime, setupPage, showError, showUser, signIn, t } from './common.js';

const app = document.getElementById('app');
const devices = new Map();
let ready = null;
let shelves = [];
let stats = null;
let range = { from: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10), to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) };

const ago = (ms) => (ms === null || ms === undefined ? '-' : localTime(new Date(ms).toISOString()));
const pct = (x) => (x === null || x === undefined ? '-' : `${Math.round(x * 1000) / 10} %`);
const table = (head, rows) => `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
const counts = (title, obj, label = (k) => k) =>
  `<div class="stat"><h4>${esc(title)}</h4>${table(['', t('total')], Object.entries(obj).sort((a, b) => b[1] - a[1]).map(([k, v]) => `<tr><td>${esc(label(k))}</td><td>${v}</td></tr>`))}</div>`;

function value(p) {
  if (p.value === null) return '-';
  return typeof p.value === 'number' ? String(Math.round(p.value * 100) / 100) : String(p.value);
}

function devicesSection() {
  const rows = [...devices.values()].map((d) => `<tr data-device="${esc(d.id)}" class="${d.link?.state === 'bad' ? 'bad' : ''}">
    <td>${esc(d.name)}<br><span class="muted">${esc(d.id)} · ${esc(d.protocol)}</span></td>
    <td>${esc(d.location.building)} ${esc(d.location.floor)} ${esc(d.location.description)}</td>
    <td>${d.points.map((p) => `<span class="point q-${esc(p.quality)}" title="${esc(p.ts === null ? '' : localTime(new Date(p.ts).toISOString()))}">${esc(p.pointId)}=${esc(value(p))}</span>`).join(' ')}</td>
    <td>${esc(d.link?.state ?? '-')}${d.link?.lastError ? `<br><span class="muted">${esc(d.link.lastError)}</span>` : ''}</td></tr>`);
  return `<section><h2>${esc(t('devices'))}</h2>${table([t('devices'), t('where') ?? '', t('value'), t('state')], rows)}</section>`;
}

function healthSection() {
  if (ready === null) return '';
  const s = ready.sync;
  return `<section><h2 class="${ready.ready ? 'ok' : 'bad'}">${esc(t(ready.ready ? 'ready' : 'not.ready'))}</h2>
    ${ready.reasons.length > 0 ? `<ul class="reasons">${ready.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
    <h3>${esc(t('adapters'))}</h3>
    ${table([t('adapters'), t('state'), t('readings'), t('errors')], ready.adapters.map((a) => `<tr><td>${esc(a.kind)}</td><td>${esc(a.state)}${a.lastError ? `<br><span class="muted">${esc(a.lastError)}</span>` : ''}</td><td>${a.readings}</td><td>${esc(Object.entries(a.errors).map(([k, v]) => `${k}: ${v}`).join(', ') || '0')}</td></tr>`))}
    <h3>${esc(t('sync'))}</h3>
    <dl class="sync"><dt>${esc(t('state'))}</dt><dd>${esc(s.state)}</dd><dt>${esc(t('backlog'))}</dt><dd data-field="backlog">${s.backlog}</dd>
      <dt>${esc(t('oldest'))}</dt><dd>${s.oldestAgeMs === null ? '-' : `${Math.round(s.oldestAgeMs / 1000)} s`}</dd>
      <dt>${esc(t('last.success'))}</dt><dd>${esc(ago(s.lastSuccessAt))}</dd><dt>${esc(t('last.error'))}</dt><dd>${esc(ago(s.lastErrorAt))}${s.lastError ? ` ${esc(s.lastError)}` : ''}</dd>
      <dt>${esc(t('dead.letters'))}</dt><dd>${s.deadLetters}</dd></dl></section>`;
}

function shelvesSection() {
  const options = [...devices.values()].map((d) => `<option value="${esc(d.id)}">${esc(d.name)} (${esc(d.id)})</option>`).join('');
  return `<section><h2>${esc(t('shelves'))}</h2>
    ${table([t('devices'), t('fault'), t('until'), t('reason'), ''], shelves.map((s) => `<tr><td>${esc(s.deviceId)}</td><td>${esc(s.fault === '*' ? t('all.faults') : faultName(s.fault))}</td><td>${esc(localTime(new Date(s.until).toISOString()))}</td><td>${esc(s.reason)} <span class="muted">${esc(s.actor)}</span></td><td><button type="button" data-unshelve="${esc(s.id)}">${esc(t('unshelve'))}</button></td></tr>`))}
    <form id="shelve" class="inline"><select name="deviceId">${options}</select>
      <input name="fault" placeholder="${esc(t('all.faults'))}"><input name="minutes" type="number" min="1" max="10080" value="60" required> ${esc(t('minutes'))}
      <input name="reason" required placeholder="${esc(t('reason'))}"><button type="submit">${esc(t('shelve'))}</button></form></section>`;
}

function statsSection() {
  const head = `<form id="stats" class="inline">${esc(t('from'))} <input type="date" name="from" value="${esc(range.from)}"> ${esc(t('to'))} <input type="date" name="to" value="${esc(range.to)}">
    <button type="submit">${esc(t('show'))}</button> <a id="csv" href="/api/stats.csv?from=${esc(range.from)}T00:00:00Z&amp;to=${esc(range.to)}T00:00:00Z">${esc(t('csv'))}</a></form>`;
  if (stats === null) return `<section><h2>${esc(t('stats'))}</h2>${head}</section>`;
  const s = stats;
  const timeRow = (label, f) => `<tr><td>${esc(t(label))}</td><td>${f.count}</td><td>${f.medianMinutes === null ? '-' : `${f.medianMinutes} min`}</td><td>${pct(f.onTimeShare)}</td></tr>`;
  const fa = (rows, label) => table([label, t('decided'), t('rejected'), t('rate')], rows.map((r) => `<tr><td>${esc(r.key)}</td><td>${r.decided}</td><td>${r.rejected}</td><td>${pct(r.rate)}</td></tr>`));
  const a = s.alarmSystem;
  const y = a.yardsticks;
  return `<section id="stats-section"><h2>${esc(t('stats'))}</h2>${head}
    <p><strong>${esc(t('total'))}: <span data-field="total">${s.tickets.total}</span></strong></p>
    <div class="stats">${counts(t('by.fault'), s.tickets.byFault, faultName)}${counts(t('by.tier'), s.tickets.byTier, (k) => t(`tier.${k}`))}${counts(t('by.building'), s.tickets.byBuilding)}${counts(t('by.device'), s.tickets.byDevice)}</div>
    ${table(['', t('total'), t('median'), t('on.time')], [timeRow('time.ack', s.acknowledge), timeRow('time.confirm', s.confirm)])}
    <h3>${esc(t('false.alarms'))}</h3><div class="stats"><div class="stat">${fa(s.falseAlarms.byFault.map((r) => ({ ...r, key: faultName(r.key) })), t('fault'))}</div><div class="stat">${fa(s.falseAlarms.byDevice, t('devices'))}</div></div>
    <h3>${esc(t('alarm.health'))}</h3>
    ${table(['', t('value'), t('yardstick')], [
      `<tr><td>${esc(t('per10min'))}</td><td>${a.alarmsPer10Min}</td><td>${esc(bi(y.alarmsPer10Min.text))}</td></tr>`,
      `<tr><td>${esc(t('flood.share'))}</td><td>${pct(a.floodShare)}</td><td>${esc(bi(y.floodShare.text))}</td></tr>`,
      `<tr><td>${esc(t('chattering'))}</td><td>${a.chattering}</td><td>${esc(bi(y.chattering.text))}</td></tr>`,
      `<tr><td>${esc(t('stale'))}</td><td>${a.stale}</td><td>${esc(bi(y.stale.text))}</td></tr>`,
      `<tr><td>${esc(t('priority.mix'))}</td><td>${['emergency', 'general', 'low'].map((k) => `${esc(t(`tier.${k}`))} ${pct(a.priorityMix[k])}`).join(' / ')}</td><td>${esc(bi(y.priorityMix.text))}</td></tr>`,
    ])}</section>`;
}

function render() {
  app.innerHTML = `${healthSection()}${devicesSection()}${shelvesSection()}${statsSection()}`;
}

async function refresh() {
  const [dev, rz, sh] = await Promise.all([api('/api/devices'), fetch('/readyz').then((r) => r.json()), api('/api/shelves')]);
  for (const d of dev.devices) devices.set(d.id, d);
  ready = rz;
  shelves = sh.shelves;
}

async function loadStats() {
  stats = await api(`/api/stats?from=${range.from}T00:00:00Z&to=${range.to}T00:00:00Z`);
}

app.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target;
  try {
    if (f.id === 'stats') {
      range = { from: f.from.value, to: f.to.value };
      await loadStats();
    } else if (f.id === 'shelve') {
      const body = { deviceId: f.deviceId.value, minutes: Number(f.minutes.value), reason: f.reason.value.trim() };
      if (f.fault.value.trim() !== '') body.fault = f.fault.value.trim();
      await api('/api/shelves', { method: 'POST', body });
      await refresh();
    }
  } catch (err) {
    showError(app, err);
  }
  render();
});

app.addEventListener('click', async (e) => {
  const id = e.target.dataset?.unshelve;
  if (!id) return;
  try {
    await api(`/api/shelves/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await refresh();
  } catch (err) {
    showError(app, err);
  }
  render();
});

setupPage(render);
showUser(await signIn(app));
await Promise.all([refresh(), loadStats()]);
render();
// A form being filled in is not redrawn under the operator's fingers.
const typing = () => app.contains(document.activeElement) && document.activeElement.matches('input, select');
liveEvents({
  devices: (list) => {
    for (const d of list) devices.set(d.id, d);
    if (!typing()) render();
  },
});
setInterval(async () => {
  try {
    await refresh();
    if (!typing()) render();
  } catch (err) {
    showError(app, err);
  }
}, 5000);
