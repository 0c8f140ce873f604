// One ticket (the link in every alert): what, where, deadlines, evidence, history, and the steps my role may take.
import { evidenceChart } from './chart.js';
import { api, bi, countdown, esc, faultName, liveEvents, localTime, setupPage, showError, showUser, signIn, statusBadge, t, tierBadge, whereLine } from './common.js';

const app = document.getElementById('app');
const id = decodeURIComponent(location.pathname.split('/').pop());
let ticket = null;
/** An archived ticket (closed a while ago) is read-only: no note form. */
let archived = false;
let user = null;

const STEPS = {
  ack: { roles: ['engineer', 'admin'], when: ['raised'], label: 'ack' },
  confirm: { roles: ['patrol', 'admin'], when: ['raised', 'acknowledged'], label: 'confirm' },
  reject: { roles: ['patrol', 'admin'], when: ['raised', 'acknowledged'], label: 'reject' },
};

function render() {
  if (ticket === null || user === null) return;
  const tk = ticket;
  const deadlines = Object.entries(tk.deadlines).filter(([, v]) => v !== null);
  const steps = Object.entries(STEPS).filter(([, s]) => s.roles.includes(user.role) && s.when.includes(tk.status));
  app.innerHTML = `<article class="card ${esc(tk.tier)}" data-id="${esc(tk.id)}">
    <div class="row">${tierBadge(tk)} <strong>${esc(faultName(tk.fault))}</strong> ${statusBadge(tk)}</div>
    <h2>${esc(tk.number)} ${esc(bi(tk.title))}</h2>
    <p>${esc(bi(tk.description))}</p>
    <p class="where">📍 ${esc(whereLine(tk))}</p>
    <div class="countdowns">${deadlines.map(([k, v]) => `<span class="countdown" data-deadline="${esc(v)}">${esc(t(`deadline.${k}`))} <b></b></span>`).join(' ')}</div>
    <div class="actions">${steps.map(([k, s]) => `<button type="button" class="${k === 'reject' ? 'danger' : 'primary'}" data-act="${k}">${esc(t(s.label))}</button>`).join('')}
      <input class="reason" maxlength="1000" placeholder="${esc(t('reject.reason'))}" ${steps.some(([k]) => k === 'reject') ? '' : 'hidden'}></div>
    <h3>${esc(t('evidence'))}</h3>${evidenceChart(tk) || '<p class="muted">-</p>'}
    <h3>${esc(t('history'))}</h3>
    <ol class="history">${tk.history.map((h) => `<li><time>${esc(localTime(h.at))}</time> ${esc(h.actor)} · ${esc(h.status ? t(`status.${h.status}`) : h.action)}${h.note ? ` — ${esc(h.note)}` : ''}</li>`).join('')}</ol>
    ${archived ? `<p class="muted archived">${esc(t('archived'))}</p>` : `<form class="note"><input name="note" maxlength="1000" placeholder="${esc(t('add.note'))}"><button type="submit">${esc(t('send'))}</button></form>`}
  </article>`;
  tick();
}

function tick() {
  for (const el of document.querySelectorAll('.countdown')) {
    const left = Date.parse(el.dataset.deadline) - Date.now();
    el.querySelector('b').textContent = countdown(left);
    el.classList.toggle('late', left < 0);
  }
}

app.addEventListener('click', async (e) => {
  const button = e.target.closest('button[data-act]');
  if (!button) return;
  const act = button.dataset.act;
  const body = {};
  if (act === 'reject') {
    const reason = app.querySelector('input.reason').value.trim();
    if (reason === '') return app.querySelector('input.reason').focus();
    body.reason = reason;
  }
  try {
    ticket = (await api(`/api/tickets/${encodeURIComponent(id)}/${act}`, { method: 'POST', body })).ticket;
  } catch (err) {
    showError(app, err);
  }
  render();
});

app.addEventListener('submit', async (e) => {
  e.preventDefault();
  const note = e.target.note.value.trim();
  if (note === '') return;
  try {
    ticket = (await api(`/api/tickets/${encodeURIComponent(id)}/notes`, { method: 'POST', body: { note } })).ticket;
  } catch (err) {
    showError(app, err);
  }
  render();
});

setupPage(render);
user = await signIn(app);
showUser(user);
setInterval(tick, 1000);
liveEvents({
  ticket: async (tk) => {
    // Events leave the evidence out; fetch the whole ticket when ours changed.
    if (tk.id === id) await load();
    render();
  },
});
async function load() {
  const body = await api(`/api/tickets/${encodeURIComponent(id)}`);
  ticket = body.ticket;
  archived = body.archived === true;
}

try {
  await load();
  render();
} catch (err) {
  app.innerHTML = '';
  showError(app, err);
}
