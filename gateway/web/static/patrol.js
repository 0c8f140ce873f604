// Patrol (phone): verify open tickets of my buildings on site (confirm in two taps, or a false alarm
// with a reason), re-check resolved public-area repairs, and report a fault found on the round
// with photos. Live; what is tapped while the gateway is out of reach waits and is sent after.
import { actionNotes, newId } from './actions.js';
import { StableOrder, arrivedBelow, renderKeepingPlace } from './list-view.js';
import { liveTickets, offlineBanner } from './live.js';
import { setupPage } from './page-shell.js';
import { api, showUser, signIn } from './session.js';
import { OPEN, byUrgency, deadlineChips, factBadges, faultName, statusBadge, tierBadge, whereLine } from './ticket-words.js';
import { localDateTime } from './time-words.js';
import { bi, t } from './words.js';
import { photoPicker } from './photos.js';
import { holdingList, listSteps, recheckKey, recheckSteps, verifySteps } from './steps.js';
import { html, nothing, repeat } from './view.js';

const app = document.getElementById('app');
const TAB_KEY = 'gw.patrol.tab';
const tickets = new Map();
let user = null;
/** The live stream is up; the banner shows only once it has failed, not while the page opens. */
let connected = true;
let tab = localStorage.getItem(TAB_KEY) ?? 'verify';
let devices = [];
let faults = [];
const report = { photos: [], problem: null };

const ctx = listSteps(tickets, () => rerender());
const { queue } = ctx;
const verifyOrder = new StableOrder();
const recheckOrder = new StableOrder();
const verifyActions = (tk) => verifySteps(tk, ctx);
const recheckActions = (tk) => recheckSteps(tk, ctx);

const inMyBuildings = (tk) => user.buildings.length === 0 || user.buildings.includes(tk.location.building);
const toVerify = (tk) => tk.kind === 'fault' && inMyBuildings(tk) && (OPEN.has(tk.status) || queue.at(tk.id).length > 0);
const toRecheck = (tk) => inMyBuildings(tk) && ((tk.status === 'resolved' && tk.recheck?.state === 'due') || queue.at(recheckKey(tk)).length > 0);

function card(tk, actions, key) {
  return html`<li class="ticket card ${tk.tier}" data-id=${tk.id} data-number=${tk.number}>
    <div class="row">${tierBadge(tk)} <strong>${faultName(tk.fault)}</strong> ${statusBadge(tk)} ${factBadges(tk)}</div>
    <div class="title"><a href="/tickets/${tk.id}">${bi(tk.title)}</a></div>
    <div class="where"><span class="pin" aria-hidden="true"></span>${whereLine(tk)}</div>
    <div class="muted">${tk.number} · ${t('raised.at')} ${localDateTime(tk.createdAt)}${tk.assignee ? ` · ${t('taken.by')} ${tk.assignee}` : ''}</div>
    ${key === tk.id ? deadlineChips(tk) : nothing}
    ${actionNotes(queue, key)}
    ${actions(tk)}
  </li>`;
}

