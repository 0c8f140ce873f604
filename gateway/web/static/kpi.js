// The KPI tables the operator and the reports pages share: each step against its deadline, rates, groups.
import { faultName } from './ticket-words.js';
import { t } from './words.js';
import { html } from './view.js';

export const pct = (x) => (x === null || x === undefined ? '-' : `${Math.round(x * 1000) / 10} %`);
const mins = (m) => (m === null || m === undefined ? '-' : `${m} min`);

export function table(head, rows) {
  return html`<table><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** 接单 / 派单 / 到场 / 完成: done, on time, on-time rate, median and 90th percentile, overdue. */
export function stepsTable(steps) {
  const row = (k, f) => html`<tr data-step=${k}><td>${t(`deadline.${k}By`)}</td><td>${f.count}</td><td>${f.onTime}</td><td>${pct(f.onTimeShare)}</td><td>${mins(f.medianMinutes)}</td><td>${mins(f.p90Minutes)}</td><td class=${f.overdue > 0 ? 'bad' : ''}>${f.overdue}</td></tr>`;
  return table(
    [t('kpi.step'), t('kpi.done'), t('kpi.onTime'), t('kpi.rate'), t('kpi.median'), t('kpi.p90'), t('kpi.overdue')],
    ['acknowledge', 'dispatch', 'onSite', 'resolve'].map((k) => row(k, steps[k])),
  );
}

/** Completion, repeat-repair and re-check figures in one line each. */
export function ratesList(s) {
  return html`<dl class="rates">
    <dt>${t('total')}</dt><dd data-field="total">${s.tickets.total}</dd>
    <dt>${t('completion')}</dt><dd data-field="completion">${pct(s.completionRate)}</dd>
    <dt>${t('repeat.rate')}</dt><dd data-field="repeat">${pct(s.repeatRate)}</dd>
    <dt>${t('rechecks')}</dt><dd>${t('recheck.passed')} ${s.rechecks.passed} · ${t('recheck.failed')} ${s.rechecks.failed} · ${t('rechecks.due')} ${s.rechecks.due} · ${t('rechecks.overdue')} ${s.rechecks.overdue}</dd>
  </dl>`;
}

/** The figures the repair procedures ask for: callbacks, satisfaction, first-time fix, re-tiers, off-site repairs, storm pauses. */
export function procedureFigures(s) {
  const c = s.callbacks;
  return html`<h3>${t('proc.title')}</h3><dl class="rates" data-field="procedures">
    <dt>${t('proc.callback')}</dt><dd data-field="callbackRate"><b>${pct(c.rate)}</b> ${t('proc.callback.detail', c)}</dd>
    <dt>${t('proc.satisfaction')}</dt><dd data-field="satisfaction"><b class=${c.satisfaction.share !== null && c.satisfaction.share < 0.9 ? 'bad-text' : ''}>${pct(c.satisfaction.share)}</b> ${t('proc.satisfaction.detail', c.satisfaction)}</dd>
    <dt>${t('proc.firstTime')}</dt><dd data-field="firstTimeFix"><b>${pct(s.firstTimeFix.rate)}</b> ${t('proc.firstTime.detail', s.firstTimeFix)}</dd>
    <dt>${t('proc.retiered')}</dt><dd data-field="retiered">${s.retiered}</dd>
    <dt>${t('proc.offSite')}</dt><dd data-field="offSite">${s.offSite}</dd>
    <dt>${t('proc.paused')}</dt><dd data-field="paused">${t('proc.paused.detail', s.paused)}</dd>
  </dl>`;
}

/** By building or by trade: tickets, completion and each step's on-time rate. */
export function groupTable(title, groups, label = (k) => k) {
  return html`<h3>${title}</h3>${table(
    ['', t('total'), t('completion'), ...['acknowledge', 'dispatch', 'onSite', 'resolve'].map((k) => `${t(`deadline.${k}By`)} ${t('kpi.rate')}`)],
    Object.entries(groups).map(([k, g]) => html`<tr><td>${label(k)}</td><td>${g.total}</td><td>${pct(g.completionRate)}</td>${['acknowledge', 'dispatch', 'onSite', 'resolve'].map((s) => html`<td>${pct(g.steps[s].onTimeShare)}</td>`)}</tr>`),
  )}`;
}

export function falseAlarmTables(s) {
  const fa = (rows, label) => table([label, t('decided'), t('rejected'), t('rate')], rows.map((r) => html`<tr><td>${r.key}</td><td>${r.decided}</td><td>${r.rejected}</td><td>${pct(r.rate)}</td></tr>`));
  return html`<h3>${t('false.alarms')}</h3><div class="stats"><div class="stat">${fa(s.falseAlarms.byFault.map((r) => ({ ...r, key: faultName(r.key) })), t('fault'))}</div><div class="stat">${fa(s.falseAlarms.byDevice, t('devices'))}</div></div>`;
}

export const skillName = (k) => t(`skill.${k}`);
