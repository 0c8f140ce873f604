import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/log.js';
import { OutageLog } from '../../../gateway/liveness/outage-log.js';
import type { Store } from '../../../gateway/store/store.js';

const fakeStore = (): Store => ({ data: { extra: {} } }) as unknown as Store;
const DAY = 86_400_000;
const MONTH_FROM = Date.UTC(2026, 10, 1);
const MONTH_TO = Date.UTC(2026, 11, 1);

describe('outage log', () => {
  it('counts the month up, the outages and the longest, from the first start', () => {
    const log = new OutageLog(fakeStore(), silentLogger());
    log.recordStart(MONTH_FROM, null);
    log.recordStart(MONTH_FROM + DAY + 3_600_000, { from: MONTH_FROM + DAY, to: MONTH_FROM + DAY + 3_600_000, cause: { kind: 'crash' } });
    log.recordStart(MONTH_FROM + 2 * DAY + 600_000, { from: MONTH_FROM + 2 * DAY, to: MONTH_FROM + 2 * DAY + 600_000, cause: { kind: 'stopped', by: 'SIGTERM' } });
    const a = log.availability(MONTH_FROM, MONTH_TO, MONTH_TO);
    expect(a).toEqual({ percentUp: 99.8, outages: 2, longestMinutes: 60, downMinutes: 70 });
    expect(log.outages().map((o) => o.cause)).toEqual(['crash', 'stopped:SIGTERM']);
  });

  it('counts a month only so far, and only since the gateway first started', () => {
    const log = new OutageLog(fakeStore(), silentLogger());
    const first = MONTH_FROM + 10 * DAY;
    log.recordStart(first, null);
    log.recordStart(first + DAY, { from: first + DAY - 6 * 3_600_000, to: first + DAY, cause: { kind: 'power' } });
    // Two days since the first start, a quarter of one down.
    expect(log.availability(MONTH_FROM, MONTH_TO, first + 2 * DAY)?.percentUp).toBe(87.5);
    expect(log.availability(MONTH_FROM - 31 * DAY, MONTH_FROM, first)).toBeNull();
  });

  it('cuts an outage at the month boundary', () => {
    const log = new OutageLog(fakeStore(), silentLogger());
    log.recordStart(MONTH_FROM - 5 * DAY, null);
    log.recordStart(MONTH_FROM + DAY, { from: MONTH_FROM - DAY, to: MONTH_FROM + DAY, cause: { kind: 'power' } });
    const a = log.availability(MONTH_FROM, MONTH_TO, MONTH_TO);
    expect(a?.downMinutes).toBe(1440);
    expect(a?.longestMinutes).toBe(2880);
  });

  it('takes a longer absence from the same moment as the same outage (a run that stopped again at once)', () => {
    const log = new OutageLog(fakeStore(), silentLogger());
    log.recordStart(MONTH_FROM, null);
    log.recordStart(MONTH_FROM + DAY + 60_000, { from: MONTH_FROM + DAY, to: MONTH_FROM + DAY + 60_000, cause: { kind: 'stopped', by: 'ups-battery-low' } });
    log.recordStart(MONTH_FROM + DAY + 600_000, { from: MONTH_FROM + DAY, to: MONTH_FROM + DAY + 600_000, cause: { kind: 'stopped', by: 'ups-battery-low' } });
    expect(log.outages()).toHaveLength(1);
    expect(log.availability(MONTH_FROM, MONTH_TO, MONTH_TO)?.downMinutes).toBe(10);
  });

  it('reads a damaged record as none, and says so', () => {
    const store = fakeStore();
    store.data.extra['gatewayRuns'] = { outages: 'nonsense' };
    const lines: string[] = [];
    const log = new OutageLog(store, { warn: (o: { event: string }) => lines.push(o.event) } as never);
    expect(log.outages()).toEqual([]);
    expect(lines).toEqual(['liveness.outages_unreadable']);
  });
});
