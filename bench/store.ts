/**
 * Store: a storm of tickets through TicketService on a FileStore (group commit), raised all at once
 * (a power cut, a flooded basement: `stormSeconds` 0) or evenly over a few seconds, timed until the
 * last is durable, with the writes it cost; and the cost of one
 * lone write (one ticket raised, until durable) with 100 / 1,000 / 10,000 open tickets in the store.
 */
import { systemClock } from '../core/clock.js';
import type { Device } from '../gateway/config/site-schema.js';
import { silentLogger } from '../core/log.js';
import { FileStore } from '../gateway/store/store.js';
import { TicketService } from '../gateway/tickets/ticket-service.js';
import { type RaiseInput } from '../gateway/tickets/raise-input.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import { benchSite, leakSensor, parse, scratch } from './sites.js';
import { median, percentile, round } from './stats.js';
import { joinOutbox } from '../gateway/central-sync.js';

export interface StoreOptions {
  readonly stormTickets: number;
  readonly stormSeconds: number;
  readonly openTickets: readonly number[];
  readonly samples: number;
  /** Faults of the soak-like run (one every 10 s: 600 is 100 minutes). */
  readonly soakFaults: number;
}

export interface StoreResult {
  readonly stormTickets: number;
  readonly stormDurableSeconds: number;
  /** Each ticket of the storm, from its raise to durable: what a person waiting for the alert feels. */
  readonly stormDurableP50Ms: number;
  readonly stormDurableP99Ms: number;
  /** How many writes the storm cost (shown, not a target: group commit lets the disk's pace decide). */
  readonly stormWrites: number;
  /** Bytes a ticket's first write costs (the ticket with its evidence, its outbox entry, its alert). */
  readonly bytesFirstWrite: number;
  /** Bytes each later change costs on average (take, arrive, resolve, closed by central). */
  readonly bytesPerChange: number;
  /** Everything written (journal and snapshots) for one fault every 10 s with those changes, per day. */
  readonly soakMbPerDay: number;
  readonly [writeMsAt: `writeMsAt${number}`]: number;
}

/**
 * A leak ticket as the pipeline raises it, with two minutes of evidence; `full` gives it what a
 * real fault carries (a pressure point's 240 samples beside the leak's own), about 15 kB.
 */
export function raiseInput(device: Pick<Device, 'id' | 'name' | 'location'>, now: number, full = false): RaiseInput {
  const samples = Array.from({ length: 24 }, (_, i) => ({ ts: now - (24 - i) * 5000, value: i > 20, quality: 'good' as const }));
  const pressure = Array.from({ length: 240 }, (_, i) => ({ ts: now - (240 - i) * 500, value: Math.round((4.1 - (i > 200 ? 3.5 : 0) + Math.sin(i) * 0.05) * 100) / 100, quality: 'good' as const }));
  return {
    fault: 'water-leak',
    device,
    tier: 'emergency',
    skill: 'plumbing',
    title: { zh: `漏水：${device.name}`, en: `Water leak: ${device.name}` },
    description: { zh: `${device.location.description} 漏水传感器检测到积水，持续 5 秒以上`, en: `The leak sensor has been wet for more than 5 s` },
    evidence: [{ deviceId: device.id, pointId: 'wet', samples }, ...(full ? [{ deviceId: device.id, pointId: 'pressure', samples: pressure }] : [])],
  };
}

export async function openStore(dir: string): Promise<{ store: FileStore; tickets: TicketService; device: Device }> {
  const site = parse(benchSite(dir, [leakSensor('leak-storm')]));
  const store = await FileStore.open({ dataDir: dir, clock: systemClock, log: silentLogger() });
  const tickets = await TicketService.open({ store, site, clock: systemClock, log: silentLogger() });
  // Each change with its outbox entry, as on a gateway.
  joinOutbox(tickets, store, systemClock);
  const device = site.devices[0] as Device;
  return { store, tickets, device };
}

export async function measureStore(o: StoreOptions): Promise<StoreResult> {
  const storm = await stormOnce(o);
  const bytes = await changeBytes(o.soakFaults);
  const result: Record<string, number> = { stormTickets: o.stormTickets, stormDurableSeconds: storm.seconds, stormDurableP50Ms: storm.p50, stormDurableP99Ms: storm.p99, stormWrites: storm.writes, ...bytes };
  for (const n of o.openTickets) result[`writeMsAt${n}`] = await loneWriteMs(n, o.samples);
  return result as unknown as StoreResult;
}

