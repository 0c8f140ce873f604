import { localMidnight } from '../../core/local-time.js';

/**
 * The periods the reports cover, cut at the site's local midnight (not at UTC midnight, 08:00
 * Beijing time): a day, a week from Monday 00:00 to the next Monday 00:00 (the procedures' weekly
 * ledger), a month. Calendar arithmetic is done on the date itself, whatever the zone's offsets.
 */
export interface Period {
  /** Epoch ms of the first instant, and of the first instant after. */
  readonly from: number;
  readonly to: number;
}

/** `2026-11-27` is that day's site-local midnight; anything else an exact date-time. */
export function parseWhen(v: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  return m === null ? Date.parse(v) : localMidnight(Number(m[1]), Number(m[2]), Number(m[3]), timeZone);
}

function parts(date: string): [number, number, number] {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  return [y, m, d];
}

/** The `YYYY-MM-DD` `days` after (or before) a date, on the calendar. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** One site-local day. */
export function dayPeriod(date: string, timeZone: string): Period {
  return { from: parseWhen(date, timeZone), to: parseWhen(addDays(date, 1), timeZone) };
}

/** The Monday that starts the week a date falls in. */
export function mondayOf(date: string): string {
  const [y, m, d] = parts(date);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

/** The week a date falls in: its Monday 00:00 to the next Monday 00:00, site-local. */
export function weekPeriod(date: string, timeZone: string): Period & { readonly monday: string } {
  const monday = mondayOf(date);
  return { monday, from: parseWhen(monday, timeZone), to: parseWhen(addDays(monday, 7), timeZone) };
}

/** A month (`YYYY-MM`): its first day's midnight to the next month's, site-local. */
export function monthPeriod(month: string, timeZone: string): Period {
  const [y, m] = parts(`${month}-01`);
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { from: parseWhen(`${month}-01`, timeZone), to: parseWhen(next, timeZone) };
}
