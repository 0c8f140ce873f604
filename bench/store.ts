/**
 * Store: a storm of tickets raised evenly over a few seconds through TicketService on a FileStore
 * (group commit), timed until the last is durable, with the writes it cost; and the cost of one
 * lone write (one ticket raised, until durable) with 100 / 1,000 / 10,000 open tickets in the store.
 */
import { systemClock } from '../gateway/clock.js';
import type { Device } from '../gateway/config/site-schema.js';
import { silentLogger } from '../gateway/log.js';
import { FileStore } from '../gateway/store/store.js';
import { TicketService, type RaiseInput } from '../gateway/tickets/ticket-service.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import { benchSite, leakSensor, parse, scratch } from './sites.js';
import { median, percentile, round } from './stats.js';

export interface StoreOptions {
  readonly stormTickets: number;
  readonly stormSeconds: number;
  readonly openTickets: readonly number[];
  readonly samples: number;
}

export interface StoreResult {
  readonly stormTickets: number;
  readonly stormDurableSeconds: number;
  /** Each ticket of the storm, from its raise to durable: what a person waiting for the alert feels. */
  readonly stormDurableP50Ms: number;
  readonly stormDurableP99Ms: number;
  /** How many writes the storm cost (shown, not a target: group commit lets the disk's pace decide). */
  readonly stormWrites: number;
  readonly [writeMsAt: `writeMsAt${number}`]: number;
}

/** A leak ticket as the pipeline raises it, with two minutes of evidence. */
export function raiseInput(device: Pick<Device, 'id' | 'name' | 'location'>, now: number): RaiseInput {
  const samples = Array.from({ length: 24 }, (_, i) => ({ ts: now - (24 - i) * 5000, value: i > 20, quality: 'good' as const }));
  return {
    fault: 'water-leak',
    device,
    tier: 'emergency',
    skill: 'plumbing',
    title: { zh: `漏水：${device.name}`, en: `Water leak: ${device.name}` },
    description: { zh: `${device.location.description} 漏水传感器检测到积水，持续 5 秒以上`, en: `The leak sensor has been wet for more than 5 s` },
    evidence: [{ deviceId: device.id, pointId: 'wet', samples }],
  };
}

export async function openStore(dir: string): Promise<{ store: FileStore; tickets: TicketService; device: Device }> {
  const site = parse(benchSite(dir, [leakSensor('leak-storm')]));
  const store = await FileStore.open({ dataDir: dir, clock: systemClock, log: silentLogger() });
  const tickets = await TicketService.open({ store, site, clock: systemClock, log: silentLogger() });
  const device = site.devices[0] as Device;
  return { store, tickets, device };
}

export async function measureStore(o: StoreOptions): Promise<StoreResult> {
  const storm = await stormOnce(o);
  const result: Record<string, number> = { stormTickets: o.stormTickets, stormDurableSeconds: storm.seconds, stormDurableP50Ms: storm.p50, stormDurableP99Ms: storm.p99, stormWrites: storm.writes };
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
      if (due > 1) await sleep(due);
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
