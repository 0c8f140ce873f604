import { measureFaultLatency, measureHostile } from './fault-latency.js';
import { measureIngest } from './ingest.js';
import { measureMemory } from './memory.js';
import { measureModbus } from './modbus.js';
import { measureOpcua } from './opcua.js';
import { measureSnmp } from './snmp.js';
import { measureStore } from './store.js';
import { measureSyncDrain } from './sync-drain.js';

export type Sizes = 'full' | 'quick';

/** Each measure at the sizes of issue 8 ('full') or tiny ones ('quick', for the smoke test). */
export const MEASURES = {
  ingest: (s: Sizes) =>
    measureIngest(s === 'full' ? { points: 5000, publishers: 2, warmupMs: 3000, windowMs: 8000 } : { points: 40, publishers: 1, warmupMs: 300, windowMs: 500 }),
  faultLatency: (s: Sizes) =>
    measureFaultLatency(s === 'full' ? { faults: 200, backgroundPerSecond: 10_000, backgroundPoints: 5000, gapMs: 100 } : { faults: 5, backgroundPerSecond: 200, backgroundPoints: 40, gapMs: 20 }),
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
  snmp: (s: Sizes) =>
    measureSnmp(s === 'full' ? { agents: 50, pollMs: 200, warmupMs: 2000, windowMs: 10_000 } : { agents: 2, pollMs: 200, warmupMs: 300, windowMs: 1000 }),
  store: (s: Sizes) =>
    measureStore(s === 'full' ? { stormTickets: 1000, stormSeconds: 10, openTickets: [100, 1000, 10_000], samples: 7 } : { stormTickets: 20, stormSeconds: 0.2, openTickets: [10], samples: 2 }),
  syncDrain: (s: Sizes) => measureSyncDrain({ tickets: s === 'full' ? 10_000 : 50 }),
  memory: (s: Sizes) => measureMemory(s === 'full' ? { startupMs: 5000, settleMs: 40_000, samples: 3, points: 5000 } : { startupMs: 300, settleMs: 300, samples: 1, points: 40 }),
} as const;

export type MeasureName = keyof typeof MEASURES;
