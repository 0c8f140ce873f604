import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { AlertFacts } from '../../../gateway/notify/alert-facts.js';
import { createNotifier } from '../../../gateway/notify/index.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

const MIN = 60_000;
// 10:00 and 22:00 in Asia/Shanghai.
const DAY = Date.UTC(2026, 0, 5, 2, 0, 0);
const NIGHT = Date.UTC(2026, 0, 5, 14, 0, 0);

async function setup(start: number, escalation: Record<string, unknown> = {}) {
  const hook = await webhookServer();
  const channel = (id: string) => ({ id, type: 'webhook' as const, url: { value: `${hook.url}/${id}` }, retries: 0 });
  const site = testSite({
    http: { publicUrl: 'https://gw.site.lan' },
    escalation,
    notify: {
      channels: ['all', 'day-plumbing', 'day-plumbing-t2', 'night', 'supervisor', 'manager'].map(channel),
      roster: {
        teams: [
          { id: 'day-plumbing', name: { zh: '白班水电组', en: 'Day plumbing team' }, shift: 'day', skills: ['plumbing'], buildings: ['T1'], channels: ['day-plumbing'] },
          { id: 'day-plumbing-t2', name: { zh: '二号楼水电组', en: 'T2 plumbing team' }, shift: 'day', skills: ['plumbing'], buildings: ['T2'], channels: ['day-plumbing-t2'] },
          { id: 'night-centre', name: { zh: '夜间监控中心', en: 'Night monitoring centre' }, shift: 'night', skills: ['plumbing', 'electrical', 'elevator', 'iot'], channels: ['night'] },
        ],
        supervisor: { name: { zh: '工程主管', en: 'Engineering supervisor' }, channels: ['supervisor'] },
        manager: { name: { zh: '项目经理', en: 'Site manager' }, channels: ['manager'] },
      },
    },
  });
  const clock = new ManualClock(start);
  const store = await FileStore.open({ dataDir: await tempDir(), clock: systemClock, log: silentLogger() });
  onTestFinished(() => store.close());
  const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
  const notifier = createNotifier({ site, tickets, store, clock, log: silentLogger() });
  await notifier.start();
  onTestFinished(() => notifier.stop());
  const raise = (tier: Ticket['tier'], building = 'T1', fault = 'water-leak') =>
    tickets.raise({
      fault,
      device: { ...site.devices[0]!, location: { ...site.devices[0]!.location, building } },
      tier,
      skill: 'plumbing',
      title: { zh: '漏水', en: 'Water leak' },
      description: { zh: '漏水', en: 'Leak' },
    });
  const alertsTo = (path: string, ticketId: string) => hook.received.flatMap((r) => (r.path === `/${path}` ? (r.body['alerts'] as AlertFacts[]) : [])).filter((a) => a.ticketId === ticketId);
  const escalations = (id: string) => tickets.get(id)!.history.filter((h) => h.action === 'escalated');
  // Jumps of the manual clock wait until no alert is on its way: a jump past a request in flight
  // would fire its 20 s attempt timeout, and the retry would deliver it a second time.
  const advance = async (ms: number): Promise<void> => {
    await vi.waitFor(() => expect(notifier.status().filter((c) => c.pending > 0)).toEqual([]), { timeout: 15_000, interval: 10 });
    clock.advance(ms);
  };
  /** Lets the sweep run once a second until `n` escalations of a ticket are written (two due at one moment take two sweeps). */
  const sweepUntil = (id: string, n: number) =>
    vi.waitFor(async () => {
      if (escalations(id).length < n) await advance(1_000);
      expect(escalations(id)).toHaveLength(n);
    });
  return { clock, advance, tickets, notifier, raise, alertsTo, escalations, hook, sweepUntil };
}

