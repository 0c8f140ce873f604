import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { centralSync } from '../../../gateway/central-sync.js';
import { ManualClock, systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import { pngPhoto } from '../../helpers/photo.js';
import { testSite } from '../../helpers/site.js';
import { drained, noDoubleEffect, syncSetup as setup } from '../../helpers/sync-setup.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('sync to the central repair service', () => {
  it('delivers every ticket raised during an outage once it is back, emergencies first', async () => {
    const { central, sender, raise } = await setup();
    await central.inject({ kind: 'down' });
    await sender.start();
    const general = await raise('general', 4);
    const emergency = await raise('emergency', 2);
    await vi.waitFor(() => expect(sender.status().state).toBe('backoff'));
    expect(sender.status().lastError).not.toBeNull();
    await central.inject({ kind: 'none' });
    sender.retryNow();
    await drained(sender);
    const order = central.tickets().map((t) => t.id);
    expect(order.slice(0, 2).sort()).toEqual(emergency.map((t) => t.id).sort());
    noDoubleEffect(central, [...general, ...emergency].map((t) => t.id));
  });

  it.each([
    ['a dropped connection after the batch was applied', { kind: 'drop', when: 'after-apply' }],
    ['a dropped connection before the batch was applied', { kind: 'drop', when: 'before-apply' }],
    ['a replayed (duplicated) request', { kind: 'duplicate' }],
    ['500 errors', { kind: 'error500' }],
  ] as const)('has no double effect after %s', async (_name, fault) => {
    const { central, sender, raise } = await setup();
    await central.inject(fault);
    await sender.start();
    const raised = await raise('general', 5);
    await vi.waitFor(() => expect(central.requests.length).toBeGreaterThan(0));
    await central.inject({ kind: 'none' });
    sender.retryNow();
    await drained(sender);
    noDoubleEffect(central, raised.map((t) => t.id));
  });

  it('parks a poison item in the dead-letter list and delivers the others', async () => {
    const { central, sender, raise, store } = await setup();
    const [poison, ...rest] = await raise('general', 4);
    central.poison(poison!.id);
    await sender.start();
    await drained(sender);
    expect(store.data.deadLetters).toEqual([expect.objectContaining({ ticketId: poison!.id, version: 1 })]);
    expect(sender.status().deadLetters).toBe(1);
    noDoubleEffect(central, rest.map((t) => t.id));
    expect(central.ticket(poison!.id)).toBeUndefined();
  });

  it('stops uploading on 401 until the token is fixed', async () => {
    const { central, sender, raise } = await setup();
    await central.inject({ kind: 'unauthorized' });
    const unauthorized = vi.fn();
    sender.on('unauthorized', unauthorized);
    await sender.start();
    const raised = await raise('emergency', 1);
    await vi.waitFor(() => expect(sender.status().state).toBe('unauthorized'));
    expect(unauthorized).toHaveBeenCalledOnce();
    const before = central.requests.filter((r) => r.url.startsWith('/v1/tickets')).length;
    await raise('general', 1);
    expect(central.requests.filter((r) => r.url.startsWith('/v1/tickets')).length).toBe(before);
    await central.inject({ kind: 'none' });
    sender.retryNow();
    await drained(sender);
    expect(central.effects(raised[0]!.id)).toBe(1);
  });

  it('honours Retry-After on 503', async () => {
    const clock = new ManualClock(Date.now());
    const { central, sender, raise } = await setup({ clock });
    await central.inject({ kind: 'unavailable', retryAfterSeconds: 120 });
    await sender.start();
    await raise('general', 1);
    await vi.waitFor(() => expect(sender.status().state).toBe('backoff'));
    const uploads = () => central.requests.filter((r) => r.url.startsWith('/v1/tickets')).length;
    const first = uploads();
    await central.inject({ kind: 'none' });
    clock.advance(100_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(uploads()).toBe(first);
    clock.advance(21_000);
    await drained(sender);
    expect(uploads()).toBe(first + 1);
  });

  it('pulls central status back into the ticket and its history', async () => {
    const { sender, raise, tickets } = await setup({ progress: true });
    await sender.start();
    const [t] = await raise('emergency', 1);
    await vi.waitFor(() => expect(tickets.get(t!.id)?.status).toBe('closed'), { timeout: 15_000 });
    const after = tickets.get(t!.id)!;
    expect(after.assignee).toContain('Wang');
    expect(after.history.filter((h) => h.actor === 'central').map((h) => h.status)).toEqual(['dispatched', 'in_progress', 'resolved', 'closed']);
  });

  it('keeps tickets queued and says so when no central service is configured', async () => {
    const site = testSite();
    const store = await FileStore.open({ dataDir: await tempDir(), clock: systemClock, log: silentLogger() });
    onTestFinished(() => store.close());
    const tickets = await TicketService.open({ store, site, clock: systemClock, log: silentLogger() });
    const lines: string[] = [];
    const { pino } = await import('pino');
    const log = pino({}, { write: (s: string) => void lines.push(s) });
    const sender = centralSync({ config: undefined, siteId: 's', store, tickets, clock: systemClock, log });
    await sender.start();
    await tickets.raise({ fault: 'water-leak', device: site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: 't', en: 't' }, description: { zh: 'd', en: 'd' } });
    expect(sender.status()).toMatchObject({ state: 'not-configured', backlog: 1 });
    expect(lines.join('')).toContain('GW_SYNC_NOT_CONFIGURED');
    await sender.stop();
  });

  it('uploads a ticket\'s photos before the ticket, through an outage; a photo whose file is gone is left out and said', async () => {
    const { central, sender, tickets, photos, site } = await setup();
    const bytes = pngPhoto();
    const kept = await photos.add(bytes, 'p-wang', Date.now());
    const lost = { ...(await photos.add(pngPhoto(16, 16), 'p-wang', Date.now())), id: '00000000-0000-4000-8000-00000000dead' };
    const taken = await photos.take([kept.id], 'report', 'p-wang');
    if (!taken.ok) throw new Error(taken.problem);
    await central.inject({ kind: 'down' });
    await sender.start();
    const t = await tickets.raise({
      fault: 'water-leak', device: site.devices[0]!, tier: 'general', skill: 'plumbing', title: { zh: 't', en: 't' }, description: { zh: 'd', en: 'd' },
      reporter: { id: 'p-wang', name: '王巡检' }, attachments: [...taken.attachments, { ...lost, purpose: 'report' }],
    });
    await vi.waitFor(() => expect(sender.status().state).toBe('backoff'));
    expect(central.attachment(site.site.id, kept.id)).toBeUndefined();
    await central.inject({ kind: 'none' });
    sender.retryNow();
    await drained(sender);
    expect(central.attachment(site.site.id, kept.id)?.bytes.equals(bytes)).toBe(true);
    const got = central.tickets().find((x) => x.id === t.id);
    expect((got?.['attachments'] as { id: string }[]).map((a) => a.id)).toEqual([kept.id]);
    expect(sender.status().lastError).toContain(`photo ${lost.id} of ticket ${t.number} not sent`);
    expect(central.doubleEffects()).toEqual([]);
  });
});
