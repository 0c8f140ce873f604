// What every page does once: the language button, the CSV links, the service worker that keeps the page shell.
import { redrawAlertHealth } from './alert-banner.js';
import { offlineCapable } from './live.js';
import { downloadCsv, redrawUser } from './session.js';
import { lang, switchLanguage, t } from './words.js';

let onLanguage = () => undefined;

/** Wires the language button; `rerender` runs again after a switch. */
export function setupPage(rerender) {
  onLanguage = rerender;
  // The page's own view replaces the placeholder the HTML carries.
  document.getElementById('app')?.replaceChildren();
  document.documentElement.lang = lang();
  const button = document.getElementById('lang');
  const label = () => {
    button.textContent = t('lang.switch');
    for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-i18n]'))) el.textContent = t(el.dataset.i18n);
  };
  label();
  document.addEventListener('click', (e) => void downloadCsv(e));
  button.addEventListener('click', () => {
    switchLanguage();
    label();
    redrawUser();
    redrawAlertHealth();
    onLanguage();
  });
  registerServiceWorker();
}


function registerServiceWorker() {
  if (!offlineCapable) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}
