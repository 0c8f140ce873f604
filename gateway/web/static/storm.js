// The storm-mode card of the operator page (工单插队、资源倾斜; gateway/tickets/storm-mode.ts): whether
// it is on (the site or one building, why, who, when it ends by itself), the form that switches it
// on (at most 24 h, a building or the whole site, a reason) and the button that ends it.
import { fromNow, localClock, localDate, localDateTime } from './time-words.js';
import { t } from './words.js';
import { html, nothing } from './view.js';

/** The longest storm mode the gateway takes (STORM_MAX_HOURS): it ends by itself, a forgotten one never holds tickets for days. */
const MAX_HOURS = 24;
/** Past storms listed under the form. */
const PAST_SHOWN = 3;

/** `11-27 18:00–22:30`, or `11-27 18:00–11-28 02:00` across midnight. */
function span(from, to) {
  return `${localDateTime(from)}–${localDate(from) === localDate(to) ? localClock(to) : localDateTime(to)}`;
}

const where = (building) => (building === null ? t('storm.site') : t('storm.building', { b: building }));

function onCard(storm, people, canSwitch, end) {
  return html`<div class="storm on" data-state="on">
    <p class="storm-title"><b>${t('storm.on')}</b> · <span data-field="storm-where">${where(storm.building)}</span></p>
    <dl class="rates">
      <dt>${t('reason')}</dt><dd data-field="storm-reason">${storm.reason}</dd>
      <dt>${t('storm.by')}</dt><dd>${people[storm.by] ?? storm.by} · ${localDateTime(storm.startedAt)}</dd>
      <dt>${t('storm.ends')}</dt><dd data-field="storm-until">${localDateTime(storm.until)} · ${fromNow(storm.until)}</dd>
    </dl>
    <p class="muted">${t('storm.what')}</p>
    ${canSwitch ? html`<div class="actions"><button type="button" class="danger" data-act="storm-end" @click=${end}>${t('storm.end')}</button></div>` : nothing}
  </div>`;
}

function offCard(buildings, canSwitch, begin) {
  const submit = (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { hours: Number(f.hours.value), reason: f.reason.value.trim() };
    if (f.building.value !== '') body.building = f.building.value;
    begin(body, () => f.reset());
  };
  return html`<div class="storm off" data-state="off">
    <p class="storm-title"><b>${t('storm.off')}</b></p>
    <p class="muted">${t('storm.what')}</p>
    ${canSwitch
      ? html`<form id="storm" class="storm-form" @submit=${submit}>
          <label>${t('storm.where')}<select name="building"><option value="">${t('storm.site')}</option>${buildings.map((b) => html`<option value=${b}>${t('storm.building', { b })}</option>`)}</select></label>
          <label>${t('storm.hours')}<input name="hours" type="number" min="0.5" max=${MAX_HOURS} step="0.5" value="6" required /></label>
          <label class="wide">${t('reason')}<input name="reason" maxlength="1000" required placeholder=${t('storm.reason')} /></label>
          <div class="actions"><button type="submit" class="danger" data-act="storm-begin">${t('storm.begin')}</button></div>
        </form>`
      : html`<p class="muted">${t('storm.who')}</p>`}
  </div>`;
}

/**
 * The card: `view` is `{ storm, past }` from GET /api/storm (null before it loaded), `buildings` the
 * site's, `people` names by id, `canSwitch` whether this person may switch it (supervisor, operator,
 * admin); `begin(body, done)` and `end()` ask the gateway.
 */
export function stormSection({ view, buildings, people, canSwitch, begin, end }) {
  if (view === null) return nothing;
  const past = view.past.slice(-PAST_SHOWN).reverse();
  return html`<section id="storm-section"><h2>${t('storm')}</h2>
    ${view.storm === null ? offCard(buildings, canSwitch, begin) : onCard(view.storm, people, canSwitch, end)}
    ${past.length === 0 ? nothing : html`<h4>${t('storm.past')}</h4><ul class="past-storms">${past.map((p) => html`<li>${span(p.from, p.to)} · ${where(p.building)} · ${p.reason}</li>`)}</ul>`}
  </section>`;
}
