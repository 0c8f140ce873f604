/**
 * OPC UA: the real gateway process (dist/gateway/main.js) monitoring N items at 1 s sampling on
 * the simulated server (another process): notifications per second it sustains, read from its
 * own /metrics, and its RSS.
 */
import type { SiteFileInput } from '../gateway/config/site-schema.js';
import { Child, readingsTotal, rssMb, spawnGateway } from './child.js';
import { sleep } from './load.js';
import type { OpcuaSimIn, OpcuaSimOut } from './opcua-sim.js';
import { progress } from './progress.js';
import { benchSite, scratch, writeSiteFile } from './sites.js';
import { round } from './stats.js';

export interface OpcuaOptions {
  readonly items: number;
  readonly itemsPerDevice: number;
  readonly samplingMs: number;
  readonly warmupMs: number;
  readonly windowMs: number;
  /** Longest wait for the first notification (5,000 monitored items take a while to create). */
  readonly startTimeoutMs: number;
}

export interface OpcuaResult {
  readonly items: number;
  readonly itemsSustained: number;
  readonly notificationsPerSecond: number;
  readonly rssMb: number;
  readonly subscribeSeconds: number;
}

export async function measureOpcua(o: OpcuaOptions): Promise<OpcuaResult> {
  const sim = new Child<OpcuaSimIn, OpcuaSimOut>('opcua-sim.js');
  const tmp = await scratch('opcua');
  try {
    // Values change four times per sampling interval: every sample of every item finds a new value.
    sim.send({ kind: 'start', variables: o.items, changeMs: Math.max(50, o.samplingMs / 4) });
    const { endpoint } = await sim.next('started', 120_000);
    const devices: SiteFileInput['devices'] = Array.from({ length: Math.ceil(o.items / o.itemsPerDevice) }, (_, d) => ({
      id: `ua-${d}`,
      kind: 'generic',
      name: `OPC UA 设备 ${d}`,
      location: { building: 'T1', floor: 'RF', description: '屋顶机房', publicArea: false },
      source: {
        protocol: 'opcua',
        endpoint,
        samplingMs: o.samplingMs,
        publishingMs: 1000,
        points: Array.from({ length: Math.min(o.itemsPerDevice, o.items - d * o.itemsPerDevice) }, (_, p) => ({ id: `v${p}`, nodeId: `ns=1;s=Bench.V${d * o.itemsPerDevice + p}` })),
      },
    }));
    const siteFile = await writeSiteFile(tmp.dir, benchSite(tmp.dir, devices, { log: { level: 'info' } }));
    const gateway = await spawnGateway(siteFile);
    try {
      const t0 = performance.now();
      while ((await readingsTotal(gateway.httpUrl)) < o.items) {
        if (performance.now() - t0 > o.startTimeoutMs) throw new Error(`no OPC UA notifications within ${o.startTimeoutMs} ms`);
        await sleep(250);
      }
      const subscribeSeconds = round((performance.now() - t0) / 1000);
      progress(`opcua: ${o.items} items delivering after ${subscribeSeconds} s`);
      await sleep(o.warmupMs);
      const r0 = await readingsTotal(gateway.httpUrl);
      const w0 = performance.now();
      await sleep(o.windowMs);
      const r1 = await readingsTotal(gateway.httpUrl);
      const seconds = (performance.now() - w0) / 1000;
      const rss = await rssMb(gateway.pid);
      const perSecond = (r1 - r0) / seconds;
      progress(`opcua: ${r1 - r0} notifications in ${seconds.toFixed(1)} s, RSS ${rss} MB`);
      return {
        items: o.items,
        // Each item has a new value at every sample: one notification per item per sampling interval.
        itemsSustained: Math.min(o.items, Math.round((perSecond * o.samplingMs) / 1000)),
        notificationsPerSecond: Math.round(perSecond),
        rssMb: rss,
        subscribeSeconds,
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    await sim.stopAndExit({ kind: 'stop' });
    await tmp.remove();
  }
}
