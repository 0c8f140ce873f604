/**
 * HTTP push: what one pushed reading costs the gateway. Devices push JSON bodies of several points
 * to `POST /ingest/{deviceId}` (token check, rate bucket, decoders, detection) from a load process
 * on keep-alive connections; over a steady window the gateway process's CPU time (user + system)
 * is divided by the readings the HTTP push adapter took.
 */
import { buildGateway } from '../gateway/app.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import { Child } from './child.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import type { PushLoadIn, PushLoadOut } from './push-load.js';
import { benchSite, parse, scratch } from './sites.js';

export interface PushOptions {
  readonly devices: number;
  readonly pointsPerPush: number;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

export interface PushResult {
  readonly readingsPerSecond: number;
  readonly pushesPerSecond: number;
  readonly cpuMicrosPerReading: number;
  readonly cpuMicrosPerPush: number;
  readonly gatewayCpuShare: number;
  readonly refused: number;
  readonly devices: number;
  readonly pointsPerPush: number;
  readonly connections: number;
  readonly windowSeconds: number;
}

const POINTS = ['voltageA', 'voltageB', 'voltageC', 'current', 'frequency', 'powerFactor', 'energy', 'temperature'];

export async function measurePush(o: PushOptions): Promise<PushResult> {
  const points = POINTS.slice(0, o.pointsPerPush);
  const devices = Array.from({ length: o.devices }, (_, i) => ({
    id: `pm-push-${i}`,
    kind: 'power-meter' as const,
    name: `推送电表 ${i}`,
    location: { building: 'T1', floor: `${i % 40}F`, description: `${i % 40} 层配电间`, publicArea: false },
    source: {
      protocol: 'http' as const,
      token: { value: `bench-push-token-${i}` },
      expectEverySeconds: 300,
      rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
      points: points.map((id) => ({ id, decoder: { type: 'json' as const, path: `data.${id}` } })),
    },
  }));
  // Plausible values with a little noise: detection sees a normal building.
  const bodies = Array.from({ length: 8 }, (_, k) => JSON.stringify({ ts: Date.now(), data: Object.fromEntries(points.map((p) => [p, p === 'current' ? 120 + k : 221 + k * 0.3])) }));
  const tmp = await scratch('push');
  const gateway = await buildGateway(parse(benchSite(tmp.dir, devices, { http: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: Math.max(64, o.concurrency * 2) } })), { clock: systemClock, log: silentLogger() });
  const load = new Child<PushLoadIn, PushLoadOut>('push-load.js');
  try {
    await gateway.start();
    const url = gateway.httpUrl() ?? '';
    const readings = (): number => gateway.adapterStatuses().find((a) => a.kind === 'http')?.readings ?? 0;
    load.send({ kind: 'start', url, devices: devices.map((d) => ({ id: d.id, token: d.source.token.value })), bodies, concurrency: o.concurrency });
    await load.next('started');
    await sleep(o.warmupMs);
    const r0 = readings();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(o.windowMs);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    const taken = readings() - r0;
    load.send({ kind: 'stop' });
    const stats = await load.next('stopped');
    await load.exit();
    const cpuMicros = cpu.user + cpu.system;
    progress(`push: ${taken} readings in ${seconds.toFixed(1)} s`);
    return {
      readingsPerSecond: Math.round(taken / seconds),
      pushesPerSecond: Math.round(taken / o.pointsPerPush / seconds),
      cpuMicrosPerReading: taken === 0 ? Number.NaN : Math.round((cpuMicros / taken) * 10) / 10,
      cpuMicrosPerPush: taken === 0 ? Number.NaN : Math.round((cpuMicros / (taken / o.pointsPerPush)) * 10) / 10,
      gatewayCpuShare: Math.round((cpuMicros / 1e6 / seconds) * 100) / 100,
      refused: stats.refused + stats.failed,
      devices: o.devices,
      pointsPerPush: o.pointsPerPush,
      connections: o.concurrency,
      windowSeconds: o.windowMs / 1000,
    };
  } finally {
    await load.exit().catch(() => undefined);
    await gateway.stop();
    await tmp.remove();
  }
}
