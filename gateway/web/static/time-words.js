// Times a person reads, in the site's time zone (the page carries it), short and relative.
import { lang, t } from './words.js';
import { spanWords as sharedSpanWords } from '/vendor/shared/shared-words.js';

const formats = new Map();
function fmt(options) {
  const key = `${lang()}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(lang(), { timeZone: document.body.dataset.tz || undefined, hourCycle: 'h23', ...options });
    formats.set(key, f);
  }
  return f;
}

/** `12:04` in the site's time zone (the page carries it), whatever zone the phone is set to. */
export function localClock(at) {
  return fmt({ hour: '2-digit', minute: '2-digit' }).format(new Date(at));
}

/** `11-27 12:04` in the site's time zone. */
export function localDateTime(at) {
  const p = Object.fromEntries(fmt({ month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** `12:04` when it is today at the site, `11-28 12:04` on another day: a deadline a day away must not read as today's. */
export function localWhen(at, now = Date.now()) {
  return localDate(at) === localDate(now) ? localClock(at) : localDateTime(at);
}

/** Today (or the day of `at`) as `YYYY-MM-DD` in the site's time zone. */
export function localDate(at = Date.now()) {
  const p = Object.fromEntries(fmt({ year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** A span in words, as the alerts say it: `3 分钟` / `1 小时 5 分钟` / `不到 1 分钟` (one module with the server). */
export function spanWords(ms) {
  return sharedSpanWords(ms, lang() === 'en' ? 'en' : 'zh');
}

/** `还有 3 小时` / `已逾期 2 小时 5 分钟`: how far a due time (ISO or epoch ms) is from now, in words. */
export function fromNow(at, now = Date.now()) {
  const ms = new Date(at).getTime() - now;
  return t(ms >= 0 ? 'rel.in' : 'rel.late', { d: spanWords(ms) });
}

/** `04:12` left or `-03:10` late, with hours when long: the counting part of a deadline. */
export function countdown(ms) {
  const late = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n) => String(n).padStart(2, '0');
  return `${late ? '-' : ''}${h > 0 ? `${h}:` : ''}${two(m)}:${two(s)}`;
}