async function stormOnce(o: StoreOptions): Promise<{ seconds: number; writes: number; p50: number; p99: number }> {
  const tmp = await scratch('storm');
  const { store, tickets, device } = await openStore(tmp.dir);
  try {
    const gapMs = (o.stormSeconds * 1000) / o.stormTickets;
    const writes0 = store.stats().writes;
    const t0 = performance.now();
    const raised: Promise<unknown>[] = [];
    const lags: number[] = [];
    for (let i = 0; i < o.stormTickets; i++) {
      // Paced on the elapsed time, so a late timer catches up instead of stretching the storm.
      const due = t0 + i * gapMs - performance.now();
      if (gapMs > 0 && due > 1) await sleep(due);
      const at = performance.now();
      raised.push(tickets.raise(raiseInput(device, Date.now())).then(() => void lags.push(performance.now() - at)));
    }
    await Promise.all(raised);
    const seconds = round((performance.now() - t0) / 1000, 2);
    lags.sort((a, b) => a - b);
    const p50 = round(percentile(lags, 50));
    const p99 = round(percentile(lags, 99));
    progress(`store: storm of ${o.stormTickets} durable in ${seconds} s, each within p50 ${p50} / p99 ${p99} ms`);
    return { seconds, writes: store.stats().writes - writes0, p50, p99 };
  } finally {
    await store.close();
    await tmp.remove();
  }
}

async function loneWriteMs(open: number, samples: number): Promise<number> {
  const tmp = await scratch('write');
  const { store, tickets, device } = await openStore(tmp.dir);
  try {
    // Fill in one go: one group commit.
    await Promise.all(Array.from({ length: open }, () => tickets.raise(raiseInput(device, Date.now()))));
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      await sleep(150); // a lone fault: nothing else in flight, so the write starts at once
      const t0 = performance.now();
      await tickets.raise(raiseInput(device, Date.now()));
      times.push(performance.now() - t0);
    }
    const ms = round(median(times));
    progress(`store: one write with ${open} open tickets: ${ms} ms (store ${(store.stats().bytes / 1e6).toFixed(1)} MB)`);
    return ms;
  } finally {
    await store.close();
    await tmp.remove();
  }
}

/**
 * Bytes written per ticket change: each fault of a soak-like run (one every 10 s) raised with real
 * evidence, then taken, reached, resolved and closed by the central service, one durable write
 * each, as the repair loop makes them. Run as fast as the disk goes; the day's volume is scaled from
 * the faults' count, snapshots (the journal folded into the store file) included.
 */
async function changeBytes(faults: number): Promise<{ bytesFirstWrite: number; bytesPerChange: number; soakMbPerDay: number }> {
  const tmp = await scratch('bytes');
  const { store, tickets, device } = await openStore(tmp.dir);
  try {
    const user = { id: 'eng-zhang', name: '张工' };
    const first: number[] = [];
    const changes: number[] = [];
    const written = (): number => store.stats().bytesWritten;
    const start = written();
    for (let i = 0; i < faults; i++) {
      let before = written();
      const t = await tickets.raise(raiseInput(device, Date.now(), true));
      first.push(written() - before);
      const steps: (() => Promise<unknown>)[] = [
        () => tickets.step(t.id, 'take', { user }),
        () => tickets.step(t.id, 'arrive', { user }),
        () => tickets.step(t.id, 'resolve', { user, note: '已更换阀门 valve replaced' }),
        () => tickets.transition(t.id, 'central', 'closed'),
      ];
      for (const step of steps) {
        before = written();
        await step();
        changes.push(written() - before);
      }
    }
    // One write each (medians); a write that folded the journal into a snapshot is counted in the day.
    const perFault = (written() - start) / faults;
    const result = { bytesFirstWrite: Math.round(median(first)), bytesPerChange: Math.round(median(changes)), soakMbPerDay: round((perFault * 8640) / 1e6, 1) };
    progress(`store: ${store.stats().snapshots} snapshots in the soak-like run, ${((written() - start) / 1e6).toFixed(1)} MB in all; changes: mean ${Math.round(changes.reduce((a, b) => a + b, 0) / changes.length)}, max ${Math.max(...changes)} bytes`);
    progress(`store: a ticket's first write ${result.bytesFirstWrite} bytes, each change after it ${result.bytesPerChange} bytes; one fault every 10 s writes ${result.soakMbPerDay} MB a day`);
    return result;
  } finally {
    await store.close();
    await tmp.remove();
  }
}
