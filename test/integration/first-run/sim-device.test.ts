import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, waitForPort } from '../../helpers/gateway-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CLI = path.resolve('dist/simulators/cli.js');

function sim(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, out, err) => resolve({ code: error === null ? 0 : Number(error.code), out, err }));
  });
}

describe('npm run sim -- device ID set POINT VALUE', () => {
  ensureBuilt(CLI);

  it('sets a point of a served device, and refuses an unknown device or point with exit 1', async () => {
    const dir = await tempDir('sim-device-');
    const [modbusPort, control] = [await freePort(), await freePort()];
    const siteFile = path.join(dir, 'site.json');
    await writeFile(
      siteFile,
      JSON.stringify({
        site: { id: 'sim-test', code: 'ST01', name: 'sim test' },
        devices: [
          {
            id: 'pump-1', kind: 'pump', name: 'Pump', location: { building: 'T1', floor: 'B1', description: 'pump room' },
            source: { protocol: 'modbus', transport: { type: 'tcp', host: '127.0.0.1', port: modbusPort }, points: [{ id: 'faultCode', table: 'holding-register', address: 0 }, { id: 'running', table: 'discrete-input', address: 0, type: 'bool' }] },
          },
        ],
      }),
    );
    const env = { SIM_CONTROL_PORT: String(control), LOG_LEVEL: 'warn' };
    const serve = spawn(process.execPath, [CLI, 'serve', '--site', siteFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => new Promise<void>((resolve) => (serve.exitCode !== null ? resolve() : (serve.once('exit', () => resolve()), serve.kill('SIGTERM')))));
    createInterface({ input: serve.stderr }).on('line', () => undefined);
    serve.stdout.resume();
    // The Modbus simulator comes up on the site file's own port, then the control port.
    await waitForPort(modbusPort, 60_000);
    await waitForPort(control, 60_000);

    expect(await sim(['device', 'pump-1', 'set', 'faultCode', '3'], env)).toMatchObject({ code: 0, out: 'pump-1.faultCode = 3\n' });
    const noPoint = await sim(['device', 'pump-1', 'set', 'pressure', '1'], env);
    expect(noPoint).toMatchObject({ code: 1, err: 'error: device "pump-1" has no point "pressure" (its points: faultCode, running)\n' });
    const noDevice = await sim(['device', 'pump-9', 'set', 'running', 'true'], env);
    expect(noDevice.code).toBe(1);
    expect(noDevice.err).toContain('no device "pump-9"');
  });
});
