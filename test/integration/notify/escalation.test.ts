import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../gateway/clock.js';
import { silentLogger } from '../../../gateway/log.js';
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

async function setup(start: number) {
  const hook = await webhookServer();
  const channel = (id: string) => ({ id, type: 'webhook' as const, url: { value: `${hook.url}/${id}` }, retries: 0 });
  const site = testSite({
    http: { publicUrl: 'https://gw.site.lan' },
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
  const raise = (tier: Ticket['tier'], building = 'T1') =>
    tickets.raise({
      fault: 'water-leak',
      device: { ...site.devices[0]!, location: { ...site.devices[0]!.location, building } },
      tier,
      skill: 'plumbing',
      title: { zh: '漏水', en: 'Water leak' },
      description: { zh: '漏水', en: 'Leak' },
    });
  const alertsTo = (path: string, ticketId: string) => hook.received.flatMap((r) => (r.path === `/${path}` ? (r.body['alerts'] as AlertFacts[]) : [])).filter((a) => a.ticketId === ticketId);
  const escalations = (id: string) => tickets.get(id)!.history.filter((h) => h.action === 'escalated');
  return { clock, tickets, notifier, raise, alertsTo, escalations, hook };
}

describe('duty roster and escalation', () => {
  it('alerts the team on duty for the skill and building, then the supervisor at 5 min and the manager at 10 min when nobody acknowledges', async () => {
    const s = await setup(DAY);
    const t = await s.raise('emergency');
    await vi.waitFor(() => expect(s.alertsTo('day-plumbing', t.id)).toHaveLength(1));
    await vi.waitFor(() => expect(s.alertsTo('all', t.id)).toHaveLength(1));
    expect(s.alertsTo('day-plumbing', t.id)[0]).toMatchObject({ kind: 'raised', to: { level: 'team', name: { en: 'Day plumbing team' } } });
    expect(s.alertsTo('day-plumbing-t2', t.id)).toEqual([]);
    expect(s.alertsTo('night', t.id)).toEqual([]);

    // An escalation is in the ticket's memory as soon as the sweep runs, so absence is checked at once.
    s.clock.advance(5 * MIN - 1_000);
    expect(s.escalations(t.id)).toEqual([]);
    s.clock.advance(1_000);
    await vi.waitFor(() => expect(s.escalations(t.id)).toHaveLength(1));
    expect(s.escalations(t.id)[0]).toMatchObject({ actor: 'gateway', at: new Date(DAY + 5 * MIN).toISOString() });
    expect(s.escalations(t.id)[0]!.note).toContain('Engineering supervisor');
    await vi.waitFor(() => expect(s.alertsTo('supervisor', t.id)).toHaveLength(1));
    expect(s.alertsTo('supervisor', t.id)[0]).toMatchObject({ kind: 'escalated', to: { level: 'supervisor' } });
    expect(s.alertsTo('manager', t.id)).toEqual([]);

    s.clock.advance(5 * MIN);
    await vi.waitFor(() => expect(s.escalations(t.id)).toHaveLength(2));
    await vi.waitFor(() => expect(s.alertsTo('manager', t.id)).toHaveLength(1));
    expect(s.escalations(t.id)[1]!.note).toContain('Site manager');
    // The top of the ladder: no third step however long it waits.
    s.clock.advance(60 * MIN);
    expect(s.escalations(t.id)).toHaveLength(2);
  });

  it('does not escalate an acknowledged ticket, and escalates a general one only after its own 30 min', async () => {
    const s = await setup(DAY);
    const acked = await s.raise('emergency');
    const general = await s.raise('general');
    s.clock.advance(2 * MIN);
    await s.tickets.transition(acked.id, 'user:e-li', 'acknowledged');
    s.clock.advance(20 * MIN);
    expect(s.escalations(acked.id)).toEqual([]);
    expect(s.escalations(general.id)).toEqual([]);
    s.clock.advance(8 * MIN);
    await vi.waitFor(() => expect(s.escalations(general.id)).toHaveLength(1));
    expect(s.escalations(acked.id)).toEqual([]);
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
