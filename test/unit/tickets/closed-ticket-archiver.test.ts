import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markDelivered } from '../../../cloud-sync/outbox.js';
import { ManualClock, systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { FileStore } from '../../../gateway/store/store.js';
import { ClosedTicketArchiver } from '../../../gateway/tickets/closed-ticket-archiver.js';
import { TicketArchive } from '../../../gateway/tickets/ticket-archive.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { joinOutbox } from '../../../gateway/central-sync.js';

const HOUR = 3_600_000;

async function setup(dir: string, clock: ManualClock) {
  const site = testSite();
  // The store retries its writes on real time, whatever clock the domain runs on.
  const store = await FileStore.open({ dataDir: dir, clock: systemClock, log: silentLogger() });
  const archive = new TicketArchive(path.join(dir, 'archive'), silentLogger());
  const tickets = await TicketService.open({ store, site, clock, log: silentLogger(), archive });
  joinOutbox(tickets, store, clock);
  const archiver = new ClosedTicketArchiver({ store, archive, tickets, clock, log: silentLogger() }, { afterMs: 24 * HOUR });
  const raise = () => {
    const device = site.devices[0]!;
    return tickets.raise({ fault: 'water-leak', device, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Water leak' }, description: { zh: '漏水', en: 'Leak' } });
  };
  /** Closed by the central service, and that last version acknowledged by it. */
  const closeAndSync = async (t: Ticket): Promise<Ticket> => {
    const closed = await tickets.transition(t.id, 'central', 'closed');
    markDelivered(store.data, closed.id, closed.version);
    await store.commit();
    return closed;
  };
  return { store, archive, tickets, archiver, raise, closeAndSync };
}

describe('ClosedTicketArchiver', () => {
  it('moves a closed, synced ticket to the archive a day after its last change, where find() and statistics still see it', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 8, 0, 0));
    const s = await setup(dir, clock);
    const done = await s.closeAndSync(await s.raise());
    const open = await s.raise();
    clock.advance(23 * HOUR);
    expect(await s.archiver.sweep()).toBe(0);
    clock.advance(2 * HOUR);
    expect(await s.archiver.sweep()).toBe(1);
    expect(s.tickets.get(done.id)).toBeUndefined();
    expect(s.tickets.get(open.id)).toBeDefined();
    expect(await s.tickets.find(done.id)).toEqual({ ticket: done, archived: true });
    expect(await s.tickets.find(open.id)).toEqual({ ticket: open, archived: false });
    const month = (await s.tickets.withArchived(Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1))).map((t) => t.id).sort();
    expect(month).toEqual([done.id, open.id].sort());
    // Another month's range reads only that month's file: the archived ticket is not in it.
    expect((await s.tickets.withArchived(Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 1))).map((t) => t.id)).toEqual([open.id]);
    expect(await s.archive.months()).toEqual(['2026-11']);
    // The removal is durable: a restart does not bring the ticket back into the live store.
    await s.store.close();
    const again = await setup(dir, clock);
    expect(again.tickets.get(done.id)).toBeUndefined();
    expect((await again.tickets.find(done.id))?.archived).toBe(true);
    await again.store.close();
  });

  it('keeps live a closed ticket still waiting for upload, and one whose incident is still open', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 8, 0, 0));
    const s = await setup(dir, clock);
    const unsynced = await s.tickets.transition((await s.raise()).id, 'central', 'closed');
    const incident = await s.raise();
    const child = await s.raise();
    await s.tickets.mutate(child.id, 'gateway', (d) => {
      d.parentId = incident.id;
      return { action: 'grouped' };
    });
    await s.closeAndSync(s.tickets.get(child.id)!);
    clock.advance(48 * HOUR);
    expect(await s.archiver.sweep()).toBe(0);
    expect(s.tickets.get(unsynced.id)?.status).toBe('closed');
    // Once the incident is closed and synced too, the family moves together.
    await s.closeAndSync(incident);
    clock.advance(48 * HOUR);
    expect(await s.archiver.sweep()).toBe(2);
    expect(s.tickets.all().map((t) => t.id)).toEqual([unsynced.id]);
    await s.store.close();
  });

  it('keeps the live ticket when it changes while being archived, and reads back the newest of two archived versions', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 8, 0, 0));
    const s = await setup(dir, clock);
    const t = await s.closeAndSync(await s.raise());
    clock.advance(25 * HOUR);
    // A note lands between the archive append and the removal.
    const add = s.archive.add.bind(s.archive);
    s.archive.add = async (list) => {
      await add(list);
      await s.tickets.mutate(t.id, 'user:eng-1', () => ({ action: 'note', note: '补充说明' }));
    };
    expect(await s.archiver.sweep()).toBe(0);
    const noted = s.tickets.get(t.id)!;
    expect(noted.version).toBe(t.version + 1);
    s.archive.add = add;
    markDelivered(s.store.data, noted.id, noted.version);
    await s.store.commit();
    clock.advance(25 * HOUR);
    expect(await s.archiver.sweep()).toBe(1);
    expect((await s.tickets.find(t.id))?.ticket.version).toBe(noted.version);
    await s.store.close();
  });

  it('skips a partial line left by a crash and keeps later appends whole', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 8, 0, 0));
    const s = await setup(dir, clock);
    const a = await s.closeAndSync(await s.raise());
    clock.advance(25 * HOUR);
    await s.archiver.sweep();
    const file = path.join(dir, 'archive', '2026-11.jsonl');
    await appendFile(file, '{"id":"half-a-tick');
    const b = await s.closeAndSync(await s.raise());
    clock.advance(25 * HOUR);
    expect(await s.archiver.sweep()).toBe(1);
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines).toHaveLength(4);
    expect((await s.tickets.find(a.id))?.ticket.id).toBe(a.id);
    expect((await s.tickets.find(b.id))?.ticket.id).toBe(b.id);
    await s.store.close();
  });
});
