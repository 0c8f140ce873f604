// The supervisor's decisions on a card (gateway/tickets/supervision.ts): assign the repair to an
// engineer (派工; 改派 once it is with someone, with the reason required), and change its tier or
// complexity after the survey on site (改级, with a reason: an engineer or the supervisor). Each is a
// box on the card, sent through the page's ActionQueue like every step.
import { cancelButton, openBox, openOn, send } from './boxes.js';
import { OPEN } from './ticket-words.js';
import { t } from './words.js';
import { heldBy } from './ticket-state.js';
import { html, nothing } from './view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

const TIERS = ['emergency', 'general', 'low'];
const COMPLEXITIES = ['simple', 'general', 'complex'];

/** Engineers who may be given a repair in the ticket's building (none limited means every building). */
const eligible = (engineers, tk) => engineers.filter((e) => e.buildings.length === 0 || e.buildings.includes(tk.location.building));

function assignBox(tk, ctx, engineers) {
  const holder = heldBy(tk);
  const choices = eligible(engineers, tk).filter((e) => e.id !== tk.assigneeId);
  const submit = (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { engineerId: f.engineer.value };
    const reason = f.reason.value.trim();
    if (holder !== null && reason === '') {
      f.reason.focus();
      return;
    }
    if (reason !== '') body.reason = reason;
    const name = choices.find((x) => x.id === body.engineerId)?.name ?? '';
    send(ctx, tk, tk.id, 'assign', body, `${t(holder === null ? 'assign' : 'reassign')} ${name}`);
  };
  return html`<form class="box assign-box" @submit=${submit}>
    ${holder === null ? nothing : html`<p class="muted">${t('assign.now', { name: holder })}</p>`}
    ${choices.length === 0 ? html`<p class="muted">${t('assign.none')}</p>` : nothing}
    <label>${t('assign.to')}<select name="engineer" required>
      ${choices.map((e) => html`<option value=${e.id}>${e.name}${e.role === 'supervisor' ? ` (${t('role.supervisor')})` : ''}</option>`)}
    </select></label>
    <label>${t(holder === null ? 'note' : 'reason')}<input name="reason" class="reason" maxlength="1000" ?required=${holder !== null} placeholder=${t(holder === null ? 'assign.reason.optional' : 'assign.reason')} /></label>
    <div class="actions"><button type="submit" class="primary" data-act="assign-send" ?disabled=${choices.length === 0}>${t(holder === null ? 'assign' : 'reassign')}</button>${cancelButton(ctx, tk)}</div>
  </form>`;
}

function retierBox(tk, ctx) {
  const submit = (e) => {
    e.preventDefault();
    const f = e.target;
    const body = {};
    if (f.tier.value !== tk.tier) body.tier = f.tier.value;
    if (f.complexity.value !== '' && f.complexity.value !== tk.complexity) body.complexity = f.complexity.value;
    if (body.tier === undefined && body.complexity === undefined) {
      // Nothing changes: the gateway would refuse it; say so where the choice is made.
      f.tier.setCustomValidity(t('retier.same'));
      f.tier.reportValidity();
      return;
    }
    const reason = f.reason.value.trim();
    if (reason === '') {
      f.reason.focus();
      return;
    }
    send(ctx, tk, tk.id, 'retier', { ...body, reason }, t('retier'));
  };
  const clear = (e) => e.target.form.tier.setCustomValidity('');
  return html`<form class="box retier-box" @submit=${submit} @change=${clear}>
    <div class="pair">
      <label>${t('retier.tier')}<select name="tier">${TIERS.map((x) => html`<option value=${x} ?selected=${x === tk.tier}>${t(`tier.${x}`)}</option>`)}</select></label>
      <label>${t('retier.complexity')}<select name="complexity">
        ${tk.complexity === undefined ? html`<option value="" selected>${t('complexity.unset')}</option>` : nothing}
        ${COMPLEXITIES.map((x) => html`<option value=${x} ?selected=${x === tk.complexity}>${t(`complexity.${x}`)}</option>`)}
      </select></label>
    </div>
    <label>${t('reason')}<input name="reason" class="reason" maxlength="1000" required placeholder=${t('retier.reason')} /></label>
    <div class="actions"><button type="submit" class="primary" data-act="retier-send">${t('retier.send')}</button>${cancelButton(ctx, tk)}</div>
  </form>`;
}

/**
 * The supervisor's controls on an open card: 派工 / 改派 (`canAssign`, with the engineers from
 * GET /api/engineers) and 改级 (`canRetier`). The buttons sit with the card's secondary ones; an
 * open box takes their place.
 * @param {TicketView} tk
 */
export function supervisionBox(tk, ctx, { canAssign, canRetier, engineers }) {
  if (!OPEN.has(tk.status) || ctx.queue.pending(tk.id)) return nothing;
  const box = openOn(ctx, tk);
  if (box === 'assign' && canAssign) return assignBox(tk, ctx, engineers);
  if (box === 'retier' && canRetier) return retierBox(tk, ctx);
  return nothing;
}

/** @param {TicketView} tk */
export function supervisionButtons(tk, ctx, { canAssign, canRetier }) {
  if (!OPEN.has(tk.status) || ctx.queue.pending(tk.id) || openOn(ctx, tk) !== undefined) return nothing;
  return html`${canAssign ? html`<button type="button" data-act="assign" @click=${() => openBox(ctx, tk, 'assign', 'select[name=engineer]')}>${t(heldBy(tk) === null ? 'assign' : 'reassign')}</button>` : nothing}
    ${canRetier ? html`<button type="button" data-act="retier" @click=${() => openBox(ctx, tk, 'retier', 'select[name=tier]')}>${t('retier')}</button>` : nothing}`;
}
