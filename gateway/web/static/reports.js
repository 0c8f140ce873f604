// Reports for the engineering supervisor: the daily (日报), weekly (周报, Monday to Monday) and monthly
// (月报) reports, each cut at the site's local midnight, as tables here and as CSV for the KPI sheets;
// for the supervisor and admin, the per-engineer figures of the month (人员考核).
import { renderKeepingPlace } from './list-view.js';
import { setupPage } from './page-shell.js';
import { api, showUser, signIn } from './session.js';
import { faultName, statusBadge, tierBadge } from './ticket-words.js';
import { localDate, localDateTime } from './time-words.js';
import { bi, t } from './words.js';
import { falseAlarmTables, groupTable, pct, procedureFigures, ratesList, skillName, stepsTable, table } from './kpi.js';
import { html, nothing } from './view.js';

const app = document.getElementById('app');
let date = localDate();
let weekDate = date;
let month = date.slice(0, 7);
let daily = null;
let weekly = null;
let monthly = null;
let engineers = null;
let problem = null;
/** The per-engineer figures are for appraisal: the supervisor's and the admin's only. */
let seesEngineers = false;

const rows = (list) =>
  list.length === 0
    ? html`<p class="muted">-</p>`
    : table(['', '', t('where'), t('state'), t('raised.at')], list.map((r) => html`<tr><td><a href="/tickets/${r.id}">${r.number}</a></td><td>${tierBadge(r)} ${bi(r.title)}</td><td>${r.building} ${r.where}</td><td>${statusBadge(r)}${r.assignee ? ` ${r.assignee}` : ''}</td><td>${localDateTime(r.createdAt)}</td></tr>`));

function dailySection() {
  const pick = (e) => {
    e.preventDefault();
    date = e.target.date.value;
    void load();
  };
  const d = daily;
  return html`<section id="daily"><h2>${t('report.daily')}</h2>
    <form class="inline" @submit=${pick}>${t('report.date')} <input type="date" name="date" value=${date} /> <button type="submit">${t('show')}</button>
      <a href="/api/reports/daily.csv?date=${date}">${t('csv')}</a></form>
    ${d === null ? nothing : html`${ratesList(d.stats)}<h3>${t('kpi')}</h3>${stepsTable(d.stats.steps)}
      <div class="stats"><div class="stat"><h4>${t('by.fault')}</h4>${table(['', t('total')], Object.entries(d.stats.tickets.byFault).map(([k, v]) => html`<tr><td>${faultName(k)}</td><td>${v}</td></tr>`))}</div></div>
      <h3>${t('report.overdue')}</h3>${rows(d.overdue)}
      <h3>${t('rechecks.due')}</h3>${rows(d.rechecksDue)}
      <h3>${t('callbacks.overdue')}</h3>${rows(d.callbacksOverdue)}
      <h3>${t('callbacks.due')}</h3>${rows(d.callbacksDue)}
      <h3>${t('report.open')}</h3>${rows(d.open)}`}
  </section>`;
}

const byDayTable = (byDay) =>
  table([t('report.date'), t('total'), t('tier.emergency')], Object.entries(byDay).sort().map(([k, v]) => html`<tr><td>${k}</td><td>${v.total}</td><td>${v.emergency}</td></tr>`));

function weeklySection() {
  const pick = (e) => {
    e.preventDefault();
    weekDate = e.target.date.value;
    void load();
  };
  const w = weekly;
  return html`<section id="weekly"><h2>${t('report.weekly')}</h2>
    <form class="inline" @submit=${pick}>${t('report.week')} <input type="date" name="date" value=${weekDate} /> <button type="submit">${t('show')}</button>
      <a href="/api/reports/weekly.csv?date=${weekDate}">${t('csv')}</a></form>
    ${w === null ? nothing : html`<p class="muted" data-field="week">${t('report.weekOf', { from: w.week, to: localDate(w.to - 1) })}</p>${gatewayLine(w.gateway, 'report.gateway.week')}${stormLine(w.storms)}${ratesList(w.stats)}<h3>${t('kpi')}</h3>${stepsTable(w.stats.steps)}${procedureFigures(w.stats)}
      ${groupTable(t('by.building'), w.stats.byBuilding)}
      <h3>${t('report.byDay')}</h3>${byDayTable(w.byDay)}`}
  </section>`;
}

