// A ticket as the pages show it: where, what fault, its tier and status, the facts beside it, its deadlines.
import { html, nothing } from './view.js';
import { countdown, localWhen, spanWords } from './time-words.js';
import { lang, t } from './words.js';
import { byTier, OPEN_STATUSES } from '/vendor/shared/shared-words.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

/**
 * `T1 · B1 泵房`: building, then the place; the floor and the unit only when the place does not already say them.
 * @param {TicketView} ticket
 */
export function whereLine(ticket) {
  const l = ticket.location;
  const desc = lang() === 'en' && l.descriptionEn ? l.descriptionEn : l.description;
  const floor = desc.startsWith(l.floor) ? null : l.floor;
  const unit = l.unit && desc.startsWith(l.unit) ? null : l.unit;
  return [l.building, floor, unit, desc].filter(Boolean).join(' · ');
}

export function faultName(fault) {
  const key = `fault.${fault.startsWith('upstream:') ? 'device-offline' : fault}`;
  const word = t(key);
  return word === key ? fault : word;
}

const STEPS = ['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy'];

/**
 * The ticket's deadlines as staff read them: a met one as met (`✓ 接单 12:04 按时` / `超时 3 分钟`),
 * the next open one counting down (`到场 12:30 前 · 还剩 04:12`, red once late), later ones by
 * their time (with the day when it is not today). `data-deadline` carries the instant for the
 * page's one-second tick. While storm mode pauses the ticket nothing counts: its deadlines move
 * when the storm ends. An on-site step skipped by a repair fixed without coming on site says so.
 * @param {TicketView} tk
 */
export function deadlineChips(tk) {
  const ended = tk.status === 'closed' || tk.status === 'rejected';
  const paused = Boolean(tk.paused) && !ended;
  let counting = false;
  return html`<div class="countdowns">${STEPS.filter((k) => tk.steps?.[k]?.by ?? tk.deadlines[k]).map((k) => {
    const s = tk.steps?.[k] ?? { by: tk.deadlines[k], doneAt: null, owed: !ended };
    const label = t(`deadline.${k}`);
    if (!s.owed) {
      if (s.doneAt === null && k === 'onSiteBy' && tk.resolution?.offSite) return html`<span class="deadline met offsite" data-step=${k}>${label} — ${t('offsite.title')}</span>`;
      if (s.doneAt === null) return html`<span class="deadline met" data-step=${k}>✓ ${label}</span>`;
      const late = Date.parse(s.doneAt) - Date.parse(s.by);
      return html`<span class="deadline met ${late > 0 ? 'met-late' : ''}" data-step=${k}>✓ ${label} ${localWhen(s.doneAt)} ${late > 0 ? t('met.late', { m: spanWords(late) }) : t('met.onTime')}</span>`;
    }
    if (ended) return nothing;
    const first = !counting;
    counting = true;
    const by = `${label} ${t('due.by', { t: localWhen(s.by) })}`;
    if (paused) return html`<span class="deadline ${first ? 'next paused' : 'later'}" data-step=${k}>${by}${first ? html` · <b>${t('deadline.paused')}</b>` : nothing}</span>`;
    if (!first) return html`<span class="deadline later" data-step=${k} data-deadline="">${by}</span>`;
    // The counting one: time left (orange under 5 min) or late (red), drawn by the page's redraw every second.
    const left = Date.parse(s.by) - Date.now();
    const state = left < 0 ? 'late' : left < 5 * 60_000 ? 'soon' : '';
    return html`<span class="deadline next ${state}" data-step=${k} data-deadline=${s.by}>${by} · <b class="left">${left >= 0 ? t('left', { d: countdown(left) }) : t('overdue', { d: countdown(left).slice(1) })}</b></span>`;
  })}</div>`;
}


/** @param {TicketView} tk */
export function tierBadge(tk) {
  return html`<span class="tier ${tk.tier}">${t(`tier.${tk.tier}`)}</span>`;
}

/** @param {TicketView} tk */
export function statusBadge(tk) {
  return html`<span class="status ${tk.status}">${t(`status.${tk.status}`)}</span>`;
}

/**
 * 巡检发现, 返修, 现场已核实, 待复查, 待回访, 暴雨暂停, the complexity: the facts beside the status.
 * @param {TicketView} tk
 */
export function factBadges(tk) {
  return html`${tk.source === 'patrol' ? html`<span class="flag patrol">${t('source.patrol')}</span>` : nothing}
    ${tk.rework ? html`<span class="flag rework">${t('rework')}</span>` : nothing}
    ${tk.verification?.state === 'confirmed' ? html`<span class="flag verified">✓ ${t('verification.confirmed')}</span>` : nothing}
    ${tk.recheck?.state === 'due' ? html`<span class="flag recheck">${t('recheck.due')}</span>` : nothing}
    ${tk.callback?.state === 'due' && (tk.status === 'resolved' || tk.status === 'closed') ? html`<span class="flag callback">${t('callback.due')}</span>` : nothing}
    ${tk.paused ? html`<span class="flag paused" title=${tk.paused.reason}>${t('paused')}</span>` : nothing}
    ${tk.complexity ? html`<span class="flag complexity">${t('complexity')} ${t(`complexity.${tk.complexity}`)}</span>` : nothing}`;
}

/** Emergencies first, then newest first. */
export function byUrgency(a, b) {
  return byTier(a.tier, b.tier) || b.createdAt.localeCompare(a.createdAt);
}

/** Still to be worked on (the server's own list). @type {ReadonlySet<string>} */
export const OPEN = new Set(OPEN_STATUSES);
