// The banner above every page naming each emergency alert that reached nobody, in words.
import { html, render } from './view.js';
import { api } from './session.js';
import { localDateTime } from './time-words.js';
import { bi, lang, t } from './words.js';

let alertHealth = { undelivered: [] };

export async function loadAlertHealth() {
  try {
    showAlertHealth(await api('/api/alerts/health'));
  } catch {
    // The page's own banner already says the gateway is out of reach.
  }
}

/** The banner (`#notice`, outside the page's own view) naming each emergency that reached nobody, in words. */
export function showAlertHealth(health) {
  alertHealth = health;
  const box = document.getElementById('notice');
  if (!box) return;
  box.hidden = health.undelivered.length === 0;
  render(
    html`${health.undelivered.map((u) => {
      const channels = u.channels.map((c) => `${c.id}: ${c.error}`).join('; ');
      const since = localDateTime(u.since);
      const line =
        lang() === 'en'
          ? `⚠ Emergency alert reached nobody: ${u.number} ${bi(u.title)} (${u.where}). Every alert channel has failed since ${since} (${channels}).`
          : `⚠ 紧急告警未能送达任何人：${u.number} ${bi(u.title)}（${u.where}）。自 ${since} 起所有告警渠道均发送失败（${channels}）。`;
      return html`<p class="undelivered">${line} <strong>${t('undelivered.phone')}</strong></p>`;
    })}`,
    box,
  );
}

/** Redraws the banner in the page's language (after a language switch). */
export function redrawAlertHealth() {
  showAlertHealth(alertHealth);
}
