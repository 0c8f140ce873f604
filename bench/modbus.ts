/**
 * Modbus: the gateway (buildGateway) polling simulated devices over TCP: points per second, and
 * the share of polls that missed their period. Devices sit behind simulated TCP-to-RTU gateways
 * (one shared connection each, one request at a time), in a separate process.
 */
import { buildGateway } from '../gateway/app.js';
import { systemClock } from '../core/clock.js';
import type { SiteFileInput } from '../gateway/config/site-schema.js';
import { silentLogger } from '../core/log.js';
import { Child } from './child.js';
import { sleep } from './load.js';
import type { ModbusSimIn, ModbusSimOut } from './modbus-sim.js';
import { progress } from './progress.js';
import { benchSite, parse, scratch } from './sites.js';
import { round } from './stats.js';

export interface ModbusOptions {
  readonly devices: number;
  readonly unitsPerGateway: number;
  readonly registers: number;
  readonly pollMs: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

export interface ModbusResult {
  readonly devices: number;
  readonly registersPerDevice: number;
  readonly pointsPerSecond: number;
  readonly missedShare: number;
  readonly worstGapMs: number;
  readonly tcpGateways: number;
}

export async function measureModbus(o: ModbusOptions): Promise<ModbusResult> {
  const gateways = Math.ceil(o.devices / o.unitsPerGateway);
  const sim = new Child<ModbusSimIn, ModbusSimOut>('modbus-sim.js');
  const tmp = await scratch('modbus');
  try {
    sim.send({ kind: 'start', gateways, unitsPerGateway: o.unitsPerGateway, registers: o.registers });
    const { ports } = await sim.next('started');
    const devices: SiteFileInput['devices'] = Array.from({ length: o.devices }, (_, i) => ({
      id: `mb-${i}`,
      kind: 'generic',
      name: `Modbus 设备 ${i}`,
      location: { building: 'T1', floor: 'B2', description: 'B2 设备间', publicArea: false },
      source: {
        protocol: 'modbus',
        transport: { type: 'tcp', host: '127.0.0.1', port: ports[Math.floor(i / o.unitsPerGateway)] ?? 0 },
        unitId: (i % o.unitsPerGateway) + 1,
        pollMs: o.pollMs,
        timeoutMs: 500,
        points: Array.from({ length: o.registers }, (_, r) => ({ id: `r${r}`, table: 'holding-register', address: r, type: 'uint16' })),
      },
    }));
    const gateway = await buildGateway(parse(benchSite(tmp.dir, devices)), { clock: systemClock, log: silentLogger() });
    const readings = (): number => gateway.adapterStatuses().find((a) => a.kind === 'modbus')?.readings ?? 0;
    await gateway.start();
    try {
      await sleep(o.warmupMs);
      const r0 = readings();
      // The simulator's process stamps requests the same way: monotonic, on a common origin.
      const from = performance.timeOrigin + performance.now();
      const t0 = performance.now();
      await sleep(o.windowMs);
      const r1 = readings();
      const seconds = (performance.now() - t0) / 1000;
      const to = performance.timeOrigin + performance.now();
      sim.send({ kind: 'report', fromMs: from, toMs: to, periodMs: o.pollMs });
      const report = await sim.next('report');
      progress(`modbus: ${r1 - r0} points in ${seconds.toFixed(1)} s; ${report.polls} polls, ${report.missed} missed`);
      return {
        devices: o.devices,
        registersPerDevice: o.registers,
        pointsPerSecond: Math.round((r1 - r0) / seconds),
        missedShare: round(report.missed / (report.polls + report.missed), 4),
        worstGapMs: report.worstGapMs,
        tcpGateways: gateways,
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    await sim.stopAndExit({ kind: 'stop' });
    await tmp.remove();
  }
}
