// The page's language: its words, either side of a {zh, en} text, and the operator's status words.
import { WORDS } from './i18n.js';

const LANG_KEY = 'gw.lang';

export function lang() {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
}

/** A word of the page's language; `{name}` in it is filled from `vars`. */
export function t(key, vars = {}) {
  const word = WORDS[lang()][key] ?? WORDS['zh-CN'][key] ?? key;
  return word.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

/** Pick the side of a `{zh, en}` text for the page's language. */
export function bi(text) {
  if (text === null || text === undefined) return '';
  return lang() === 'en' ? (text.en ?? text.zh) : text.zh;
}

/** Escapes text for the few places that still write HTML as a string (the alert banner). */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An operator's status word (online, good, not-configured…) in the page's language. */
export function stWord(state) {
  if (state === null || state === undefined) return '-';
  const key = `st.${state}`;
  const w = t(key);
  return w === key ? String(state) : w;
}

/** Switches the page between Chinese and English (kept in this browser). */
export function switchLanguage() {
  localStorage.setItem(LANG_KEY, lang() === 'en' ? 'zh-CN' : 'en');
  document.documentElement.lang = lang();
}
