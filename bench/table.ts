import type { MeasureName } from './measures.js';

/** Targets of issue 8, for the table (the JSON carries the raw figures only). */
const TARGETS: Readonly<Record<string, string>> = {
  'ingest.readingsPerSecond': '>= 50000',
  'ingest.ratioToRaw': '>= 0.5',
  'faultLatency.p99MsAt10PerSecond': '<= 5',
  'hostile.hostileP99Ms': '<= 20 (quietP99Ms beside it)',
  'modbus.missedShare': '< 0.01',
  'opcua.items': '5000',
  'opcua.rssMb': '<= 300',
  'store.stormDurableSeconds': '<= 0.5',
  'syncDrain.seconds': '<= 60',
  'memory.idleRssMb': '<= 180',
  'memory.idleRssNoOpcuaMb': '<= 100',
};

/** One line per figure: measure, key, value, target. */
export function printTable(results: Partial<Record<MeasureName, Record<string, unknown>>>): void {
  const rows: [string, string, string][] = [];
  for (const [measure, figures] of Object.entries(results)) {
    for (const [key, value] of Object.entries(figures ?? {})) rows.push([`${measure}.${key}`, String(value), TARGETS[`${measure}.${key}`] ?? '']);
  }
  const w0 = Math.max(6, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  console.log(`${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  target`);
  console.log(`${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ------`);
  for (const [k, v, t] of rows) console.log(`${k.padEnd(w0)}  ${v.padStart(w1)}  ${t}`);
}
