// Reports for the engineering supervisor: the daily report (日报) and the monthly report (月报), each
// cut at the site's local midnight, as tables here and as CSV for the KPI sheets.
import { api, bi, faultName, localDate, localDateTime, renderKeepingPlace, setupPage, showUser, signIn, statusBadge, t, tierBadge } from './common.js';
import { falseAlarmTables, groupTable, ratesList, skillName, stepsTable, table } from './kpi.js';
import { html, nothing } from './view.js';

const app = document.getElementById('app');
let date = localDate();
let month = date.slice(0, 7);
let daily = null;
let monthly = null;
let problem = null;

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
      <h3>${t('report.open')}</h3>${rows(d.open)}`}
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
    ${m === null ? nothing : html`${gatewayLine(m.gateway)}${ratesList(m.stats)}<h3>${t('kpi')}</h3>${stepsTable(m.stats.steps)}
      ${groupTable(t('by.building'), m.stats.byBuilding)}${groupTable(t('by.skill'), m.stats.bySkill, skillName)}
      ${falseAlarmTables(m.stats)}
      <h3>${t('report.byDay')}</h3>${table([t('report.date'), t('total'), t('tier.emergency')], Object.entries(m.byDay).sort().map(([k, v]) => html`<tr><td>${k}</td><td>${v.total}</td><td>${v.emergency}</td></tr>`))}`}
  </section>`;
}

// The gateway's own availability this month: a dead gateway raised nothing while it was down.
const gatewayLine = (g) =>
  g === null || g === undefined
    ? nothing
    : html`<p id="gateway-availability" class=${g.outages > 0 ? 'warn' : 'muted'}>${t('report.gateway', { up: g.percentUp, n: g.outages, longest: g.longestMinutes })}</p>`;

function rerender() {
  renderKeepingPlace(html`${problem ? html`<p class="error" role="alert">${t('error')}: ${problem}</p>` : nothing}${dailySection()}${monthlySection()}`, app);
}

async function load() {
  try {
    [daily, monthly] = await Promise.all([api(`/api/reports/daily?date=${date}`), api(`/api/reports/monthly?month=${month}`)]);
    problem = null;
  } catch (err) {
    problem = err.message;
  }
  rerender();
}

setupPage(rerender);
showUser(await signIn(app));
await load();
