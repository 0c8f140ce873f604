import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { ModbusRtuSlave } from '../../simulators/modbus/rtu-serial-slave.js';
import { SimulatedPump } from '../../simulators/modbus/simulated-pump.js';
import { ptyPair, type PtyPair } from './pty-pair.js';

/** A device of the site file as JSON (not parsed: reliability tests write it to a file). */
export type SiteDeviceJson = { readonly id: string; readonly source: Record<string, unknown> } & Record<string, unknown>;

/** pump-dw-1 exactly as config/demo-site.json has it: one register map for TCP and RTU tests. */
export function demoPumpDevice(): SiteDeviceJson {
  const site = JSON.parse(readFileSync(new URL('../../config/demo-site.json', import.meta.url), 'utf8')) as { devices: SiteDeviceJson[] };
  const pump = site.devices.find((d) => d.id === 'pump-dw-1');
  if (pump === undefined) throw new Error('config/demo-site.json has no pump-dw-1');
  return pump;
}

/** pump-dw-1's Modbus source moved onto the serial line at `serialPath` (9600 8N1 by default). */
export function rtuPumpSource(serialPath: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...demoPumpDevice().source, transport: { type: 'rtu', path: serialPath }, ...overrides };
}

export interface RtuPump {
  readonly pty: PtyPair;
  readonly pump: SimulatedPump;
  readonly slave: ModbusRtuSlave;
}

/**
 * The demo pump (exact values: no noise) answering as RTU slave 1 on the device end of a fresh
 * pty pair; the gateway opens `pty.gw`. Everything is stopped when the test finishes.
 */
export async function startRtuPump(): Promise<RtuPump> {
  const pty = await ptyPair();
  const pump = new SimulatedPump({ noise: 0, tickMs: 50 });
  const slave = new ModbusRtuSlave({ path: pty.dev, unitId: pump.unitId, memory: pump.memory });
  onTestFinished(async () => {
    pump.stopModel();
    await slave.stop();
  });
  pump.startModel();
  await slave.start();
  return { pty, pump, slave };
}

export interface RtuPumpSiteOptions {
  readonly dir: string;
  /** The gateway's end of the serial line. */
  readonly path: string;
  readonly httpPort: number;
  readonly mqttPort: number;
}

/**
 * A site file with pump-dw-1 alone, on the serial line at `path`, polled every 200 ms, raising
 * pump-failure at once (no on-delay), written to `dir/site.json` for a gateway process.
 */
export async function writeRtuPumpSite(opts: RtuPumpSiteOptions): Promise<string> {
  const { fedBy: _fedBy, ...pump } = demoPumpDevice(); // the panel feeding it is not on this site
  const file = path.join(opts.dir, 'site.json');
  await writeFile(
    file,
    JSON.stringify({
      site: { id: 'rtu-site', code: 'RT01', name: 'RTU test site' },
      broker: { mode: 'embedded', host: '127.0.0.1', port: opts.mqttPort },
      http: { host: '127.0.0.1', port: opts.httpPort },
      dataDir: path.join(opts.dir, 'data'),
      devices: [{ ...pump, source: rtuPumpSource(opts.path, { pollMs: 200, timeoutMs: 500 }), faults: { 'pump-failure': { onDelaySeconds: 0 } } }],
    }),
  );
  return file;
}
