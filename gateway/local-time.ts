/**
 * Times people read, in the site's time zone (DESIGN "Time"): never ISO or UTC in a page, an alert,
 * a CSV or a log's human message. One formatter per time zone, built once.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** `2026-11-27 12:06:47`, local to the site. */
export function siteDateTime(epochMs: number, timeZone: string): string {
  const parts = formatter(timeZone).formatToParts(epochMs);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

const UNITS = {
  en: ['d', 'h', 'min', 's'],
  zh: ['天', '小时', '分钟', '秒'],
} as const;

/** `1 h 5 min`, `40 s`, `2 d 3 h` (zh: `1 小时 5 分钟`): a length of time in words, the largest two units. */
export function spanWords(ms: number, lang: 'en' | 'zh' = 'en'): string {
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
