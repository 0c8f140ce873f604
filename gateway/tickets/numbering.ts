import type { StoreData } from '../store/store-data.js';

/** One formatter per time zone: building an Intl.DateTimeFormat costs more than the rest of a ticket raise. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** 'YYYYMMDD' of an instant in the site's time zone (a ticket raised at 01:00 Beijing time is that day's). */
export function siteDay(epochMs: number, timeZone: string): string {
  const parts = dayFormat(timeZone).formatToParts(epochMs);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}

/**
 * Takes the next `{siteCode}-{YYYYMMDD}-{seq}` number. The counter lives in the store and is
 * written in the same durable write as the ticket, so numbers continue across restarts and a
 * crash can at worst skip a number that nobody was told about, never reuse one.
 */
export function takeTicketNumber(data: StoreData, siteCode: string, timeZone: string, now: number): string {
  const day = siteDay(now, timeZone);
  const seq = (data.counters[day] ?? 0) + 1;
  data.counters[day] = seq;
  return `${siteCode}-${day}-${String(seq).padStart(4, '0')}`;
}