/** 人员考核: per engineer, taken, on site on time (上门准时率), resolved on time, repeat repairs. */
function engineersSection() {
  if (!seesEngineers) return nothing;
  const rate = (f) => html`${f.onTime}/${f.due} <b>${pct(f.rate)}</b>${f.missed > 0 ? html` <span class="bad-text">${t('eng.missed', { n: f.missed })}</span>` : nothing}`;
  return html`<section id="engineers"><h2>${t('eng.title')} <small class="muted">${month}</small></h2>
    <p class="muted">${t('eng.note')} <a href="/api/reports/engineers.csv?month=${month}">${t('csv')}</a></p>
    ${engineers === null
      ? nothing
      : engineers.length === 0
        ? html`<p class="muted">-</p>`
        : table([t('eng.name'), t('eng.taken'), t('eng.onSite'), t('eng.resolved'), t('eng.repeats')], engineers.map((e) => html`<tr data-engineer=${e.userId ?? e.name}><td>${e.name}</td><td>${e.taken}</td><td data-field="onSite">${rate(e.onSite)}</td><td data-field="resolved">${rate(e.resolved)}</td><td>${e.repeats}</td></tr>`))}
  </section>`;
}

function monthlySection() {
  const pick = (e) => {
    e.preventDefault();
    month = e.target.month.value;
    void load();
  };
  const m = monthly;
  return html`<section id="monthly"><h2>${t('report.monthly')}</h2>
    <form class="inline" @submit=${pick}>${t('report.month')} <input type="month" name="month" value=${month} /> <button type="submit">${t('show')}</button>
      <a href="/api/reports/monthly.csv?month=${month}">${t('csv')}</a></form>
    ${m === null ? nothing : html`${gatewayLine(m.gateway)}${stormLine(m.storms)}${ratesList(m.stats)}<h3>${t('kpi')}</h3>${stepsTable(m.stats.steps)}${procedureFigures(m.stats)}
      ${groupTable(t('by.building'), m.stats.byBuilding)}${groupTable(t('by.skill'), m.stats.bySkill, skillName)}
      ${falseAlarmTables(m.stats)}
      <h3>${t('report.byDay')}</h3>${byDayTable(m.byDay)}`}
  </section>`;
}

// The gateway's own availability this month: a dead gateway raised nothing while it was down.
const gatewayLine = (g, words = 'report.gateway') =>
  g === null || g === undefined
    ? nothing
    : html`<p class="gateway-availability ${g.outages > 0 ? 'warn' : 'muted'}">${t(words, { up: g.percentUp, n: g.outages, longest: g.longestMinutes })}</p>`;

// Storm mode's hours: the on-time rates beside them leave the paused time out, and the page says so.
const stormLine = (s) => (s === undefined || s.count === 0 ? nothing : html`<p class="warn" data-field="storms">${t('report.storms', s)}</p>`);

function rerender() {
  renderKeepingPlace(html`${problem ? html`<p class="error" role="alert">${t('error')}: ${problem}</p>` : nothing}${dailySection()}${weeklySection()}${monthlySection()}${engineersSection()}`, app);
}

async function load() {
  try {
    [daily, weekly, monthly, engineers] = await Promise.all([
      api(`/api/reports/daily?date=${date}`),
      api(`/api/reports/weekly?date=${weekDate}`),
      api(`/api/reports/monthly?month=${month}`),
      seesEngineers ? api(`/api/reports/engineers?month=${month}`).then((r) => r.engineers) : null,
    ]);
    problem = null;
  } catch (err) {
    problem = err.message;
  }
  rerender();
}

setupPage(rerender);
const user = await signIn(app);
showUser(user);
seesEngineers = user.role === 'supervisor' || user.role === 'admin';
await load();
