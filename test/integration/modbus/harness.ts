import { onTestFinished } from 'vitest';
import type { AdapterStatus, UpstreamChange } from '../../../core/adapter.js';
import type { Reading } from '../../../core/reading.js';
import { ModbusSource } from '../../../adapters/modbus/config.js';
import { createModbusAdapter, type ModbusAdapter } from '../../../adapters/modbus/modbus-adapter.js';
import { systemClock, type Clock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { ModbusMultiUnitSimulator } from '../../../simulators/modbus/multi-unit-simulator.js';

/** The system clock, counting the timers that are armed and not yet fired or cancelled. */
export function trackingClock(): Clock & { readonly armed: number } {
  let armed = 0;
  return {
    get armed() {
      return armed;
    },
    now: () => systemClock.now(),
    monotonic: () => systemClock.monotonic(),
    setTimeout(fn, ms) {
      armed += 1;
      let live = true;
      const end = () => {
        if (live) armed -= 1;
        live = false;
      };
      const h = systemClock.setTimeout(() => {
        end();
        fn();
      }, ms);
      return { cancel: () => (h.cancel(), end()) };
    },
    setInterval(fn, ms) {
      armed += 1;
      let live = true;
      const h = systemClock.setInterval(fn, ms);
      return {
        cancel: () => {
          h.cancel();
          if (live) armed -= 1;
          live = false;
        },
      };
    },
  };
}

/** A simulator on a free port, stopped when the test ends. */
export async function startSimulator(): Promise<ModbusMultiUnitSimulator> {
  const sim = new ModbusMultiUnitSimulator();
  await sim.start();
  onTestFinished(() => sim.stop());
  return sim;
}

export function tcpSource(port: number, unitId: number, points: unknown[], extra: Record<string, unknown> = {}): ModbusSource {
  return ModbusSource.parse({
    protocol: 'modbus',
    transport: { type: 'tcp', host: '127.0.0.1', port },
    unitId,
    pollMs: 100,
    timeoutMs: 300,
    retries: 0,
    points,
    ...extra,
  });
}

export interface Recorded {
  readonly adapter: ModbusAdapter;
  readonly readings: Reading[];
  readonly upstreams: UpstreamChange[];
  readonly statuses: AdapterStatus[];
  latest(deviceId: string, pointId: string): Reading | undefined;
}

/** An adapter with every event recorded, stopped when the test ends. */
export async function startAdapter(
  devices: Array<{ id: string; source: ModbusSource }>,
  opts: { maxGap?: number; clock?: Clock } = {},
): Promise<Recorded> {
  const adapter = createModbusAdapter(
    { devices, backoff: { baseMs: 50, capMs: 200 }, connectTimeoutMs: 1000, ...(opts.maxGap === undefined ? {} : { maxGap: opts.maxGap }) },
    { clock: opts.clock ?? systemClock, log: silentLogger() },
  );
  const readings: Reading[] = [];
  const upstreams: UpstreamChange[] = [];
  const statuses: AdapterStatus[] = [];
  adapter.on('reading', (r) => readings.push(r));
  adapter.on('upstream', (u) => upstreams.push(u));
  adapter.on('status', (s) => statuses.push(s));
  adapter.on('error', () => undefined);
  onTestFinished(() => adapter.stop());
  await adapter.start();
  return {
    adapter,
    readings,
    upstreams,
    statuses,
    latest: (deviceId, pointId) => readings.findLast((r) => r.deviceId === deviceId && r.pointId === pointId),
  };
}
