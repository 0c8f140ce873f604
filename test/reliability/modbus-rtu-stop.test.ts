import type { ChildProcess } from 'node:child_process';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../simulators/free-port.js';
import type { SimulatedPump } from '../../simulators/modbus/simulated-pump.js';
import { ensureBuilt, startGatewayProcess, stopGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { startRtuPump, writeRtuPumpSite } from '../helpers/rtu-pump.js';
import { tempDir } from '../helpers/temp-dir.js';

const PUMP = 'pump-dw-1';
const EXIT_BOUND_MS = 10_000; // issue 13, item 7: a stop that really stops
const SLOW = { timeout: 30_000, interval: 200 }; // two shared cores: generous, never a timing assertion

interface DeviceView {
  id: string;
  points: { pointId: string; quality: string; value: unknown }[];
}

async function pumpPoints(gw: GatewayProcess): Promise<DeviceView['points']> {
  const body = (await (await fetch(`${gw.httpUrl}/api/devices`)).json()) as { devices: DeviceView[] };
  return body.devices.find((d) => d.id === PUMP)?.points ?? [];
}

async function pumpReadsGood(gw: GatewayProcess): Promise<void> {
  await vi.waitFor(async () => {
    const points = await pumpPoints(gw);
    expect(points.length).toBe(6);
    expect(points.filter((p) => p.quality !== 'good')).toEqual([]);
  }, SLOW);
}

/** SIGTERM, then how the process ended, or 'still running' if it had not within `ms`. */
async function sigterm(child: ChildProcess, ms: number): Promise<{ code: number | null } | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  const outcome = await Promise.race([stopGateway(child).then((code) => ({ code })), bound]);
  clearTimeout(timer);
  return outcome;
}

/** The demo pump on an RTU line (socat pty pair, simulated slave) and a site file for it. */
async function rtuSite(): Promise<{ siteFile: string; httpPort: number; pump: SimulatedPump }> {
  const { pty, pump } = await startRtuPump();
  const dir = await tempDir();
  const httpPort = await freePort();
  const siteFile = await writeRtuPumpSite({ dir, path: pty.gw, httpPort, mqttPort: await freePort() });
  return { siteFile, httpPort, pump };
}

describe('modbus RTU: a stop that really stops', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('exits on SIGTERM with the serial port closed, so a second gateway opens it at once and reads the pump', async () => {
    const { siteFile, httpPort } = await rtuSite();
    const first = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
    await pumpReadsGood(first);

    const ended = await sigterm(first.child, EXIT_BOUND_MS);
    expect(ended, `the gateway did not exit within ${EXIT_BOUND_MS} ms of SIGTERM:\n${first.lines.slice(-10).join('\n')}`).toEqual({ code: 0 });
    expect(first.events('gateway.stopped')).toHaveLength(1);

    const second = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
    await pumpReadsGood(second);
    // The port was free: no failed open ("Cannot lock port") before the readings came.
    expect(second.lines.filter((l) => l.includes('modbus link down'))).toEqual([]);
    expect(await sigterm(second.child, EXIT_BOUND_MS)).toEqual({ code: 0 });
  }, 120_000);

  it('raises a pump-failure ticket from the pump on the RTU line', async () => {
    const { siteFile, httpPort, pump } = await rtuSite();
    const gw = await startGatewayProcess(siteFile, httpPort);
    await pumpReadsGood(gw);

    pump.setMode('failure'); // run command on, no run feedback
    await vi.waitFor(async () => {
      const body = (await (await fetch(`${gw.httpUrl}/api/tickets`)).json()) as { tickets: { fault: string; deviceId: string; condition: string }[] };
      expect(body.tickets).toEqual([expect.objectContaining({ fault: 'pump-failure', deviceId: PUMP, condition: 'active' })]);
    }, SLOW);
    expect(await sigterm(gw.child, EXIT_BOUND_MS)).toEqual({ code: 0 });
  }, 120_000);
});