function reportForm() {
  const submit = (e) => {
    e.preventDefault();
    const f = e.target;
    // The report's own id: sent again after a reply lost to a restart, it finds the ticket already raised.
    const body = { fault: f.fault.value, publicArea: f.area.value === 'public', tier: f.tier.value, clientRef: newId() };
    if (f.deviceId.value) body.deviceId = f.deviceId.value;
    else if (f.building.value.trim() && f.floor.value.trim() && f.spot.value.trim()) body.place = { building: f.building.value.trim(), floor: f.floor.value.trim(), description: f.spot.value.trim() };
    const words = f.what.value.trim();
    if (words) body.faultText = words;
    report.problem = !body.deviceId && !body.place ? t('report.need.place') : report.photos.length === 0 ? t('report.need.photo') : body.fault === 'other' && !words ? t('report.other') : null;
    if (report.problem === null) {
      queue.add({ key: 'report', path: '/api/tickets', body, label: t('report.title'), photos: report.photos.splice(0) });
      f.reset();
    }
    rerender();
  };
  const mine = devices.filter((d) => user.buildings.length === 0 || user.buildings.includes(d.location.building));
  return html`<form class="card report" @submit=${submit}>
    <h2>${t('report.title')}</h2>
    ${actionNotes(queue, 'report')}
    <label>${t('report.device')}<select name="deviceId"><option value="">${t('report.none')}</option>${mine.map((d) => html`<option value=${d.id}>${d.name} · ${d.location.building} ${d.location.description}</option>`)}</select></label>
    <fieldset><legend>${t('report.place')}</legend>
      <div class="place"><input name="building" placeholder=${t('report.building')} size="4" value=${user.buildings.length === 1 ? user.buildings[0] : ''} /><input name="floor" placeholder=${t('report.floor')} size="4" /><input name="spot" placeholder=${t('report.spot')} /></div></fieldset>
    <label>${t('report.fault')}<select name="fault">${faults.map((f) => html`<option value=${f.id}>${bi(f.name)}</option>`)}</select></label>
    <label>${t('report.what')}<input name="what" maxlength="200" /></label>
    <div class="choice"><span>${t('report.area')}</span>
      <label><input type="radio" name="area" value="public" checked /> ${t('report.public')}</label>
      <label><input type="radio" name="area" value="unit" /> ${t('report.unit')}</label></div>
    <div class="choice"><span>${t('report.tier')}</span>${['general', 'emergency', 'low'].map((k) => html`<label><input type="radio" name="tier" value=${k} ?checked=${k === 'general'} /> ${t(`tier.${k}`)}</label>`)}</div>
    <div>${t('report.photos')}</div>
    ${photoPicker(report.photos, () => {
      report.problem = null;
      rerender();
    })}
    ${report.problem ? html`<p class="error" role="alert">${report.problem}</p>` : nothing}
    <div class="actions"><button type="submit" class="primary">${t('report.send')}</button></div>
  </form>`;
}

function rerender() {
  if (user === null) return;
  // What the patrol is working on stays where it is while new tickets arrive.
  const holding = holdingList(ctx, app);
  const verify = verifyOrder.order([...tickets.values()].filter(toVerify), byUrgency, holding);
  const recheck = recheckOrder.order([...tickets.values()].filter(toRecheck), (a, b) => (a.recheck?.dueBy ?? '').localeCompare(b.recheck?.dueBy ?? ''), holding);
  const go = (name) => () => {
    tab = name;
    localStorage.setItem(TAB_KEY, name);
    rerender();
  };
  const tabButton = (name, n) => html`<button type="button" role="tab" class="tab ${tab === name ? 'on' : ''}" aria-selected=${tab === name ? 'true' : 'false'} data-tab=${name} @click=${go(name)}>${t(`tab.${name}`)}${n === null ? '' : ` ${n}`}</button>`;
  const list = (items, actions, keyOf, empty) =>
    items.length === 0 ? html`<p class="muted empty">${t(empty)}</p>` : html`<ul class="tickets">${repeat(items, (tk) => tk.id, (tk) => card(tk, actions, keyOf(tk)))}</ul>`;
  renderKeepingPlace(
    html`${offlineBanner(connected)}
      <nav class="tabs" role="tablist">${tabButton('verify', verify.length)}${tabButton('recheck', recheck.length)}${tabButton('report', null)}</nav>
      <section ?hidden=${tab !== 'verify'}>${list(verify, verifyActions, (tk) => tk.id, 'no.tickets')}</section>
      <section ?hidden=${tab !== 'recheck'}>${list(recheck, recheckActions, recheckKey, 'no.rechecks')}</section>
      <section ?hidden=${tab !== 'report'}>${reportForm()}</section>
      ${tab === 'verify' ? arrivedBelow(verifyOrder, app) : tab === 'recheck' ? arrivedBelow(recheckOrder, app) : nothing}`,
    app,
  );
}

setupPage(rerender);
user = await signIn(app);
showUser(user);
// The counting deadlines, redrawn through the page's one update path every second.
setInterval(rerender, 1000);
// The report form's lists, kept in this browser so the form works while the gateway is out of reach.
const LISTS_KEY = 'gw.patrol.lists';
({ devices, faults } = JSON.parse(localStorage.getItem(LISTS_KEY) ?? '{"devices":[],"faults":[]}'));
void Promise.all([api('/api/devices'), api('/api/patrol/faults')])
  .then(([d, f]) => {
    devices = d.devices.map((x) => ({ id: x.id, name: x.name, location: x.location }));
    faults = f.faults;
    localStorage.setItem(LISTS_KEY, JSON.stringify({ devices, faults }));
    rerender();
  })
  .catch(() => undefined);
await liveTickets({
  tickets,
  query: 'status=open,recheck',
  rerender,
  onConnection: (up) => {
    connected = up;
    if (up) queue.online();
  },
});
