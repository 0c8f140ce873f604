import { describe, expect, it } from 'vitest';
import { computeStats, statsCsv } from '../../../gateway/api/stats.js';
import type { HistoryEntry, Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { sampleTicket } from '../../helpers/ticket-fixture.js';

const T0 = Date.UTC(2026, 10, 2, 1, 0, 0); // 09:00 Beijing time, 2 November
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const alarms = testSite().alarms;

/** An emergency raised at `at` whose steps were done the given minutes after it. */
function ticket(id: string, at: number, steps: Partial<Record<'acknowledged' | 'arrived' | 'resolved', number>>, more: Partial<Ticket> = {}): Ticket {
  const history: HistoryEntry[] = [{ at: iso(at), actor: 'gateway', action: 'raised', status: 'raised' }];
  for (const [action, m] of Object.entries(steps)) history.push({ at: iso(at + m * MIN), actor: 'user:e-li', action, status: action as Ticket['status'] });
  const status = steps.resolved !== undefined ? 'resolved' : steps.arrived !== undefined ? 'arrived' : steps.acknowledged !== undefined ? 'acknowledged' : 'raised';
  return sampleTicket(id, 1, 0, {
    createdAt: iso(at),
    tier: 'emergency',
    status,
    deadlines: { acknowledgeBy: iso(at + 5 * MIN), dispatchBy: iso(at + 15 * MIN), onSiteBy: iso(at + 30 * MIN), resolveBy: iso(at + 240 * MIN) },
    history,
    occurrences: [{ at: iso(at) }],
    ...more,
  });
}

describe('statistics as the KPI sheets count them', () => {
  it('counts each step on time, late and overdue, with median and 90th percentile, by building and by skill', () => {
    const tickets = [
      ticket('a', T0, { acknowledged: 2, arrived: 20, resolved: 60 }),
      ticket('b', T0, { acknowledged: 4, arrived: 40, resolved: 300 }, { location: { building: 'T2', floor: '1F', description: 'x', publicArea: true }, skill: 'electrical' }),
      ticket('c', T0, { acknowledged: 9 }),
      ticket('d', T0, {}),
      ticket('e', T0, {}, { status: 'rejected', verification: { state: 'rejected', by: 'p-wang', at: iso(T0 + MIN), note: '无' } }),
      ticket('f', T0, { acknowledged: 1, arrived: 10, resolved: 30 }, { rework: true, repeatOf: 'a' }),
    ];
    const now = T0 + 60 * MIN;
    const s = computeStats(tickets, { from: T0 - MIN, to: T0 + 86_400_000, now }, alarms);
    // The false alarm counts in no step; d and c still owe steps whose deadlines passed by `now`.
    expect(s.steps.acknowledge).toMatchObject({ count: 4, onTime: 3, overdue: 1, medianMinutes: 3, p90Minutes: 9 });
    expect(s.steps.onSite).toMatchObject({ count: 3, onTime: 2, overdue: 2, medianMinutes: 20 });
    expect(s.steps.resolve).toMatchObject({ count: 3, onTime: 2, overdue: 0 });
    expect(s.completionRate).toBe(3 / 5);
    expect(s.repeatRate).toBe(1 / 6);
    expect(s.byBuilding['T2']).toMatchObject({ total: 1, completionRate: 1, steps: { resolve: { onTimeShare: 0 } } });
    expect(s.bySkill['plumbing']).toMatchObject({ total: 5 });
    expect(s.falseAlarms.byFault).toEqual([{ key: 'water-leak', decided: 1, rejected: 1, rate: 1 }]);
  });

  it('cuts a day at local midnight: a ticket at 07:59 Beijing time belongs to that day, not the UTC one before', () => {
    const early = ticket('early', Date.UTC(2026, 10, 1, 23, 59, 0), {});
    const midnight = Date.UTC(2026, 10, 1, 16, 0, 0); // 2 November 00:00 Beijing time
    const s = computeStats([early], { from: midnight, to: midnight + 86_400_000, now: midnight + 86_400_000 }, alarms);
    expect(s.tickets.total).toBe(1);
    const csv = statsCsv([early], { from: midnight, to: midnight + 86_400_000 }, 'Asia/Shanghai');
    expect(csv.split('\r\n')[1]).toContain(',2026-11-02 07:59:00,');
  });
});

describe('the repair procedures in the figures', () => {
  it('leaves a repair fixed without coming on site out of the on-site figures (counted apart), and a ticket paused by a storm out of the overdue ones', () => {
    const offSite = ticket('o', T0, { acknowledged: 2, resolved: 20 }, { resolution: { cause: null, action: null, materials: [], workers: [], offSite: { reason: '电话指导业主复位' } } });
    const paused = ticket('p', T0, {}, { tier: 'general', paused: { since: iso(T0 + MIN), reason: '台风' } });
    const late = ticket('l', T0, {});
    const s = computeStats([offSite, paused, late], { from: T0 - MIN, to: T0 + 86_400_000, now: T0 + 60 * MIN }, alarms);
    expect(s.offSite).toBe(1);
    expect(s.steps.onSite).toMatchObject({ count: 0, overdue: 1 });
    expect(s.steps.acknowledge).toMatchObject({ count: 1, overdue: 1 });
    expect(s.paused).toEqual({ tickets: 1, minutes: 0 });
  });

  it('counts callbacks on time, late and missing, satisfaction at 4 or 5 of 5, repairs right the first time and re-tiered tickets', () => {
    const call = (at: number, satisfaction: 1 | 2 | 3 | 4 | 5 | null) => ({ at: iso(at), by: 'user:d-zhao' as const, reached: true as const, satisfaction, words: null, fixed: true });
    const due = T0 + 24 * 60 * MIN;
    const tickets = [
      ticket('a', T0, { acknowledged: 1, arrived: 5, resolved: 30 }, { callback: { state: 'done', dueBy: iso(due), calls: [call(T0 + 60 * MIN, 5)], overdueTold: false } }),
      ticket('b', T0, { acknowledged: 1, arrived: 5, resolved: 30 }, { callback: { state: 'done', dueBy: iso(due), calls: [{ at: iso(T0 + 2 * 60 * MIN), by: 'user:d-zhao', reached: false, words: null }, call(due + MIN, 3)], overdueTold: true } }),
      ticket('c', T0, { acknowledged: 1, arrived: 5, resolved: 30 }, { callback: { state: 'due', dueBy: iso(due), calls: [], overdueTold: true } }),
      ticket('d', T0, { acknowledged: 1, arrived: 5, resolved: 30 }, { callback: { state: 'due', dueBy: iso(due + 48 * 60 * MIN), calls: [], overdueTold: false } }),
      ticket('e', T0, { acknowledged: 1 }, { history: [{ at: iso(T0), actor: 'gateway', action: 'raised' }, { at: iso(T0 + MIN), actor: 'user:e-li', action: 'retiered', note: '级别' }] }),
      ticket('f', T0 + MIN, { acknowledged: 1, resolved: 20 }, { rework: true, repeatOf: 'a' }),
    ];
    const s = computeStats(tickets, { from: T0 - MIN, to: T0 + 30 * 86_400_000, now: due + 60 * MIN }, alarms);
    expect(s.callbacks).toEqual({ owed: 3, onTime: 1, late: 1, missing: 1, rate: 1 / 3, satisfaction: { rated: 2, satisfied: 1, share: 0.5 } });
    // a was repeated by f: of a, b, c, d, f only b, c, d and f were right the first time.
    expect(s.firstTimeFix).toEqual({ repaired: 5, firstTime: 4, rate: 0.8 });
    expect(s.retiered).toBe(1);
  });
});
