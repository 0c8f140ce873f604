// Patrol (phone): open tickets of my buildings, emergencies first; confirm or reject in two taps; live.
import { api, bi, byUrgency, esc, faultName, liveTickets, localTime, OPEN, setupPage, showError, showUser, signIn, statusBadge, t, tierBadge, whereLine } from './common.js';

const app = document.getElementById('app');
const tickets = new Map();
let user = null;
let connected = true;
/** Ticket id -> 'confirm' (armed, waiting for the second tap) or 'reject' (reason box open). */
const pending = new Map();

const mine = (tk) => OPEN.has(tk.status) && tk.kind === 'fault' && (user.buildings.length === 0 || user.buildings.includes(tk.location.building));
const actionable = (tk) => tk.status === 'raised' || tk.status === 'acknowledged';

function card(tk) {
  const p = pending.get(tk.id);
  const actions = !actionable(tk)
    ? ''
    : p === 'reject'
      ? `<div class="reject-box"><div class="chips">${['reason.nothing', 'reason.sensor', 'reason.test'].map((k) => `<button type="button" class="chip" data-act="reason" data-reason="${esc(t(k))}">${esc(t(k))}</button>`).join('')}</div>
         <input class="reason" maxlength="1000" placeholder="${esc(t('reject.reason'))}"><button type="button" class="danger" data-act="reject-send">${esc(t('reject.send'))}</button></div>`
      : `<div class="actions"><button type="button" class="primary${p === 'confirm' ? ' armed' : ''}" data-act="confirm">${esc(t(p === 'confirm' ? 'confirm.again' : 'confirm'))}</button>
         <button type="button" class="danger" data-act="reject">${esc(t('reject'))}</button></div>`;
  return `<li class="ticket card ${esc(tk.tier)}" data-id="${esc(tk.id)}" data-number="${esc(tk.number)}">
    <div class="row">${tierBadge(tk)} <strong>${esc(faultName(tk.fault))}</strong> ${statusBadge(tk)}</div>
    <div class="title">${esc(bi(tk.title))}</div>
    <div class="where">📍 ${esc(t('where'))}: ${esc(whereLine(tk))}</div>
    <div class="muted">${esc(tk.number)} · ${esc(t('raised.at'))} ${esc(localTime(tk.createdAt))}</div>
    ${actions}</li>`;
}

function render() {
  if (user === null) return;
  const list = [...tickets.values()].filter(mine).sort(byUrgency);
  app.innerHTML = `${connected ? '' : `<p class="banner">${esc(t('offline'))}</p>`}
    ${list.length === 0 ? `<p class="muted empty">${esc(t('no.tickets'))}</p>` : `<ul class="tickets">${list.map(card).join('')}</ul>`}`;
}

async function act(id, path, body) {
  try {
    const res = await api(`/api/tickets/${encodeURIComponent(id)}/${path}`, { method: 'POST', body });
    tickets.set(res.ticket.id, res.ticket);
    pending.delete(id);
  } catch (err) {
    showError(app, err);
  }
  render();
}

app.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-act]');
  if (!button) return;
  const li = button.closest('li[data-id]');
  const id = li.dataset.id;
  switch (button.dataset.act) {
    case 'confirm':
      if (pending.get(id) === 'confirm') void act(id, 'confirm', {});
      else {
        // First tap arms, second tap sends: a pocket tap never confirms a ticket.
        pending.set(id, 'confirm');
        setTimeout(() => {
          if (pending.get(id) === 'confirm') {
            pending.delete(id);
            render();
          }
        }, 6000);
        render();
      }
      break;
    case 'reject':
      pending.set(id, 'reject');
      render();
      li.ownerDocument.querySelector(`li[data-id="${CSS.escape(id)}"] input.reason`)?.focus();
      break;
    case 'reason':
      void act(id, 'reject', { reason: button.dataset.reason });
      break;
    case 'reject-send': {
      const reason = li.querySelector('input.reason').value.trim();
      if (reason === '') li.querySelector('input.reason').focus();
      else void act(id, 'reject', { reason });
      break;
    }
  }
});

setupPage(render);
user = await signIn(app);
showUser(user);
await liveTickets({
  tickets,
  render,
  onConnection: (up) => {
    connected = up;
  },
});
