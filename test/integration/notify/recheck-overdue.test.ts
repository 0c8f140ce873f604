import { describe, expect, it, vi } from 'vitest';
import { alertText } from '../../../gateway/notify/alert-text.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { HOUR, LI, MIN, followUpSite } from '../../helpers/follow-up-site.js';

/** The re-check follow-up on the shared harness, with the re-check's due time checked on every repair. */
async function setup() {
  const s = await followUpSite();
  return {
    ...s,
    get run() {
      return s.run;
    },
    overdue: (id: string) => s.entries(id, 'recheck-overdue'),
    repaired: async (): Promise<Ticket> => {
      const t = await s.repaired(true);
      expect(t.recheck).toEqual({ state: 'due', dueBy: new Date(s.clock.now() + 2 * HOUR).toISOString() });
      return t;
    },
  };
}

describe('a re-check nobody did in time', () => {
  it('alerts the team on duty for its skill and building once, written in the history in the same write', async () => {
    const s = await setup();
    const t = await s.repaired();
    await s.advance(2 * HOUR - MIN);
    // The sweep writes in the ticket's memory at once: nothing is there a minute before the due time.
    expect(s.run.store.data.tickets[t.id]?.history.map((h) => h.action)).not.toContain('recheck-overdue');
    await s.advance(MIN);
    await vi.waitFor(() => expect(s.overdue(t.id)).toHaveLength(1));
    expect(s.overdue(t.id)[0]).toMatchObject({ actor: 'gateway', note: expect.stringContaining('复查逾期：应在 01-05 12:00 前复查，已通知 白班水电组') });
    await vi.waitFor(() => expect(s.alertsTo('day-plumbing', t.id).filter((a) => a.kind === 'recheck-overdue')).toHaveLength(1));
    const alert = s.alertsTo('day-plumbing', t.id).find((a) => a.kind === 'recheck-overdue')!;
    expect(alert).toMatchObject({ tier: 'general', number: t.number, to: { level: 'team', name: { zh: '白班水电组' } }, deadline: null });
    expect(alertText(alert, s.clock.now(), 'Asia/Shanghai', 'zh-CN')).toMatchObject({ head: '【复查逾期】漏水', lines: ['T1｜B1 泵房', '李工 已完成维修，应在 01-05 12:00 前复查，至今无人复查：请安排巡检复查', `工单 ${t.number} · 通知：白班水电组`] });
    expect(s.alertsTo('night', t.id)).toEqual([]);
    expect(s.alertsTo('supervisor', t.id)).toEqual([]);

    // Once: hours later, still one entry and one alert.
    await s.advance(5 * HOUR);
    await s.run.notifier.stop();
    expect(s.overdue(t.id)).toHaveLength(1);
    expect(s.alertsTo('day-plumbing', t.id).filter((a) => a.kind === 'recheck-overdue')).toHaveLength(1);
  });

  it('is durable across a restart: told once before it, not again after; one that fell due while the gateway was down is told at start', async () => {
    const s = await setup();
    const told = await s.repaired();
    await s.advance(2 * HOUR);
    await vi.waitFor(() => expect(s.overdue(told.id)).toHaveLength(1));
    await vi.waitFor(() => expect(s.alertsTo('day-plumbing', told.id).filter((a) => a.kind === 'recheck-overdue')).toHaveLength(1));
    const third = await s.repaired();
    await s.advance(0);
    await s.restart();
    // Started again at once: what was told stays told.
    await s.advance(HOUR);
    expect(s.run.store.data.tickets[told.id]?.history.filter((h) => h.action === 'recheck-overdue')).toHaveLength(1);
    // Down for three hours: the third repair fell due meanwhile, and is told at start.
    await s.restart(s.clock.now() + 3 * HOUR);
    await vi.waitFor(() => expect(s.overdue(third.id)).toHaveLength(1));
    await vi.waitFor(() => expect(s.alertsTo('day-plumbing', third.id).filter((a) => a.kind === 'recheck-overdue')).toHaveLength(1));
    await s.advance(HOUR);
    await s.run.notifier.stop();
    expect(s.overdue(told.id)).toHaveLength(1);
    expect(s.alertsTo('day-plumbing', told.id).filter((a) => a.kind === 'recheck-overdue')).toHaveLength(1);
    expect(s.alertsTo('day-plumbing', third.id).filter((a) => a.kind === 'recheck-overdue')).toHaveLength(1);
  });

  it('says nothing of a repair re-checked in time, and tells a repair resolved again after a failed re-check once more', async () => {
    const s = await setup();
    const passed = await s.repaired();
    const failed = await s.repaired();
    await s.advance(HOUR);
    await s.run.tickets.step(passed.id, 'recheck-pass', { user: { id: 'p-wang', name: '王巡检' } });
    await s.run.tickets.step(failed.id, 'recheck-fail', { user: { id: 'p-wang', name: '王巡检' }, note: '仍在渗水' });
    await s.run.tickets.step(failed.id, 'take', { user: LI });
    await s.run.tickets.step(failed.id, 'arrive', { user: LI });
    await s.run.tickets.step(failed.id, 'resolve', { user: LI, note: '重新更换' });
    await s.advance(2 * HOUR);
    await vi.waitFor(() => expect(s.overdue(failed.id)).toHaveLength(1));
    await vi.waitFor(() => expect(s.alertsTo('day-plumbing', failed.id).filter((a) => a.kind === 'recheck-overdue')).toHaveLength(1));
    await s.run.notifier.stop();
    expect(s.overdue(passed.id)).toEqual([]);
    expect(s.alertsTo('day-plumbing', passed.id).filter((a) => a.kind === 'recheck-overdue')).toEqual([]);
  });

  it('counts the time to the re-check in elapsed time: a wall-clock step forward does not make it overdue', async () => {
    const s = await setup();
    const t = await s.repaired();
    s.clock.step(3 * HOUR);
    await s.advance(MIN);
    expect(s.run.store.data.tickets[t.id]?.history.map((h) => h.action)).not.toContain('recheck-overdue');
    await s.advance(2 * HOUR);
    await vi.waitFor(() => expect(s.overdue(t.id)).toHaveLength(1));
  });
});
