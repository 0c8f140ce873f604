import { describe, expect, it, onTestFinished } from 'vitest';
import { markDelivered } from '../../../cloud-sync/outbox.js';
import { buildGateway, type Gateway } from '../../../gateway/app.js';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { staffUsers } from '../../helpers/staff.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A wall time in Beijing time. */
const bj = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h - 8, mi);

interface ListAnswer {
  tickets: (Ticket & { archived?: boolean })[];
  total: number;
  archive?: { months: string[] };
  error?: { code: string; message: string };
}

async function gateway(start: number) {
  const clock = new ManualClock(start);
  const base = testSite();
  const site = testSite({
    dataDir: await tempDir(),
    http: { host: '127.0.0.1', port: 0 },
    users: staffUsers(),
    store: { archiveClosedAfterHours: 0 },
    devices: [
      base.devices[0]!,
      { ...base.devices[0]!, id: 'leak-9', name: '9 号楼漏水', location: { building: 'T9', floor: '1F', description: '9 号楼大堂' }, source: { protocol: 'mqtt', username: 'leak-9', password: { value: 'secret-leak-9' }, points: [{ id: 'wet' }] } },
    ],
  });
  const gw = await buildGateway(site, { clock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  const list = async (query: string): Promise<{ status: number; body: ListAnswer }> => {
    const res = await fetch(`${gw.httpUrl()}/api/tickets?${query}`);
    return { status: res.status, body: (await res.json()) as ListAnswer };
  };
  return { gw, clock, list };
}

async function raiseAt(gw: Gateway, clock: ManualClock, at: number, device = 0, fault = 'water-leak'): Promise<Ticket> {
  clock.set(at);
  return gw.tickets.raise({ fault, device: gw.site.devices[device]!, tier: 'general', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });
}

/** Closed by central and synced: the archiver moves it to its month file. */
async function closeAndArchive(gw: Gateway, t: Ticket): Promise<void> {
  const closed = await gw.tickets.transition(t.id, 'central', 'closed');
  markDelivered(gw.store.data, closed.id, closed.version);
  await gw.store.commit();
}

describe('the filing of repairs (GET /api/tickets?archived=true)', () => {
  it('finds archived and live tickets by building, device, fault and time across months, with paging, reading only the months the range covers', async () => {
    const { gw, clock, list } = await gateway(bj(2026, 8, 10, 9));
    const august = await raiseAt(gw, clock, bj(2026, 8, 10, 9));
    const october = await raiseAt(gw, clock, bj(2026, 10, 12, 9));
    const otherDevice = await raiseAt(gw, clock, bj(2026, 10, 13, 9), 1);
    const battery = await raiseAt(gw, clock, bj(2026, 10, 14, 9), 0, 'battery-low');
    const november = await raiseAt(gw, clock, bj(2026, 11, 20, 9));
    for (const t of [august, october, otherDevice, battery, november]) await closeAndArchive(gw, t);
    expect(await gw.archiver.sweep()).toBe(5);
    clock.set(bj(2026, 12, 2, 9));
    const live = await raiseAt(gw, clock, bj(2026, 12, 2, 9));
    expect(gw.tickets.all().map((t) => t.id)).toEqual([live.id]);

    // Without archived=true the list is the live tickets, as before.
    expect((await list('deviceId=leak-1')).body.tickets.map((t) => t.id)).toEqual([live.id]);

    const found = await list('archived=true&deviceId=leak-1&fault=water-leak&from=2026-10-01&to=2027-01-01');
    expect(found.status).toBe(200);
    expect(found.body.tickets.map((t) => [t.number, t.archived])).toEqual([[october.number, true], [november.number, true], [live.number, false]]);
    expect(found.body.total).toBe(3);
    // October 1st 00:00 Beijing time is still September in UTC, where the month files are cut: August is not read.
    expect(found.body.archive?.months).toEqual(['2026-10', '2026-11']);
    expect(found.body.tickets[0]).toMatchObject({ status: 'closed', location: { building: 'T1' } });

    const page = await list('archived=true&building=T1&from=2026-10-01&to=2027-01-01&order=desc&limit=2&offset=1');
    expect(page.body.total).toBe(4);
    expect(page.body.tickets.map((t) => t.id)).toEqual([november.id, battery.id]);
    expect((await list('archived=true&building=T9&from=2026-10-01&to=2027-01-01')).body.tickets.map((t) => t.id)).toEqual([otherDevice.id]);
    expect((await list('archived=true&from=2026-08-01&to=2026-09-01')).body.tickets.map((t) => t.id)).toEqual([august.id]);
    // Without from: the 90 days before to (or now).
    expect((await list('archived=true&deviceId=leak-1&fault=water-leak')).body.tickets.map((t) => t.id)).toEqual([october.id, november.id, live.id]);
  });

  it('refuses a search over more than 366 days, and a range that ends before it starts', async () => {
    const { list } = await gateway(bj(2026, 11, 20, 9));
    const long = await list('archived=true&from=2025-01-01&to=2026-06-01');
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({ code: 'GW_API_BAD_REQUEST', message: expect.stringContaining('at most 366 days') });
    expect((await list('archived=true&from=2026-06-01&to=2026-05-01')).status).toBe(400);
    expect((await list('from=2026-06-01&to=2026-05-01')).status).toBe(400);
  });
});
