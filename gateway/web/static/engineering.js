// Engineering: live alerts with a sound for emergencies, deadline countdowns that turn red, acknowledge, evidence chart.
import { evidenceChart } from './chart.js';
import { api, bi, byUrgency, countdown, esc, faultName, liveTickets, localTime, OPEN, setupPage, showError, showUser, signIn, statusBadge, t, tierBadge, whereLine } from './common.js';

const app = document.getElementById('app');
const tickets = new Map();
const details = new Map();
const open = new Set();
let connected = true;
let sound = localStorage.getItem('gw.sound') === 'on';
let audio = null;

function beep() {
  if (!sound) return;
  audio ??= new AudioContext();
  for (const [i, f] of [880, 660, 880].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = f;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + i * 0.25);
    osc.stop(audio.currentTime + i * 0.25 + 0.2);
  }
}

const DEADLINES = ['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy'];

function countdowns(tk) {
  return DEADLINES.filter((k) => tk.deadlines[k] !== null)
    .map((k) => `<span class="countdown" data-deadline="${esc(tk.deadlines[k])}" data-kind="${k}">${esc(t(`deadline.${k}`))} <b></b></span>`)
    .join(' ');
}

function card(tk) {
  const escalated = tk.history.filter((h) => h.action === 'escalated');
  const detail = details.get(tk.id);
  return `<li class="ticket card ${esc(tk.tier)}" data-id="${esc(tk.id)}" data-number="${esc(tk.number)}">
    <div class="row">${tierBadge(tk)} <strong>${esc(faultName(tk.fault))}</strong> ${statusBadge(tk)}
      ${tk.chattering ? `<span class="flag">${esc(t('chattering'))}</span>` : ''}
      ${escalated.length > 0 ? `<span class="flag escalated" title="${esc(escalated.at(-1).note ?? '')}">${esc(t('escalated'))} ×${escalated.length}</span>` : ''}
      ${tk.occurrences.length > 1 ? `<span class="muted">${tk.occurrences.length} ${esc(t('occurrences'))}</span>` : ''}</div>
    <div class="title"><a href="/tickets/${esc(tk.id)}">${esc(tk.number)}</a> ${esc(bi(tk.title))}</div>
    <div class="where">📍 ${esc(whereLine(tk))} · ${esc(localTime(tk.createdAt))}</div>
    <div class="countdowns">${countdowns(tk)}</div>
    <div class="actions">${tk.status === 'raised' ? `<button type="button" class="primary" data-act="ack">${esc(t('ack'))}</button>` : ''}
      <button type="button" data-act="evidence">${esc(t('evidence'))}</button></div>
    ${open.has(tk.id) ? `<div class="detail">${detail === undefined ? '…' : evidenceChart(detail) || `<p class="muted">-</p>`}</div>` : ''}</li>`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('.countdown')) {
    const left = Date.parse(el.dataset.deadline) - now;
    el.querySelector('b').textContent = countdown(left);
    el.classList.toggle('late', left < 0);
    el.classList.toggle('soon', left >= 0 && left < 5 * 60_000);
  }
}

function render() {
  const list = [...tickets.values()].filter((tk) => OPEN.has(tk.status)).sort(byUrgency);
  app.innerHTML = `<div class="toolbar"><button type="button" id="sound">${esc(t(sound ? 'sound.off' : 'sound.on'))}</button>
    <span class="${connected ? 'live' : 'banner'}">${esc(t(connected ? 'live' : 'offline'))}</span></div>
    ${list.length === 0 ? `<p class="muted empty">${esc(t('no.tickets'))}</p>` : `<ul class="tickets">${list.map(card).join('')}</ul>`}`;
  tick();
}

app.addEventListener('click', async (e) => {
  if (e.target.id === 'sound') {
    sound = !sound;
    localStorage.setItem('gw.sound', sound ? 'on' : 'off');
    if (sound) beep();
    render();
    return;
  }
  const button = e.target.closest('button[data-act]');
  if (!button) return;
  const id = button.closest('li[data-id]').dataset.id;
  try {
    if (button.dataset.act === 'ack') {
      const res = await api(`/api/tickets/${encodeURIComponent(id)}/ack`, { method: 'POST', body: {} });
      tickets.set(id, res.ticket);
    } else if (open.has(id)) open.delete(id);
    else {
      open.add(id);
      render();
      details.set(id, (await api(`/api/tickets/${encodeURIComponent(id)}`)).ticket);
    }
  } catch (err) {
    showError(app, err);
  }
  render();
});

setupPage(render);
showUser(await signIn(app));
setInterval(tick, 1000);
await liveTickets({
  tickets,
  render,
  onTicket: (tk, isNew) => {
    if (isNew && tk.tier === 'emergency') beep();
  },
  onConnection: (up) => {
    connected = up;
  },
});
