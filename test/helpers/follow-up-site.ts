import { expect, onTestFinished, vi } from 'vitest';
import { ManualClock, systemClock } from '../../core/clock.js';
import type { SiteConfig } from '../../gateway/config/site-schema.js';
import { silentLogger } from '../../core/log.js';
import type { AlertFacts } from '../../gateway/notify/alert-facts.js';
import { createNotifier, type Notifier } from '../../gateway/notify/index.js';
import { FileStore } from '../../gateway/store/store.js';
import { TicketService } from '../../gateway/tickets/ticket-service.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { testSite } from './site.js';
import { tempDir } from './temp-dir.js';
import { webhookServer } from './webhook-server.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
// 10:00 Beijing time, Monday 5 January 2026.
const DAY = Date.UTC(2026, 0, 5, 2, 0, 0);
export const LI = { id: 'e-li', name: '李工' };

/**
 * The follow-ups a repair is owed (re-check, callback), on a clock the test moves: the site's store,
 * tickets and alerts, with a day plumbing team, a night centre, the supervisor and the desk each on
 * their own webhook channel; started again over the same data folder by `restart`. Re-checks and
 * callbacks are due within 2 hours here, so the tests move the clock less.
 */
export async function followUpSite() {
  const hook = await webhookServer();
  const channel = (id: string) => ({ id, type: 'webhook' as const, url: { value: `${hook.url}/${id}` }, retries: 0 });
  const site = testSite({
    http: { publicUrl: 'https://gw.site.lan' },
    repairs: { recheckWithinHours: 2, callbackWithinHours: 2 },
    notify: {
      channels: ['day-plumbing', 'night', 'supervisor', 'desk'].map(channel),
      roster: {
        teams: [
          { id: 'day-plumbing', name: { zh: '白班水电组', en: 'Day plumbing team' }, shift: 'day', skills: ['plumbing'], channels: ['day-plumbing'] },
          { id: 'night-centre', name: { zh: '夜间监控中心', en: 'Night monitoring centre' }, shift: 'night', skills: ['plumbing'], channels: ['night'] },
        ],
        supervisor: { name: { zh: '工程主管', en: 'Engineering supervisor' }, channels: ['supervisor'] },
        desk: { name: { zh: '客服中心', en: 'Service desk' }, channels: ['desk'], people: [{ name: '赵客服', mobile: '13700000003' }] },
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
  const entries = (id: string, action: string) => run.tickets.get(id)?.history.filter((h) => h.action === action) ?? [];
  /** Moves the clock once every alert so far is delivered (a jump never overtakes a send). */
  const advance = async (ms: number): Promise<void> => {
    await vi.waitFor(() => expect(run.notifier.status().filter((c) => c.pending > 0)).toEqual([]), { timeout: 15_000, interval: 10 });
    clock.advance(ms);
  };
  /** A leak (public area, or inside a unit) taken, arrived at and resolved by 李工. */
  const repaired = async (publicArea = true): Promise<Ticket> => {
    const device = { ...site.devices[0]!, location: { ...site.devices[0]!.location, publicArea } };
    const t = await run.tickets.raise({ fault: 'water-leak', device, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Water leak' }, description: { zh: '漏水', en: 'Leak' } });
    await run.tickets.step(t.id, 'take', { user: LI });
    await run.tickets.step(t.id, 'arrive', { user: LI });
    return (await run.tickets.step(t.id, 'resolve', { user: LI, note: '更换阀门' })).ticket;
  };
  /** Stops, and starts again over the same data folder with the wall clock at `at` (default: no time away). */
  const restart = async (at = clock.now()): Promise<void> => {
    await run.notifier.stop();
    await run.store.close();
    clock.set(at);
    run = await open();
  };
  return { site: site as SiteConfig, clock, advance, alertsTo, entries, repaired, restart, get run() { return run; } };
}
