import { describe, expect, it, vi } from 'vitest';
import { alertText } from '../../../gateway/notify/alert-text.js';
import { recordCall } from '../../../gateway/tickets/callbacks.js';
import { HOUR, MIN, followUpSite } from '../../helpers/follow-up-site.js';

const ZHAO = 'user:d-zhao' as const;

describe('a callback to the owner nobody made in time (回访)', () => {
  it('is due once an in-unit repair is resolved (none for a public-area one), and tells the desk once when overdue, also across a restart', async () => {
    const s = await followUpSite();
    const t = await s.repaired(false);
    expect(t.callback).toEqual({ state: 'due', dueBy: new Date(s.clock.now() + 2 * HOUR).toISOString(), calls: [], overdueTold: false });
    expect(t.recheck.state).toBe('none');
    const outside = await s.repaired(true);
    expect(outside.callback).toBeUndefined();
    // A try that did not reach the owner: still due.
    await s.run.tickets.mutate(t.id, ZHAO, (d, now) => {
      const o = recordCall(d, { reached: false }, ZHAO, now);
      return o.kind === 'changed' ? o.entry : null;
    });
    await s.advance(2 * HOUR - MIN);
    expect(s.entries(t.id, 'callback-overdue')).toEqual([]);
    await s.advance(MIN);
    await vi.waitFor(() => expect(s.entries(t.id, 'callback-overdue')).toHaveLength(1));
    expect(s.entries(t.id, 'callback-overdue')[0]?.note).toContain('回访逾期：应在 01-05 12:00 前回访业主，已通知 客服中心');
    expect(s.run.tickets.get(t.id)?.callback).toMatchObject({ state: 'due', overdueTold: true });
    await vi.waitFor(() => expect(s.alertsTo('desk', t.id).filter((a) => a.kind === 'callback-overdue')).toHaveLength(1));
    const alert = s.alertsTo('desk', t.id).find((a) => a.kind === 'callback-overdue')!;
    expect(alert).toMatchObject({ tier: 'general', to: { level: 'desk', name: { zh: '客服中心' }, mention: { mobiles: ['13700000003'] } } });
    expect(alertText(alert, s.clock.now(), 'Asia/Shanghai', 'zh-CN')).toMatchObject({ head: '【回访逾期】漏水', lines: ['T1｜B1 泵房', '李工 已完成户内维修，应在 01-05 12:00 前回访业主，已拨打 1 次未接通：请回访并记录满意度', `工单 ${t.number} · 通知：客服中心`] });
    // The team, the night centre and the supervisor are not woken for it.
    for (const path of ['day-plumbing', 'night', 'supervisor']) expect(s.alertsTo(path, t.id).filter((a) => a.kind === 'callback-overdue')).toEqual([]);
    // Once: after a restart and hours more, still one (restarted once its delivery is recorded: one
    // on its way when the gateway stops is sent again, by design).
    await s.advance(0);
    await s.restart();
    await s.advance(3 * HOUR);
    await s.run.notifier.stop();
    expect(s.entries(t.id, 'callback-overdue')).toHaveLength(1);
    expect(s.alertsTo('desk', t.id).filter((a) => a.kind === 'callback-overdue')).toHaveLength(1);
    expect(s.alertsTo('desk', outside.id)).toEqual([]);
  });

  it('says nothing of a callback made in time, and counts the time in elapsed time: a wall-clock step forward does not make it overdue', async () => {
    const s = await followUpSite();
    const called = await s.repaired(false);
    const stepped = await s.repaired(false);
    await s.advance(HOUR);
    await s.run.tickets.mutate(called.id, ZHAO, (d, now) => {
      const o = recordCall(d, { reached: true, satisfaction: 5 }, ZHAO, now);
      return o.kind === 'changed' ? o.entry : null;
    });
    s.clock.step(3 * HOUR);
    await s.advance(MIN);
    expect(s.entries(stepped.id, 'callback-overdue')).toEqual([]);
    await s.advance(HOUR);
    await vi.waitFor(() => expect(s.entries(stepped.id, 'callback-overdue')).toHaveLength(1));
    await s.run.notifier.stop();
    expect(s.entries(called.id, 'callback-overdue')).toEqual([]);
    expect(s.alertsTo('desk', called.id)).toEqual([]);
  });
});
