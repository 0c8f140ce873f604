// Engineering: live tickets with a sound for emergencies; take (接单), arrive (到场) and resolve (完成,
// with the repair's details) on the card for engineers; 派工 / 改派 for the supervisor and 改级 for
// both; deadlines met or counting down; the evidence chart. Cards are kept by ticket id.
import { actionNotes } from './actions.js';
import { evidenceChart } from './chart.js';
import { StableOrder, arrivedBelow, renderKeepingPlace } from './list-view.js';
import { liveTickets, offlineBanner } from './live.js';
import { setupPage } from './page-shell.js';
import { api, showUser, signIn } from './session.js';
import { OPEN, byUrgency, deadlineChips, factBadges, faultName, statusBadge, tierBadge, whereLine } from './ticket-words.js';
import { localClock, localDateTime, spanWords } from './time-words.js';
import { bi, t } from './words.js';
import { engineerSteps, holdingList, listSteps } from './steps.js';
import { supervisionBox, supervisionButtons } from './supervision.js';
import { assigneeWords } from './ticket-state.js';
import { html, nothing, repeat } from './view.js';

const app = document.getElementById('app');
const tickets = new Map();
/** Full tickets (with evidence) of the cards whose chart is open. */
const details = new Map();
const open = new Set();
/** The live stream is up; the banner shows only once it has failed, not while the page opens. */
let connected = true;
let sound = localStorage.getItem('gw.sound') === 'on';
let audio = null;
let user = null;
/** Faults suspected before their ticket (疑似困人), by device and fault, as GET /api/warnings and the stream give them. */
let warnings = [];
/** Who the supervisor may give a repair to (GET /api/engineers), loaded once for a supervisor or admin. */
let engineers = [];

const ctx = listSteps(tickets, () => rerender());
const { queue } = ctx;
const order = new StableOrder();

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

const may = (...roles) => user !== null && (user.role === 'admin' || roles.includes(user.role));

/** What this person may decide on a card: assign (supervisor), re-tier (engineer or supervisor). */
const decisions = () => ({ canAssign: may('supervisor'), canRetier: may('engineer', 'supervisor'), engineers });

function card(tk) {
  const escalated = tk.history.filter((h) => h.action === 'escalated');
  const detail = details.get(tk.id);
  const toggle = async () => {
    if (open.has(tk.id)) open.delete(tk.id);
    else {
      open.add(tk.id);
      rerender();
      try {
        details.set(tk.id, (await api(`/api/tickets/${encodeURIComponent(tk.id)}`)).ticket);
      } catch {
        open.delete(tk.id);
      }
    }
    rerender();
  };
  return html`<li class="ticket card ${tk.tier}" data-id=${tk.id} data-number=${tk.number}>
    <div class="row">${tierBadge(tk)} <strong>${faultName(tk.fault)}</strong> ${statusBadge(tk)} ${factBadges(tk)}
      ${tk.chattering ? html`<span class="flag">${t('chattering')}</span>` : nothing}
      ${escalated.length > 0 ? html`<span class="flag escalated" title=${escalated.at(-1).note ?? ''}>${t('escalated')} ×${escalated.length}</span>` : nothing}
      ${tk.occurrences.length > 1 ? html`<span class="muted">${tk.occurrences.length} ${t('occurrences')}</span>` : nothing}</div>
    <div class="title"><a href="/tickets/${tk.id}">${tk.number}</a>${tk.centralNumber ? html` <span class="muted central-number">(${tk.centralNumber})</span>` : ''} ${bi(tk.title)}</div>
    <div class="where"><span class="pin" aria-hidden="true"></span>${whereLine(tk)} · ${localDateTime(tk.createdAt)}${tk.assignee ? html` · <span class="assignee">${assigneeWords(tk)}</span>` : nothing}</div>
    ${deadlineChips(tk)}
    ${actionNotes(queue, tk.id)}
    ${may('engineer') ? engineerSteps(tk, ctx) : nothing}
    ${supervisionBox(tk, ctx, decisions())}
    <div class="actions secondary">${supervisionButtons(tk, ctx, decisions())}<button type="button" data-act="evidence" @click=${toggle}>${t('evidence')}</button></div>
    ${open.has(tk.id) ? html`<div class="detail">${detail === undefined ? '…' : evidenceChart(detail)}</div>` : nothing}
  </li>`;
}

