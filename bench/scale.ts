/**
 * A big site on one gateway: the real gateway process (dist/gateway/main.js) at 1k / 10k / 50k /
 * 100k points (three-phase sub-meters of eight points each over MQTT, one session each), each size
 * in turn. For each: time from launch to `gateway.started`, RSS idle and after every point has
 * reported (and the burst's garbage had time to go), ingest with publishers flat out, and what one scrape of `/metrics` and one `/readyz`
 * cost. Memory per point is the slope between sizes, so the fixed cost of the process is left out.
 */
import { freePort } from '../simulators/free-port.js';
import { readingsTotal, rssMb, spawnGateway } from './child.js';
import { LoadPublishers, sleep } from './load.js';
import { progress } from './progress.js';
import { benchSite, loadDevicesOf, meterDevices, scratch, THREE_PHASE_METER_POINTS, writeSiteFile } from './sites.js';
import { round } from './stats.js';

export interface ScaleOptions {
  readonly sizes: readonly number[];
  /** Idle time after start before RSS is read (the gateway runs a full collection 3 s after start). */
  readonly idleMs: number;
  readonly warmupMs: number;
  readonly windowMs: number;
  readonly publishers: number;
  readonly scrapes: number;
  /** Wait after the ingest before RSS is read again. */
  readonly settleMs: number;
}

export interface ScalePoint {
  readonly points: number;
  readonly startSeconds: number;
  readonly idleRssMb: number;
  readonly busyRssMb: number;
  readonly readingsPerSecond: number;
  readonly metricsMs: number;
  readonly readyzMs: number;
}

export async function measureScale(o: ScaleOptions): Promise<Record<string, unknown>> {
  const curve: ScalePoint[] = [];
  for (const points of o.sizes) curve.push(await onePoint(points, o));
  const out: Record<string, unknown> = {};
  for (const p of curve) out[`points${p.points}`] = p;
  // KB per point between consecutive sizes (the process's fixed cost cancels out).
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as ScalePoint;
    const b = curve[i] as ScalePoint;
    out[`idleKbPerPoint${a.points}to${b.points}`] = round(((b.idleRssMb - a.idleRssMb) * 1024) / (b.points - a.points), 2);
    out[`busyKbPerPoint${a.points}to${b.points}`] = round(((b.busyRssMb - a.busyRssMb) * 1024) / (b.points - a.points), 2);
  }
  return out;
}

async function onePoint(points: number, o: ScaleOptions): Promise<ScalePoint> {
  const tmp = await scratch('scale');
  const devices = meterDevices(points, THREE_PHASE_METER_POINTS);
  const mqttPort = await freePort();
  const input = benchSite(tmp.dir, devices, { log: { level: 'info' } });
  const broker = input.broker?.mode === 'embedded' ? { ...input.broker, port: mqttPort } : input.broker;
  const siteFile = await writeSiteFile(tmp.dir, { ...input, ...(broker === undefined ? {} : { broker }) });
  const t0 = performance.now();
  const gateway = await spawnGateway(siteFile, 180_000);
  const startSeconds = round((performance.now() - t0) / 1000, 2);
  try {
    await sleep(o.idleMs);
    const idleRssMb = await rssMb(gateway.pid);
    const pubs = await LoadPublishers.connect(mqttPort, loadDevicesOf(devices), o.publishers);
    let readingsPerSecond: number;
    try {
      pubs.go(null);
      await sleep(o.warmupMs);
      const c0 = await readingsTotal(gateway.httpUrl);
      const w0 = performance.now();
      await sleep(o.windowMs);
      const c1 = await readingsTotal(gateway.httpUrl);
      readingsPerSecond = Math.round(((c1 - c0) * 1000) / (performance.now() - w0));
    } finally {
      await pubs.stop();
    }
    // Read once the burst's garbage has had time to go: what the rings and tables hold now that every point has reported.
    await sleep(o.settleMs);
    const busyRssMb = await rssMb(gateway.pid);
    const metricsMs = await meanMs(o.scrapes, () => fetch(`${gateway.httpUrl}/metrics`).then((r) => r.text()));
    const readyzMs = await meanMs(o.scrapes, () => fetch(`${gateway.httpUrl}/readyz`).then((r) => r.text()));
    const p: ScalePoint = { points, startSeconds, idleRssMb, busyRssMb, readingsPerSecond, metricsMs, readyzMs };
    progress(`scale: ${points} points: started in ${startSeconds} s, ${idleRssMb} MB idle, ${busyRssMb} MB after ingest at ${readingsPerSecond} readings/s; /metrics ${metricsMs} ms, /readyz ${readyzMs} ms`);
    return p;
  } finally {
    await gateway.stop();
    await tmp.remove();
  }
}

/** Mean wall time of `n` sequential calls (ms), after one call not counted. */
async function meanMs(n: number, call: () => Promise<unknown>): Promise<number> {
  await call();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await call();
  return round((performance.now() - t0) / n, 2);
}
