// One ticket (the link in every alert): what, where, deadlines, what the engineer recorded of the
// repair and the callbacks to the owner, evidence, photos, history, and the steps of the repair loop
// the person's role may take.
import { ActionQueue, actionNotes } from './actions.js';
import { evidenceChart } from './chart.js';
import { renderKeepingPlace } from './list-view.js';
import { liveEvents, offlineBanner } from './live.js';
import { setupPage } from './page-shell.js';
import { api, isUnreachable, showUser, signIn } from './session.js';
import { deadlineChips, factBadges, faultName, statusBadge, tierBadge, whereLine } from './ticket-words.js';
import { localDateTime, spanWords } from './time-words.js';
import { bi, lang, t } from './words.js';
import { historyNote, historyWord } from './history-words.js';
import { photoStrip } from './photos.js';
import { callbackSection, resolutionSection } from './repair-record.js';
import { engineerSteps, recheckKey, recheckSteps, stepState, verifySteps } from './steps.js';
import { assigneeWords } from './ticket-state.js';
import { html, nothing } from './view.js';

const app = document.getElementById('app');
const id = decodeURIComponent(location.pathname.split('/').pop());
let ticket = null;
/** An archived ticket (closed a while ago) is read-only. */
let archived = false;
let user = null;
let connected = true;
let problem = null;
/** Staff names by id, for the history. */
let people = {};

const queue = new ActionQueue({
  onChange: () => rerender(),
  onTicket: (tk) => {
    // The answer leaves nothing out but the evidence may be older: fetch the whole ticket.
    ticket = { ...tk, evidence: tk.evidence?.length ? tk.evidence : (ticket?.evidence ?? []) };
    rerender();
  },
});
const ctx = { queue, state: stepState(), rerender: () => rerender() };
const may = (...roles) => user !== null && (user.role === 'admin' || roles.includes(user.role));

function actor(a) {
  if (a === 'gateway') return lang() === 'en' ? 'Gateway' : '网关';
  if (a === 'central') return lang() === 'en' ? 'Central service' : '总部系统';
  const uid = a.replace(/^user:/, '');
  return people[uid] ?? uid;
}

function rerender() {
  if (user === null) return;
  if (ticket === null) {
    renderKeepingPlace(html`${offlineBanner(connected)}${problem ? html`<p class="error" role="alert">${t('error')}: ${problem}</p>` : html`<p class="muted">…</p>`}`, app);
    return;
  }
  const tk = ticket;
  const addNote = (e) => {
    e.preventDefault();
    const note = e.target.note.value.trim();
    if (note === '') return;
    queue.add({ key: 'note', path: `/api/tickets/${encodeURIComponent(id)}/notes`, body: { note }, label: t('add.note') });
    e.target.reset();
  };
  renderKeepingPlace(
    html`${offlineBanner(connected)}
      <article class="card ${tk.tier}" data-id=${tk.id}>
        <div class="row">${tierBadge(tk)} <strong>${faultName(tk.fault)}</strong> ${statusBadge(tk)} ${factBadges(tk)}</div>
        <h2>${tk.number} ${bi(tk.title)}</h2>
        ${tk.centralNumber ? html`<div class="muted central-number">${t('central.number')} ${tk.centralNumber}</div>` : ''}
        <p>${bi(tk.description)}</p>
        <p class="where"><span class="pin" aria-hidden="true"></span>${whereLine(tk)}</p>
        <p class="muted">${t('raised.at')} ${localDateTime(tk.createdAt)}${tk.reporter ? ` · ${t('reporter')} ${tk.reporter.name}` : ''}${tk.assignee ? html` · <span class="assignee">${assigneeWords(tk)}</span>` : nothing}${tk.recheck?.state === 'due' && tk.recheck.dueBy ? ` · ${t('recheck.due')} ${localDateTime(tk.recheck.dueBy)}` : ''}${tk.pausedMs ? ` · ${t('paused.total', { d: spanWords(tk.pausedMs) })}` : ''}</p>
        ${deadlineChips(tk)}
        ${archived ? html`<p class="muted archived">${t('archived')}</p>` : html`
          ${actionNotes(queue, tk.id)}${actionNotes(queue, recheckKey(tk))}
          ${may('engineer') ? engineerSteps(tk, ctx) : nothing}
          ${may('patrol') ? verifySteps(tk, ctx) : nothing}
          ${may('patrol') ? recheckSteps(tk, ctx) : nothing}`}
        ${resolutionSection(tk)}
        ${callbackSection(tk, actor)}
        <h3>${t('evidence')}</h3>
        ${evidenceChart(tk)}
        ${tk.attachments?.length ? html`<h3>${t('photos')}</h3>${photoStrip(tk)}` : nothing}
        <h3>${t('history')}</h3>
        <ol class="history">${tk.history.map((h) => html`<li><time>${localDateTime(h.at)}</time> ${actor(h.actor)} · <span class="step" data-action=${h.action}>${historyWord(h)}</span>${h.note ? ` — ${historyNote(h)}` : ''}</li>`)}</ol>
        ${archived ? nothing : html`${actionNotes(queue, 'note')}<form class="note" @submit=${addNote}><input name="note" maxlength="1000" placeholder=${t('add.note')} /><button type="submit">${t('send')}</button></form>`}
      </article>`,
    app,
  );
}

async function load() {
  try {
    const body = await api(`/api/tickets/${encodeURIComponent(id)}`);
    ticket = body.ticket;
    archived = body.archived === true;
    problem = null;
    try {
      localStorage.setItem(`gw.ticket.${id}`, JSON.stringify(body));
    } catch {
      // Storage full: the page still works online.
    }
  } catch (err) {
    if (isUnreachable(err) && ticket === null) {
      const kept = JSON.parse(localStorage.getItem(`gw.ticket.${id}`) ?? 'null');
      if (kept !== null) ({ ticket, archived } = { ticket: kept.ticket, archived: kept.archived === true });
    }
    if (ticket === null) problem = err.message;
  }
  rerender();
}

setupPage(rerender);
user = await signIn(app);
showUser(user);
// The counting deadlines, redrawn through the page's one update path every second.
setInterval(rerender, 1000);
void api('/api/people')
  .then((r) => {
    people = r.people;
    rerender();
  })
  .catch(() => undefined);
liveEvents({
  // Events leave the evidence out; fetch the whole ticket when ours changed, and nothing else.
  ticket: (tk) => {
    if (tk.id === id) void load();
  },
  state: (up) => {
    const back = up && !connected;
    connected = up;
    if (back) {
      queue.online();
      void load();
    }
    rerender();
  },
});
await load();
