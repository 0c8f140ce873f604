import { measureBacnet } from './bacnet.js';
import { measureFaultLatency, measureHostile } from './fault-latency.js';
import { measureHa } from './ha.js';
import { measureIngest } from './ingest.js';
import { measureMemory } from './memory.js';
import { measureModbus } from './modbus.js';
import { measureOpcua } from './opcua.js';
import { measurePages } from './pages.js';
import { measurePeer } from './peer.js';
import { measurePush } from './push.js';
import { measureScale } from './scale.js';
import { measureSnmp } from './snmp.js';
import { measureStore } from './store.js';
import { measureSyncDrain } from './sync-drain.js';

export type Sizes = 'full' | 'quick';

/** Each measure at the sizes of issue 8 ('full') or tiny ones ('quick', for the smoke test). */
export const MEASURES = {
  ingest: (s: Sizes) =>
    measureIngest(s === 'full' ? { points: 5000, publishers: 2, warmupMs: 3000, windowMs: 8000 } : { points: 40, publishers: 1, warmupMs: 300, windowMs: 500 }),
  // 10 faults a second over 10,000 readings/s, the reference central service taking every ticket.
  faultLatency: async (s: Sizes) => {
    const { p50Ms, p99Ms, ...rest } = await measureFaultLatency(
      s === 'full' ? { faults: 300, backgroundPerSecond: 10_000, backgroundPoints: 5000, gapMs: 100 } : { faults: 5, backgroundPerSecond: 200, backgroundPoints: 40, gapMs: 20 },
    );
    return { p50MsAt10PerSecond: p50Ms, p99MsAt10PerSecond: p99Ms, ...rest };
  },
  hostile: (s: Sizes) =>
    measureHostile(
      s === 'full'
        ? { faults: 100, backgroundPerSecond: 2_000, backgroundPoints: 1000, gapMs: 100, hostile: { mqtt: 500, http: 500, addresses: 20 } }
        : { faults: 5, backgroundPerSecond: 200, backgroundPoints: 40, gapMs: 20, hostile: { mqtt: 30, http: 30, addresses: 3 } },
    ),
  modbus: (s: Sizes) =>
    measureModbus(
      s === 'full'
        ? { devices: 200, unitsPerGateway: 20, registers: 10, pollMs: 1000, warmupMs: 3000, windowMs: 15_000 }
        : { devices: 4, unitsPerGateway: 2, registers: 10, pollMs: 200, warmupMs: 300, windowMs: 1000 },
    ),
  opcua: (s: Sizes) =>
    measureOpcua(
      s === 'full'
        ? { items: 5000, itemsPerDevice: 100, samplingMs: 1000, warmupMs: 3000, windowMs: 10_000, startTimeoutMs: 120_000 }
        : { items: 20, itemsPerDevice: 10, samplingMs: 200, warmupMs: 500, windowMs: 1000, startTimeoutMs: 60_000 },
    ),
  bacnet: (s: Sizes) =>
    measureBacnet(
      s === 'full'
        ? { devices: 100, points: 20, pollMs: 1000, covChangesPerSecond: 2000, warmupMs: 3000, windowMs: 10_000 }
        : { devices: 2, points: 5, pollMs: 200, covChangesPerSecond: 50, warmupMs: 300, windowMs: 1000 },
    ),
  push: (s: Sizes) =>
    measurePush(s === 'full' ? { devices: 200, pointsPerPush: 4, concurrency: 16, warmupMs: 3000, windowMs: 10_000 } : { devices: 4, pointsPerPush: 4, concurrency: 2, warmupMs: 300, windowMs: 500 }),
  snmp: (s: Sizes) =>
    measureSnmp(s === 'full' ? { agents: 50, pollMs: 200, warmupMs: 2000, windowMs: 10_000 } : { agents: 2, pollMs: 200, warmupMs: 300, windowMs: 1000 }),
  store: (s: Sizes) =>
    measureStore(s === 'full' ? { stormTickets: 1000, stormSeconds: 0, openTickets: [100, 1000, 10_000], samples: 7, soakFaults: 600 } : { stormTickets: 20, stormSeconds: 0, openTickets: [10], samples: 2, soakFaults: 3 }),
  // What an open page receives a minute on a 600-device site at 3,000 readings/s (issue 33: a patrol page under 50 kB a minute).
  pages: (s: Sizes) =>
    measurePages(s === 'full' ? { devices: 600, readingsPerSecond: 3000, publishers: 2, warmupMs: 5000, windowMs: 60_000 } : { devices: 5, readingsPerSecond: 50, publishers: 1, warmupMs: 300, windowMs: 1000 }),
  syncDrain: (s: Sizes) => measureSyncDrain({ tickets: s === 'full' ? 10_000 : 50 }),
  memory: (s: Sizes) =>
    measureMemory(s === 'full' ? { startupMs: 5000, settleMs: 40_000, samples: 3, points: 5000, devices: 1000 } : { startupMs: 300, settleMs: 300, samples: 1, points: 40, devices: 10 }),
  peer: (s: Sizes) =>
    measurePeer(
      s === 'full'
        ? {
            devices: 2000,
            idleDevices: 1000,
            settleMs: 40_000,
            rssSamples: 3,
            steps: [5000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 100_000, 125_000, 150_000, 175_000, 200_000, 250_000],
            stepMs: 5000,
            warmupMs: 3000,
            cpuRate: 20_000,
            cpuMs: 10_000,
            faults: 100,
            faultGapMs: 100,
            backgroundPerSecond: 5000,
            publishers: 2,
            freshPerFigure: true,
          }
        : { devices: 10, idleDevices: 5, settleMs: 300, rssSamples: 1, steps: [200], stepMs: 500, warmupMs: 200, cpuRate: 200, cpuMs: 500, faults: 3, faultGapMs: 50, backgroundPerSecond: 100, publishers: 1, freshPerFigure: false },
    ),
  scale: (s: Sizes) =>
    measureScale(
      s === 'full'
        ? { sizes: [1000, 10_000, 50_000, 100_000], idleMs: 12_000, warmupMs: 3000, windowMs: 6000, publishers: 2, scrapes: 20, settleMs: 15_000 }
        : { sizes: [40, 80], idleMs: 300, warmupMs: 300, windowMs: 500, publishers: 1, scrapes: 2, settleMs: 300 },
    ),
  // Two gateways on one site (issue 34): SIGKILL trials (50; BENCH_HA_TRIALS=10 for CI's reliability run), and fault -> durable at 10 faults/s on the pair and on one gateway.
  ha: (s: Sizes) => measureHa({ trials: haTrials(s), durableFaults: s === 'full' ? 200 : 10, gapMs: 100, photos: s === 'full' ? 50 : 3 }),
} as const;

/** The SIGKILL trials of `ha`: 50 (3 with --quick), or BENCH_HA_TRIALS. */
function haTrials(s: Sizes): number {
  const v = process.env['BENCH_HA_TRIALS'];
  if (v === undefined || v === '') return s === 'full' ? 50 : 3;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_HA_TRIALS must be a whole number of trials, got ${v}`);
  return n;
}

export type MeasureName = keyof typeof MEASURES;
