import type { TicketStatus } from '../../../core/vocabulary.js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import { centralMove } from '../../../gateway/tickets/ticket-steps.js';
import { siteDay } from '../../../core/local-time.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { joinOutbox } from '../../../gateway/central-sync.js';

async function setup(dir: string, clock: ManualClock) {
  const site = testSite();
  const store = await FileStore.open({ dataDir: dir, clock, log: silentLogger() });
  const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
  joinOutbox(tickets, store, clock);
  return { site, store, tickets };
}

const leakInput = (site: ReturnType<typeof testSite>) => {
  const device = site.devices[0]!;
  return {
    fault: 'water-leak',
    device,
    tier: 'emergency' as const,
    skill: 'plumbing' as const,
    title: { zh: '漏水', en: 'Water leak' },
    description: { zh: '检测到漏水', en: 'Leak detected' },
  };
};

describe('TicketService', () => {
  it('numbers tickets per site-local day and continues the sequence after a restart', async () => {
    const dir = await tempDir();
    // 2026-01-05 17:00 UTC is 2026-01-06 01:00 in Shanghai: the ticket belongs to the 6th.
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 17, 0, 0));
    const a = await setup(dir, clock);
    const t1 = await a.tickets.raise(leakInput(a.site));
    const t2 = await a.tickets.raise(leakInput(a.site));
    expect(t1.number).toBe('TS01-20260106-0001');
    expect(t2.number).toBe('TS01-20260106-0002');
    await a.store.close();
    const b = await setup(dir, clock);
    expect(b.tickets.get(t1.id)?.number).toBe(t1.number);
    const t3 = await b.tickets.raise(leakInput(b.site));
    expect(t3.number).toBe('TS01-20260106-0003');
    await b.store.close();
  });

  it('stamps deadlines from the contract at creation', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 2, 0, 0));
    const { site, store, tickets } = await setup(dir, clock);
    const t = await tickets.raise(leakInput(site));
    // A leak: on site within 5 min whatever its tier (sudden emergencies with water).
    expect(t.deadlines).toEqual({
      acknowledgeBy: '2026-01-05T02:05:00.000Z',
      dispatchBy: '2026-01-05T02:15:00.000Z',
      onSiteBy: '2026-01-05T02:05:00.000Z',
      resolveBy: '2026-01-05T06:00:00.000Z',
    });
    // Other faults by tier: public facilities 15 min, an ordinary repair inside a unit 10 min.
    const power = await tickets.raise({ ...leakInput(site), fault: 'power-loss' });
    expect(power.deadlines.onSiteBy).toBe('2026-01-05T02:15:00.000Z');
    const publicRepair = await tickets.raise({ ...leakInput(site), fault: 'pump-failure', tier: 'general', publicArea: true });
    expect(publicRepair.deadlines).toMatchObject({ acknowledgeBy: '2026-01-05T02:30:00.000Z', onSiteBy: '2026-01-05T02:15:00.000Z', resolveBy: '2026-01-06T02:00:00.000Z' });
    const inUnit = await tickets.raise({ ...leakInput(site), fault: 'other', tier: 'general', publicArea: false });
    expect(inUnit.deadlines.onSiteBy).toBe('2026-01-05T02:10:00.000Z');
    expect(t.location.description).toBe('B1 泵房');
    expect(t.skill).toBe('plumbing');
    await store.close();
  });

  it('puts every change in the outbox in the same write and announces it only after', async () => {
    const dir = await tempDir();
    const clock = new ManualClock();
    const { site, store, tickets } = await setup(dir, clock);
    const seen: number[] = [];
    tickets.on('changed', () => seen.push(store.stats().writes));
    const t = await tickets.raise(leakInput(site));
    expect(store.data.outbox).toEqual([expect.objectContaining({ ticketId: t.id, version: 1, tier: 'emergency' })]);
    const acked = await tickets.transition(t.id, 'user:eng-1', 'acknowledged');
    expect(acked.version).toBe(2);
    expect(acked.history.at(-1)).toMatchObject({ actor: 'user:eng-1', status: 'acknowledged' });
    expect(store.data.outbox).toHaveLength(1);
    expect(store.data.outbox[0]?.version).toBe(2);
    expect(seen).toEqual([1, 2]);
    await store.close();
  });

  it('lets the central service move the work forward, hold and resume it, and back only by a reopen', () => {
    const kind = (from: TicketStatus, to: TicketStatus) => centralMove(from, to).kind;
    expect(kind('raised', 'dispatched')).toBe('apply');
    expect(kind('arrived', 'in_progress')).toBe('apply');
    expect(kind('dispatched', 'on_hold')).toBe('apply');
    expect(kind('on_hold', 'dispatched')).toBe('apply');
    expect(kind('resolved', 'reopened')).toBe('apply');
    expect(kind('closed', 'reopened')).toBe('apply');
    expect(kind('rejected', 'closed')).toBe('apply');
    expect(kind('dispatched', 'dispatched')).toBe('same');
    // Backwards, out of an end, or a status the gateway owns: refused with the reason.
    expect(centralMove('resolved', 'dispatched')).toEqual({ kind: 'refused', why: 'it would move the ticket back from resolved to dispatched' });
    expect(kind('resolved', 'in_progress')).toBe('refused');
    expect(kind('closed', 'resolved')).toBe('refused');
    expect(kind('rejected', 'dispatched')).toBe('refused');
    expect(kind('raised', 'reopened')).toBe('refused');
    expect(kind('resolved', 'on_hold')).toBe('refused');
    expect(centralMove('dispatched', 'acknowledged')).toEqual({ kind: 'refused', why: 'acknowledged is a status the gateway sets, not the central service' });
  });

  it('formats the site day in the site time zone', () => {
    expect(siteDay(Date.UTC(2026, 10, 22, 16, 30), 'Asia/Shanghai')).toBe('20261123');
    expect(siteDay(Date.UTC(2026, 10, 22, 15, 59), 'Asia/Shanghai')).toBe('20261122');
  });
});
