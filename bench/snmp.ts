/**
 * SNMP: the SNMP adapter alone (no detection behind it) polling simulated UPSes over v2c on
 * 127.0.0.1, the UPS-MIB mapping on each: readings per second, and the CPU this process spent per
 * reading (user + system, over the window), which is the adapter's cost: the agents run in
 * another process.
 */
import { SnmpSource } from '../adapters/snmp/config.js';
import { createSnmpAdapter } from '../adapters/snmp/index.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import { Child } from './child.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import type { SnmpSimIn, SnmpSimOut } from './snmp-sim.js';
import { round } from './stats.js';

export interface SnmpOptions {
  readonly agents: number;
  readonly pollMs: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

export interface SnmpResult {
  readonly agents: number;
  readonly pointsPerAgent: number;
  readonly readingsPerSecond: number;
  readonly cpuMicrosPerReading: number;
  readonly badReadings: number;
}

export async function measureSnmp(o: SnmpOptions): Promise<SnmpResult> {
  const sim = new Child<SnmpSimIn, SnmpSimOut>('snmp-sim.js');
  const community = 'bench-ro';
  try {
    sim.send({ kind: 'start', agents: o.agents, community });
    const { ports } = await sim.next('started');
    const devices = ports.map((port, i) => ({
      id: `ups-${i}`,
      source: SnmpSource.parse({ protocol: 'snmp', host: '127.0.0.1', port, community: { value: community }, mapping: 'ups-mib', pollMs: o.pollMs, timeoutMs: 1000, retries: 0 }),
    }));
    const adapter = await createSnmpAdapter({ devices }, { clock: systemClock, log: silentLogger(), env: {} });
    let bad = 0;
    adapter.on('reading', (r) => {
      if (r.quality !== 'good') bad += 1;
    });
    await adapter.start();
    try {
      await sleep(o.warmupMs);
      const r0 = adapter.status().readings;
      const bad0 = bad;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await sleep(o.windowMs);
      const cpu = process.cpuUsage(cpu0);
      const seconds = (performance.now() - t0) / 1000;
      const n = adapter.status().readings - r0;
      progress(`snmp: ${n} readings in ${seconds.toFixed(1)} s from ${o.agents} agents, ${bad - bad0} bad`);
      return {
        agents: o.agents,
        pointsPerAgent: devices[0]?.source.points.length ?? 0,
        readingsPerSecond: Math.round(n / seconds),
        cpuMicrosPerReading: n === 0 ? 0 : round((cpu.user + cpu.system) / n, 1),
        badReadings: bad - bad0,
      };
    } finally {
      await adapter.stop();
    }
  } finally {
    await sim.stopAndExit({ kind: 'stop' });
  }
}
