/**
 * BACnet/IP: the adapter's cost per reading. The adapter runs alone in this process against
 * simulated devices in a child process (their UDP sockets and encoding are not counted), first
 * polling every point (ReadPropertyMultiple per device per period), then by COV (the devices
 * notify changes at a steady rate). CPU time of this process over the window, divided by the
 * readings delivered, is the cost of one reading: decoding, status-flags, the reading object.
 */
import { BacnetSource } from '../adapters/bacnet/config.js';
import { createBacnetAdapter } from '../adapters/bacnet/index.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import type { BacnetSimIn, BacnetSimOut } from './bacnet-sim.js';
import { Child } from './child.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import { round } from './stats.js';

export interface BacnetOptions {
  readonly devices: number;
  readonly points: number;
  readonly pollMs: number;
  readonly covChangesPerSecond: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

export interface BacnetResult {
  readonly devices: number;
  readonly pointsPerDevice: number;
  readonly pollReadingsPerSecond: number;
  readonly pollCpuUsPerReading: number;
  readonly covReadingsPerSecond: number;
  readonly covCpuUsPerReading: number;
  /** Changes the devices notified in the COV window, per second: what could have arrived. */
  readonly covChangesPerSecond: number;
}

export async function measureBacnet(o: BacnetOptions): Promise<BacnetResult> {
  const sim = new Child<BacnetSimIn, BacnetSimOut>('bacnet-sim.js');
  try {
    sim.send({ kind: 'start', devices: o.devices, points: o.points });
    const { ports } = await sim.next('started');
    const poll = await window(ports, o, false);
    progress(`bacnet poll: ${poll.readingsPerSecond} readings/s at ${poll.cpuUsPerReading} µs CPU each`);
    sim.send({ kind: 'churn', perSecond: o.covChangesPerSecond });
    await sim.next('churning');
    const cov = await window(ports, o, true, async () => (sim.send({ kind: 'count' }), (await sim.next('counted')).changes));
    progress(`bacnet cov: ${cov.readingsPerSecond} readings/s at ${cov.cpuUsPerReading} µs CPU each`);
    return {
      devices: o.devices,
      pointsPerDevice: o.points,
      pollReadingsPerSecond: poll.readingsPerSecond,
      pollCpuUsPerReading: poll.cpuUsPerReading,
      covReadingsPerSecond: cov.readingsPerSecond,
      covCpuUsPerReading: cov.cpuUsPerReading,
      covChangesPerSecond: cov.changesPerSecond ?? 0,
    };
  } finally {
    await sim.stopAndExit({ kind: 'stop' });
  }
}

async function window(ports: readonly number[], o: BacnetOptions, cov: boolean, changes?: () => Promise<number>): Promise<{ readingsPerSecond: number; cpuUsPerReading: number; changesPerSecond?: number }> {
  const devices = ports.map((port, d) => ({
    id: `bac-${d}`,
    source: BacnetSource.parse({
      protocol: 'bacnet',
      deviceInstance: 10_000 + d,
      address: `127.0.0.1:${port}`,
      // With COV the period is only the liveness read of each device.
      pollMs: cov ? 10_000 : o.pollMs,
      timeoutMs: 3000,
      cov,
      points: Array.from({ length: o.points }, (_, i) => ({ id: `av${i}`, objectType: 'analog-value', instance: i })),
    }),
  }));
  const adapter = await createBacnetAdapter({ devices, bind: { host: '127.0.0.1', port: 0 } }, { clock: systemClock, log: silentLogger() });
  let readings = 0;
  adapter.on('reading', () => {
    readings += 1;
  });
  await adapter.start();
  try {
    await sleep(o.warmupMs);
    const k0 = await changes?.();
    const r0 = readings;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(o.windowMs);
    const cpu = process.cpuUsage(c0);
    const seconds = (performance.now() - t0) / 1000;
    const n = readings - r0;
    const k1 = await changes?.();
    const changed = k0 === undefined || k1 === undefined ? {} : { changesPerSecond: Math.round((k1 - k0) / seconds) };
    return { readingsPerSecond: Math.round(n / seconds), cpuUsPerReading: n === 0 ? 0 : round((cpu.user + cpu.system) / n, 1), ...changed };
  } finally {
    await adapter.stop();
  }
}
