import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../gateway/clock.js';
import type { SiteConfig } from '../../../gateway/config/site-schema.js';
import { silentLogger } from '../../../gateway/log.js';
import type { AlertFacts } from '../../../gateway/notify/alert-facts.js';
import { alertText } from '../../../gateway/notify/alert-text.js';
import { createNotifier, type Notifier } from '../../../gateway/notify/index.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// 10:00 Beijing time, Monday 5 January 2026.
const DAY = Date.UTC(2026, 0, 5, 2, 0, 0);
const LI = { id: 'e-li', name: '李工' };

/** The site's store, tickets and alerts on a clock the test moves; started again over the same data folder by `restart`. */
async function setup() {
  const hook = await webhookServer();
  const channel = (id: string) => ({ id, type: 'webhook' as const, url: { value: `${hook.url}/${id}` }, retries: 0 });
  const site = testSite({
    http: { publicUrl: 'https://gw.site.lan' },
    // Re-checked within 2 hours here (72 by default), so the test moves the clock less.
    repairs: { recheckWithinHours: 2 },
    notify: {
      channels: ['day-plumbing', 'night', 'supervisor'].map(channel),
      roster: {
        teams: [
          { id: 'day-plumbing', name: { zh: '白班水电组', en: 'Day plumbing team' }, shift: 'day', skills: ['plumbing'], channels: ['day-plumbing'] },
          { id: 'night-centre', name: { zh: '夜间监控中心', en: 'Night monitoring centre' }, shift: 'night', skills: ['plumbing'], channels: ['night'] },
        ],
        supervisor: { name: { zh: '工程主管', en: 'Engineering supervisor' }, channels: ['supervisor'] },
      },
    },
  });
  const dataDir = await tempDir();
  const clock = new ManualClock(DAY);
  const open = async (): Promise<{ store: FileStore; tickets: TicketService; notifier: Notifier }> => {
    const store = await FileStore.open({ dataDir, clock: systemClock, log: silentLogger() });
    const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
    const notifier = createNotifier({ site, tickets, store, clock, log: silentLogger() });
    await notifier.start();
    return { store, tickets, notifier };
  };
  let run = await open();
  onTestFinished(async () => {
    await run.notifier.stop();
    await run.store.close();
  });
  const alertsTo = (path: string, ticketId: string) => hook.received.flatMap((r) => (r.path === `/${path}` ? (r.body['alerts'] as AlertFacts[]) : [])).filter((a) => a.ticketId === ticketId);
  const overdue = (id: string) => run.tickets.get(id)?.history.filter((h) => h.action === 'recheck-overdue') ?? [];
  const advance = async (ms: number): Promise<void> => {
    await vi.waitFor(() => expect(run.notifier.status().filter((c) => c.pending > 0)).toEqual([]), { timeout: 15_000, interval: 10 });
    clock.advance(ms);
  };
  /** A public-area leak taken and resolved by 李工. */
  const repaired = async (): Promise<Ticket> => {
    const t = await run.tickets.raise({ fault: 'water-leak', device: site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Water leak' }, description: { zh: '漏水', en: 'Leak' } });
    await run.tickets.step(t.id, 'take', { user: LI });
    await run.tickets.step(t.id, 'arrive', { user: LI });
    const after = await run.tickets.step(t.id, 'resolve', { user: LI, note: '更换阀门' });
    expect(after.ticket.recheck).toEqual({ state: 'due', dueBy: new Date(clock.now() + 2 * HOUR).toISOString() });
    return after.ticket;
  };
  /** Stops, and starts again over the same data folder with the wall clock at `at` (default: no time away). */
  const restart = async (at = clock.now()): Promise<void> => {
    await run.notifier.stop();
    await run.store.close();
    clock.set(at);
    run = await open();
  };
  return { site: site as SiteConfig, clock, advance, alertsTo, overdue, repaired, restart, get run() { return run; } };
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