/** A short span in words: seconds under a minute (a 30 s confirm delay counts down by the second), else as the alerts say it. */
const shortSpan = (ms) => (ms < 60_000 ? t('span.seconds', { n: Math.max(0, Math.round(ms / 1000)) }) : spanWords(ms));

/** One suspected fault: what, where, since when (site time, and how long ago), and when its ticket comes if it holds. */
function warningLine(w) {
  const now = Date.now();
  const left = w.confirmAt - now;
  return html`<li class="warning" data-device=${w.deviceId} data-fault=${w.fault}><strong>${bi(w.words)}</strong> ${bi(w.device)} · ${bi(w.place)} · ${t('suspect.since', { at: localClock(w.since), ago: shortSpan(now - w.since) })} · ${left > 0 ? t('suspect.confirm', { d: shortSpan(left) }) : t('suspect.confirming')}</li>`;
}

function warningList() {
  if (warnings.length === 0) return nothing;
  return html`<ul class="warnings" role="alert">${repeat(warnings, (w) => `${w.deviceId}|${w.fault}`, warningLine)}</ul>`;
}

function loadWarnings() {
  api('/api/warnings').then(
    (r) => {
      warnings = r.warnings;
      rerender();
    },
    () => undefined,
  );
}

function rerender() {
  if (user === null) return;
  const holding = holdingList(ctx, app);
  const list = order.order([...tickets.values()].filter((tk) => OPEN.has(tk.status) || queue.at(tk.id).length > 0), byUrgency, holding);
  const toggleSound = () => {
    sound = !sound;
    localStorage.setItem('gw.sound', sound ? 'on' : 'off');
    if (sound) beep();
    rerender();
  };
  renderKeepingPlace(
    html`<div class="toolbar"><button type="button" id="sound" @click=${toggleSound}>${t(sound ? 'sound.off' : 'sound.on')}</button>
        ${connected ? html`<span class="live">${t('live')}</span>` : nothing}</div>
      ${offlineBanner(connected)}
      ${warningList()}
      ${list.length === 0 ? html`<p class="muted empty">${t('no.tickets')}</p>` : html`<ul class="tickets">${repeat(list, (tk) => tk.id, card)}</ul>`}
      ${arrivedBelow(order, app)}`,
    app,
  );
}

/** The engineers to assign to; out of reach now, they are asked again when the live stream is back. */
function loadEngineers() {
  if (!may('supervisor')) return;
  api('/api/engineers').then(
    (r) => {
      engineers = r.engineers;
      rerender();
    },
    () => undefined,
  );
}

setupPage(rerender);
user = await signIn(app);
showUser(user);
loadEngineers();
loadWarnings();
// The counting deadlines, redrawn through the page's one update path every second.
setInterval(rerender, 1000);
await liveTickets({
  tickets,
  rerender,
  onTicket: (tk, isNew) => {
    if (isNew && tk.tier === 'emergency') beep();
    // A chart left open follows its ticket.
    if (open.has(tk.id)) {
      void api(`/api/tickets/${encodeURIComponent(tk.id)}`)
        .then((r) => {
          details.set(tk.id, r.ticket);
          rerender();
        })
        .catch(() => undefined);
    }
  },
  events: {
    warnings: (w) => {
      warnings = w.warnings;
      rerender();
    },
  },
  onConnection: (up) => {
    connected = up;
    // What was suspected while the stream was down was not streamed.
    if (up) loadWarnings();
    if (up) queue.online();
    if (up && engineers.length === 0) loadEngineers();
  },
});