describe('duty roster and escalation', () => {
  it('alerts the team on duty for the skill and building, then the supervisor at 5 min and the manager at 10 min when nobody takes it, and again at each later deadline', async () => {
    const s = await setup(DAY);
    const t = await s.raise('emergency');
    await vi.waitFor(() => expect(s.alertsTo('day-plumbing', t.id)).toHaveLength(1));
    await vi.waitFor(() => expect(s.alertsTo('all', t.id)).toHaveLength(1));
    expect(s.alertsTo('day-plumbing', t.id)[0]).toMatchObject({ kind: 'raised', to: { level: 'team', name: { en: 'Day plumbing team' } } });
    expect(s.alertsTo('day-plumbing-t2', t.id)).toEqual([]);
    expect(s.alertsTo('night', t.id)).toEqual([]);

    // An escalation is in the ticket's memory as soon as the sweep runs, so absence is checked at once.
    await s.advance(5 * MIN - 1_000);
    await s.notifier.escalationsSettled();
    expect(s.escalations(t.id)).toEqual([]);
    await s.advance(1_000);
    // 5 min: nobody took the leak, and nobody is on site (water: 5 min, the standard operating procedures).
    await s.sweepUntil(t.id, 2);
    expect(s.escalations(t.id)[0]).toMatchObject({ actor: 'gateway', at: new Date(DAY + 5 * MIN).toISOString() });
    expect(s.escalations(t.id)[0]!.note).toContain('Engineering supervisor');
    await vi.waitFor(() => expect(s.alertsTo('supervisor', t.id)).toHaveLength(2));
    expect(s.alertsTo('supervisor', t.id)[0]).toMatchObject({ kind: 'escalated', to: { level: 'supervisor' } });
    expect(s.alertsTo('manager', t.id)).toEqual([]);

    await s.advance(5 * MIN);
    await s.sweepUntil(t.id, 4);
    await vi.waitFor(() => expect(s.alertsTo('manager', t.id)).toHaveLength(2));
    expect(s.escalations(t.id)[2]!.note).toContain('Site manager');
    // Each later deadline nobody meets climbs the ladder again, once per level: dispatch at 15
    // and 20 min, each written in the history first.
    await s.advance(5 * MIN);
    await vi.waitFor(() => expect(s.escalations(t.id)).toHaveLength(5));
    await s.advance(5 * MIN);
    await vi.waitFor(() => expect(s.escalations(t.id)).toHaveLength(6));
    await s.advance(60 * MIN);
    await s.notifier.escalationsSettled();
    expect(s.escalations(t.id).map((h) => `${h.step}/${h.level}`)).toEqual([
      'acknowledgeBy/supervisor', 'onSiteBy/supervisor', 'acknowledgeBy/manager', 'onSiteBy/manager', 'dispatchBy/supervisor', 'dispatchBy/manager',
    ]);
    await vi.waitFor(() => expect(s.alertsTo('manager', t.id)).toHaveLength(3));
    expect(s.alertsTo('manager', t.id).map((a) => a.escalation?.step)).toEqual(['acknowledgeBy', 'onSiteBy', 'dispatchBy']);
  });

  it('escalates every deadline its step misses, once per level: a taken emergency only when nobody is on site by its on-site time; an untaken general order to the supervisor at 5 min (the grab rule)', async () => {
    const s = await setup(DAY);
    // A power cut: an emergency on site within 15 min (a leak would be 5).
    const taken = await s.raise('emergency', 'T1', 'power-loss');
    const general = await s.raise('general', 'T1', 'drain-blocked');
    await s.advance(2 * MIN);
    await s.tickets.step(taken.id, 'take', { user: { id: 'e-li', name: '李工' } });
    await s.advance(2 * MIN);
    expect(s.escalations(general.id)).toEqual([]);
    await s.advance(1 * MIN);
    await vi.waitFor(() => expect(s.escalations(general.id)).toHaveLength(1));
    expect(s.escalations(general.id)[0]).toMatchObject({ step: 'grab', level: 'supervisor', at: new Date(DAY + 5 * MIN).toISOString() });
    expect(s.escalations(general.id)[0]!.note).toContain('未在 5 分钟内接单（抢单）');
    await vi.waitFor(() => expect(s.alertsTo('supervisor', general.id)).toHaveLength(1));
    expect(s.alertsTo('supervisor', general.id)[0]).toMatchObject({ kind: 'escalated', escalation: { step: 'grab' } });
    // Past the acknowledge (5) deadline: taking the repair did it.
    await s.advance(9 * MIN);
    expect(s.escalations(taken.id)).toEqual([]);
    await s.advance(1 * MIN);
    // 15 min: the on-site deadline passes without an arrival; the engineer who took it is named.
    await vi.waitFor(() => expect(s.escalations(taken.id)).toHaveLength(1));
    expect(s.escalations(taken.id)[0]).toMatchObject({ step: 'onSiteBy', level: 'supervisor', at: new Date(DAY + 15 * MIN).toISOString() });
    expect(s.escalations(taken.id)[0]!.note).toContain('李工 未在 15 分钟内到场');
    await vi.waitFor(() => expect(s.alertsTo('supervisor', taken.id)).toHaveLength(1));
    expect(s.alertsTo('supervisor', taken.id)[0]).toMatchObject({ kind: 'escalated', escalation: { step: 'onSiteBy' } });
    // Arriving stops the on-site escalation before it reaches the manager (5 min later).
    await s.tickets.step(taken.id, 'arrive', { user: { id: 'e-li', name: '李工' } });
    await s.advance(10 * MIN);
    await s.notifier.escalationsSettled();
    expect(s.escalations(taken.id)).toHaveLength(1);
    expect(s.alertsTo('manager', taken.id)).toEqual([]);
  });

  it('does not stop the engineers clock on a patrol confirm; a false alarm ends its escalation', async () => {
    const s = await setup(DAY);
    const confirmed = await s.raise('emergency');
    const rejected = await s.raise('emergency');
    await s.advance(1 * MIN);
    await s.tickets.step(confirmed.id, 'confirm', { user: { id: 'p-wang', name: '王巡检' } });
    await s.tickets.step(rejected.id, 'reject', { user: { id: 'p-wang', name: '王巡检' }, note: '现场无水' });
    expect(s.tickets.get(confirmed.id)).toMatchObject({ status: 'raised', verification: { state: 'confirmed' } });
    await s.advance(4 * MIN);
    await vi.waitFor(() => expect(s.escalations(confirmed.id)).toHaveLength(1));
    expect(s.escalations(confirmed.id)[0]).toMatchObject({ step: 'acknowledgeBy', level: 'supervisor' });
    await s.advance(60 * MIN);
    await vi.waitFor(() => expect(s.escalations(confirmed.id).length).toBeGreaterThan(1));
    expect(s.escalations(rejected.id)).toEqual([]);
  });

  it('keeps a tier to the levels the site file names, at the times it names', async () => {
    const s = await setup(DAY, { low: { levels: ['supervisor'] }, general: { managerAfterMinutes: 60 } });
    const low = await s.raise('low', 'T1', 'drain-blocked');
    const general = await s.raise('general', 'T1', 'drain-blocked');
    // 5 min: the grab rule for both; 15 min: nobody on site for the general order.
    await s.advance(5 * MIN);
    await vi.waitFor(() => expect(s.escalations(general.id)).toHaveLength(1));
    await vi.waitFor(() => expect(s.escalations(low.id)).toHaveLength(1));
    await s.advance(10 * MIN);
    await vi.waitFor(() => expect(s.escalations(general.id)).toHaveLength(2));
    // The manager an hour after the supervisor (the site's managerAfterMinutes): on site at 75 min, acknowledge at 90.
    await s.advance(59 * MIN);
    expect(s.escalations(general.id)).toHaveLength(2);
    await s.advance(1 * MIN);
    await vi.waitFor(() => expect(s.escalations(general.id)).toHaveLength(3));
    await s.advance(15 * MIN);
    await vi.waitFor(() => expect(s.escalations(general.id)).toHaveLength(4));
    expect(s.escalations(general.id).map((h) => `${h.step}/${h.level}`)).toEqual(['grab/supervisor', 'onSiteBy/supervisor', 'onSiteBy/manager', 'acknowledgeBy/manager']);
    // Low: the supervisor only, however long it waits (dispatch and on site at 240 min).
    await s.advance(10 * 60 * MIN);
    await s.sweepUntil(low.id, 3);
    expect(s.escalations(low.id).map((h) => h.step)).toEqual(['grab', 'dispatchBy', 'onSiteBy']);
    expect(s.escalations(low.id).every((h) => h.level === 'supervisor')).toBe(true);
  });

  it('sends a night ticket to the night monitoring centre and a T2 ticket to the T2 team', async () => {
    const night = await setup(NIGHT);
    const t = await night.raise('emergency');
    await vi.waitFor(() => expect(night.alertsTo('night', t.id)).toHaveLength(1));
    expect(night.alertsTo('day-plumbing', t.id)).toEqual([]);
    const day = await setup(DAY);
    const t2 = await day.raise('emergency', 'T2');
    await vi.waitFor(() => expect(day.alertsTo('day-plumbing-t2', t2.id)).toHaveLength(1));
    expect(day.alertsTo('day-plumbing', t2.id)).toEqual([]);
    // A building no day team covers goes to the supervisor at once rather than to nobody.
    const t3 = await day.raise('emergency', 'T7');
    await vi.waitFor(() => expect(day.alertsTo('supervisor', t3.id)).toHaveLength(1));
    expect(day.alertsTo('supervisor', t3.id)[0]).toMatchObject({ kind: 'raised', to: { level: 'supervisor' } });
  });
});

describe('roster in the site file', () => {
  it('refuses unknown channels and shifts, and a day with hours nobody covers, naming each path', () => {
    expect(() =>
      testSite({
        notify: {
          channels: [{ id: 'a', type: 'mqtt' }],
          roster: {
            shifts: [{ id: 'day', name: { zh: '白班', en: 'Day' }, from: '09:00', to: '17:30' }],
            teams: [{ id: 't', name: { zh: '组', en: 'Team' }, shift: 'evening', skills: ['plumbing'], channels: ['b'] }],
          },
        },
      }),
    ).toThrow(/notify\.roster\.teams\[0\]\.shift: expected one of the shift ids[\s\S]*notify\.roster\.teams\[0\]\.channels\[0\]: expected a channel id[\s\S]*notify\.roster\.shifts: no shift covers 00:00/);
  });
});
