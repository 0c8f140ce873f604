/**
 * Sync drain: a backlog of tickets in the outbox (raised while no central service was reachable),
 * then the real SyncSender started against the reference central service: time until the outbox
 * is empty and that is durable.
 */
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import type { SyncSender } from '../cloud-sync/sender.js';
import { syncSender } from '../gateway/central-sync.js';
import { Child } from './child.js';
import type { CentralIn, CentralOut } from './central.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import { benchSite, leakSensor, parse, scratch } from './sites.js';
import { openStore, raiseInput } from './store.js';
import { round } from './stats.js';

export interface SyncDrainResult {
  readonly tickets: number;
  readonly seconds: number;
  readonly received: number;
  readonly writes: number;
}

export async function measureSyncDrain(o: { tickets: number }): Promise<SyncDrainResult> {
  const tmp = await scratch('drain');
  const { store, tickets, device } = await openStore(tmp.dir);
  const central = new Child<CentralIn, CentralOut>('central.js');
  let sender: SyncSender | null = null;
  try {
    await Promise.all(Array.from({ length: o.tickets }, () => tickets.raise(raiseInput(device, Date.now()))));
    central.send({ kind: 'start', token: 'bench-token' });
    const { url } = await central.next('started');
    const site = parse(benchSite(tmp.dir, [leakSensor('leak-storm')], { central: { url, token: { value: 'bench-token' }, pollSeconds: 3600 } }));
    sender = syncSender({ config: site.central, siteId: site.site.id, store, tickets, clock: systemClock, log: silentLogger() });
    progress(`syncDrain: ${store.data.outbox.length} in the outbox, ${(store.stats().bytes / 1e6).toFixed(1)} MB store`);
    const writes0 = store.stats().writes;
    const t0 = performance.now();
    await sender.start();
    // Empty, and every commit so far on disk (a write in flight counts as not yet).
    while (store.data.outbox.length > 0 || store.durableGeneration() < store.pendingGeneration() - 1) {
      if (performance.now() - t0 > 300_000) throw new Error('sync drain did not finish in 300 s');
      await sleep(20);
    }
    const seconds = round((performance.now() - t0) / 1000, 2);
    const writes = store.stats().writes - writes0;
    await sender.stop();
    sender = null;
    central.send({ kind: 'stop' });
    const { received } = await central.next('stopped');
    return { tickets: o.tickets, seconds, received, writes };
  } finally {
    await sender?.stop();
    await central.exit();
    await store.close();
    await tmp.remove();
  }
}
