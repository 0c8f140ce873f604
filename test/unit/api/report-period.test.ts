import { describe, expect, it } from 'vitest';
import { addDays, dayPeriod, mondayOf, monthPeriod, weekPeriod } from '../../../gateway/api/report-period.js';

const TZ = 'Asia/Shanghai';
/** Local midnight in Shanghai of a calendar day: 16:00 UTC the day before. */
const shanghaiMidnight = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) - 8 * 3_600_000;

describe('report periods, cut at the site-local midnight', () => {
  it('runs a week from its Monday 00:00 to the next Monday 00:00 in Asia/Shanghai, whichever day of it is asked', () => {
    for (const day of ['2026-11-23', '2026-11-25', '2026-11-29']) {
      expect(weekPeriod(day, TZ)).toEqual({ monday: '2026-11-23', from: shanghaiMidnight(2026, 11, 23), to: shanghaiMidnight(2026, 11, 30) });
    }
    // Monday 00:00 Beijing time is Sunday 16:00 UTC: the UTC calendar would put it in the week before.
    expect(weekPeriod('2026-11-30', TZ).from).toBe(Date.UTC(2026, 10, 29, 16, 0, 0));
    expect(weekPeriod('2026-11-30', TZ).monday).toBe('2026-11-30');
  });

  it('crosses a year and a month: the week of Friday 1 January 2027 starts on Monday 28 December', () => {
    expect(mondayOf('2027-01-01')).toBe('2026-12-28');
    expect(weekPeriod('2027-01-03', TZ)).toEqual({ monday: '2026-12-28', from: shanghaiMidnight(2026, 12, 28), to: shanghaiMidnight(2027, 1, 4) });
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
  });

  it('cuts days and months at local midnight', () => {
    expect(dayPeriod('2026-11-27', TZ)).toEqual({ from: shanghaiMidnight(2026, 11, 27), to: shanghaiMidnight(2026, 11, 28) });
    expect(monthPeriod('2026-12', TZ)).toEqual({ from: shanghaiMidnight(2026, 12, 1), to: shanghaiMidnight(2027, 1, 1) });
  });

  it('keeps a week seven local days long across a daylight-saving change (Europe/Berlin, 29 March 2026)', () => {
    const w = weekPeriod('2026-03-29', 'Europe/Berlin');
    expect(w.monday).toBe('2026-03-23');
    // 23 March 00:00 CET (UTC+1) to 30 March 00:00 CEST (UTC+2): one hour short of 7 x 24.
    expect(w.from).toBe(Date.UTC(2026, 2, 22, 23, 0, 0));
    expect(w.to).toBe(Date.UTC(2026, 2, 29, 22, 0, 0));
  });
});
