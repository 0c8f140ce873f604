import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.js';
import { createFaultPipeline } from '../../../gateway/alarms/index.js';
import type { SiteConfig } from '../../../gateway/config/site-schema.js';
import { silentLogger } from '../../../core/log.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function setup(dir: string, clock: ManualClock, site: SiteConfig = testSite()) {
  // The store's group commit runs on real time; the domain runs on the manual clock.
  const store = await FileStore.open({ dataDir: dir, clock: systemClock, log: silentLogger() });
  const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
  const pipeline = createFaultPipeline({ site, store, tickets, clock, log: silentLogger() });
  pipeline.start();
  const wet = (value: boolean) => pipeline.ingest({ deviceId: 'leak-1', pointId: 'wet', value, quality: 'good', ts: clock.now() });
  const close = async () => {
    await pipeline.stop();
    await store.close();
  };
  return { store, tickets, pipeline, wet, close };
}

describe('water-leak through detection and alarms', () => {
  it('raises one emergency ticket when a leak stays wet for 5 s, with evidence and wording', async () => {
    const clock = new ManualClock();
    const g = await setup(await tempDir(), clock);
    g.wet(false);
    clock.advance(1000);
    g.wet(true);
    clock.advance(4000);
    await g.pipeline.idle();
    expect(g.tickets.all()).toHaveLength(0);
    clock.advance(1000);
    await g.pipeline.idle();
    const [t] = g.tickets.all();
    expect(t).toMatchObject({ fault: 'water-leak', tier: 'emergency', skill: 'plumbing', deviceId: 'leak-1', location: { building: 'T1', floor: 'B1' } });
    expect(t?.title.en).toContain('Water leak');
    expect(t?.description.zh).toContain('B1 泵房');
    expect(t?.evidence[0]?.samples.map((s) => s.value)).toEqual([false, true]);
    await g.close();
  });

  it('raises nothing for a wet blip shorter than the on-delay', async () => {
    const clock = new ManualClock();
    const g = await setup(await tempDir(), clock);
    g.wet(true);
    clock.advance(3000);
    g.wet(false);
    clock.advance(60_000);
    await g.pipeline.idle();
    expect(g.tickets.all()).toHaveLength(0);
    await g.close();
  });

  it('adds an occurrence, not a ticket, when the leak comes back while the ticket is open, and records the return to normal', async () => {
    const clock = new ManualClock();
    const g = await setup(await tempDir(), clock);
    g.wet(true);
    clock.advance(6000);
    await g.pipeline.idle();
    g.wet(false);
    clock.advance(11_000);
    await g.pipeline.idle();
    expect(g.tickets.all()[0]?.condition).toBe('normal');
    clock.advance(120_000);
    g.wet(true);
    clock.advance(6000);
    await g.pipeline.idle();
    const all = g.tickets.all();
    expect(all).toHaveLength(1);
    expect(all[0]?.occurrences).toHaveLength(2);
    expect(all[0]?.history.map((h) => h.action)).toEqual(['raised', 'returned-to-normal', 'occurrence']);
    await g.close();
  });

  it('marks a chattering sensor on its one ticket', async () => {
    const clock = new ManualClock();
    const site = testSite({ alarms: { chatter: { cycles: 3, windowSeconds: 60 } } });
    const g = await setup(await tempDir(), clock, site);
    for (let i = 0; i < 4; i++) {
      g.wet(true);
      clock.advance(6000);
      g.wet(false);
      clock.advance(11_000);
    }
    await g.pipeline.idle();
    const all = g.tickets.all();
    expect(all).toHaveLength(1);
    expect(all[0]?.chattering).toBe(true);
    await g.close();
  });

  it('adds no ticket after a restart while the same leak is still active', async () => {
    const dir = await tempDir();
    const clock = new ManualClock();
    const a = await setup(dir, clock);
    a.wet(true);
    clock.advance(6000);
    await a.pipeline.idle();
    await a.close();
    const b = await setup(dir, clock);
    b.wet(true);
    clock.advance(6000);
    await b.pipeline.idle();
    expect(b.tickets.all()).toHaveLength(1);
    expect(b.tickets.all()[0]?.occurrences).toHaveLength(1);
    // The alarm still knows its ticket: the next cycle is an occurrence on it, not a new ticket.
    b.wet(false);
    clock.advance(11_000);
    b.wet(true);
    clock.advance(6000);
    await b.pipeline.idle();
    expect(b.tickets.all()).toHaveLength(1);
    expect(b.tickets.all()[0]?.occurrences).toHaveLength(2);
    await b.close();
  });

  it('raises a low-tier device-offline ticket when a battery sensor misses its heartbeat window, cleared when it speaks', async () => {
    const clock = new ManualClock();
    const g = await setup(await tempDir(), clock);
    clock.advance(301_000);
    await g.pipeline.idle();
    const [t] = g.tickets.all();
    expect(t).toMatchObject({ fault: 'device-offline', tier: 'low', skill: 'iot' });
    g.wet(false);
    await g.pipeline.idle();
    expect(g.tickets.get(t!.id)?.condition).toBe('normal');
    await g.close();
  });
});
