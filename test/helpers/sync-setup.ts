import { expect, onTestFinished, vi } from 'vitest';
import type { SyncSender } from '../../cloud-sync/sender.js';
import { centralSync } from '../../gateway/central-sync.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { CentralService as CentralConfig } from '../../cloud-sync/config.js';
import type { Tier } from '../../core/vocabulary.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { FileStore } from '../../gateway/store/store.js';
import { AttachmentStore } from '../../gateway/tickets/attachment-store.js';
import { TicketService } from '../../gateway/tickets/ticket-service.js';
import { createCentralService, type CentralService } from '../../simulators/central/index.js';
import { testSite } from './site.js';
import { tempDir } from './temp-dir.js';

/**
 * A sync sender on a real store and ticket service, talking to the reference central service over
 * 127.0.0.1; torn down in order (the sender and what it has in flight before the store).
 */
export async function syncSetup(opts: { clock?: Clock; progress?: boolean; central?: Partial<CentralConfig>; log?: Logger; bodyLimitBytes?: number } = {}) {
  const clock = opts.clock ?? systemClock;
  const central = createCentralService({ tokens: ['good-token'], progress: opts.progress ? { dispatchAfterMs: 20, inProgressAfterMs: 40, resolveAfterMs: 60, closeAfterMs: 80 } : false, ...(opts.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: opts.bodyLimitBytes }) });
  const url = await central.start(0);
  const site = testSite({ central: { url, token: { value: 'good-token' }, pollSeconds: 0.05, batchMaxItems: 3, timeoutMs: 2000, ...opts.central } });
  const dataDir = await tempDir();
  const store = await FileStore.open({ dataDir, clock: systemClock, log: silentLogger() });
  const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
  const photos = new AttachmentStore(dataDir, 1_000_000);
  const sender = centralSync({ config: site.central, siteId: site.site.id, store, tickets, clock, log: opts.log ?? silentLogger(), photos });
  onTestFinished(async () => {
    await sender.stop();
    await store.close();
    await central.stop();
  });
  const raise = (tier: Tier, n = 1) =>
    Promise.all(
      Array.from({ length: n }, () =>
        tickets.raise({ fault: tier === 'emergency' ? 'water-leak' : 'battery-low', device: site.devices[0]!, tier, skill: 'plumbing', title: { zh: 't', en: 't' }, description: { zh: 'd', en: 'd' } }),
      ),
    );
  return { central, store, tickets, sender, raise, photos, site };
}

export const drained = (s: SyncSender, timeout = 15_000) => vi.waitFor(() => expect(s.status().backlog).toBe(0), { timeout, interval: 20 });

export function noDoubleEffect(central: CentralService, ids: readonly string[]): void {
  expect(central.doubleEffects()).toEqual([]);
  for (const id of ids) expect(central.effects(id)).toBe(1);
}
