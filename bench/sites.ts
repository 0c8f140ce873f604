import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSite } from '../gateway/config/load-site.js';
import type { SiteConfig, SiteFileInput } from '../gateway/config/site-schema.js';

/** One MQTT device as a load publisher sees it: credentials, and payload variants per topic. */
export interface LoadDevice {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly topics: readonly string[];
}

type DeviceInput = SiteFileInput['devices'][number];

export const METER_POINTS = ['voltageA', 'voltageB', 'voltageC', 'current'] as const;

/**
 * A three-phase sub-meter as a large complex reads it: the phase voltages and current, and power
 * factor, active and reactive power and energy. The scale curve is made of these, so 100,000 points
 * are 12,500 MQTT sessions: 25,000 four-point meters would need more open files than the bench
 * machines let one process have (20,000), and the broker refuses what does not fit (GW_MQTT_CONNECTION_LIMIT).
 */
export const THREE_PHASE_METER_POINTS = [...METER_POINTS, 'powerFactor', 'activePower', 'reactivePower', 'energy'] as const;

const UNITS: Readonly<Record<string, string>> = { current: 'A', powerFactor: '', activePower: 'kW', reactivePower: 'kvar', energy: 'kWh' };
const TYPICAL: Readonly<Record<string, number>> = { current: 120, powerFactor: 0.95, activePower: 45.2, reactivePower: 12.4, energy: 18_250 };

/** Plausible values with a little noise, so detection sees a normal building (no power loss, no overcurrent). */
export function meterPayloads(pointId: string): string[] {
  const base = TYPICAL[pointId] ?? 221;
  // Voltages and current move by 0.7 a step, as they always did here; the others by 0.3 % of their size.
  const step = pointId in TYPICAL && pointId !== 'current' ? base * 0.003 : 0.7;
  return Array.from({ length: 8 }, (_, i) => JSON.stringify({ value: Math.round((base + (i - 4) * step) * 100) / 100 }));
}

export function powerMeter(i: number, points: readonly string[] = METER_POINTS): DeviceInput {
  const id = `pm-${i}`;
  return {
    id,
    kind: 'power-meter',
    name: `电表 ${i}`,
    nameEn: `Meter ${i}`,
    location: { building: `B${Math.floor(i / 100)}`, floor: `${i % 40}F`, description: `${i % 40} 层配电间`, descriptionEn: `floor ${i % 40} electrical room`, publicArea: false },
    source: {
      protocol: 'mqtt',
      username: id,
      password: { value: `pw-${id}` },
      heartbeatSeconds: 300,
      points: points.map((p) => ({ id: p, unit: UNITS[p] ?? 'V' })),
    },
  };
}

export function leakSensor(id: string, onDelaySeconds: number | null = null): DeviceInput {
  return {
    id,
    kind: 'leak-sensor',
    name: `漏水传感器 ${id}`,
    nameEn: `Leak sensor ${id}`,
    battery: true,
    location: { building: 'T1', floor: 'B1', description: `B1 泵房 ${id}`, descriptionEn: `B1 pump room ${id}`, publicArea: true },
    source: { protocol: 'mqtt', username: id, password: { value: `pw-${id}` }, heartbeatSeconds: 3600, points: [{ id: 'wet' }, { id: 'battery', unit: '%' }] },
    ...(onDelaySeconds === null ? {} : { faults: { 'water-leak': { onDelaySeconds, offDelaySeconds: 0 } } }),
  };
}

export function loadDevicesOf(devices: readonly DeviceInput[]): LoadDevice[] {
  return devices.flatMap((d) => {
    const s = d.source;
    if (s.protocol !== 'mqtt' || s.password === undefined || !('value' in s.password)) return [];
    return [{ id: d.id, username: s.username ?? d.id, password: s.password.value, topics: s.points.map((p) => `site/${d.id}/${p.id}`) }];
  });
}

/** The alert console's login on the bench site's broker (devices read nothing). */
export const BENCH_CONSOLE = { username: 'bench-console', password: 'pw-bench-console' } as const;

/** A site on loopback with free ports, nothing alarming in it, the given devices. */
export function benchSite(dataDir: string, devices: DeviceInput[], extra: Partial<SiteFileInput> = {}): SiteFileInput {
  return {
    site: { id: 'bench-site', code: 'BN01', name: 'Bench site', timeZone: 'Asia/Shanghai' },
    broker: { mode: 'embedded', host: '127.0.0.1', port: 0, logins: [{ username: BENCH_CONSOLE.username, password: { value: BENCH_CONSOLE.password }, subscribe: ['alerts/#'] }] },
    http: { host: '127.0.0.1', port: 0 },
    dataDir,
    log: { level: 'warn' },
    devices,
    ...extra,
  };
}

/** The 5,000-point site: 1,250 power meters of 4 points each over MQTT. */
export function meterDevices(points = 5000, shape: readonly string[] = METER_POINTS): DeviceInput[] {
  return Array.from({ length: Math.ceil(points / shape.length) }, (_, i) => powerMeter(i, shape));
}

export function parse(input: SiteFileInput): SiteConfig {
  return parseSite(input);
}

/** A scratch folder for a store or a site file, removed by the returned function. */
export async function scratch(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `bench-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeSiteFile(dir: string, input: SiteFileInput): Promise<string> {
  const file = path.join(dir, 'site.json');
  await writeFile(file, JSON.stringify(input, null, 2));
  return file;
}
