/**
 * Times people read, in the site's time zone (DESIGN "Time"): never ISO or UTC in a page, an alert,
 * a CSV or a log's human message. One formatter per time zone, built once: building an
 * Intl.DateTimeFormat costs more than the rest of a ticket raise.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The site-local calendar and clock fields of an instant, two digits each (year four). */
interface LocalParts {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

function localParts(epochMs: number, timeZone: string): LocalParts {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const p = { year: '', month: '', day: '', hour: '', minute: '', second: '' };
  for (const x of f.formatToParts(epochMs)) if (Object.hasOwn(p, x.type)) p[x.type as keyof LocalParts] = x.value;
  return p;
}

/** Whether the runtime knows a time zone name (`Asia/Shanghai`). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `2026-11-27 12:06:47`, local to the site. */
export function siteDateTime(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `YYYYMMDD` of an instant in the site's time zone (a ticket raised at 01:00 Beijing time is that day's). */
export function siteDay(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return `${p.year}${p.month}${p.day}`;
}

/** `HH:MM` in the site's time zone. */
export function clockTime(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return `${p.hour}:${p.minute}`;
}

/** Minutes since local midnight in the site's time zone. */
export function localMinuteOfDay(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return Number(p.hour) * 60 + Number(p.minute);
}

const UNITS = {
  en: ['d', 'h', 'min', 's'],
  zh: ['天', '小时', '分钟', '秒'],
} as const;

/**
 * `1 h 5 min`, `40 s`, `2 d 3 h` (zh: `1 小时 5 分钟`): a length of time to the second, the largest
 * two units, for a console or log line that needs the seconds (a clock step, a replay's offset).
 * What staff read on a page or in an alert is core/shared-words.js, whole minutes.
 */
export function preciseSpanWords(ms: number, lang: 'en' | 'zh' = 'en'): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const names = UNITS[lang];
  const units: [number, string][] = [
    [86_400, names[0]],
    [3_600, names[1]],
    [60, names[2]],
    [1, names[3]],
  ];
  const out: string[] = [];
  let left = s;
  for (const [size, name] of units) {
    if (left >= size || (size === 1 && out.length === 0)) {
      const n = Math.floor(left / size);
      left -= n * size;
      if (n > 0 || out.length === 0) out.push(`${n} ${name}`);
    }
    if (out.length === 2) break;
  }
  return out.join(' ');
}

/** How far the site's wall clock is ahead of UTC at an instant (ms; Asia/Shanghai: 8 h). */
function zoneOffset(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant a site-local day starts: `2026-11-27` in Asia/Shanghai is 2026-11-26T16:00Z. Day,
 * week and month boundaries of the reports fall at local midnight, not at UTC midnight (08:00
 * Beijing time).
 */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  // Twice: the offset at the guess may differ from the offset at the answer around a DST change.
  const first = guess - zoneOffset(guess, timeZone);
  return guess - zoneOffset(first, timeZone);
}

/** `YYYY-MM-DD` of the site-local day an instant falls on. */
export function localDate(epochMs: number, timeZone: string): string {
  return siteDateTime(epochMs, timeZone).slice(0, 10);
}

/** The site-local day of the week an instant falls on: 0 Sunday ... 6 Saturday (occupied hours). */
export function localWeekday(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return new Date(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day))).getUTCDay();
}
