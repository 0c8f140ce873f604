import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Device } from '../../../gateway/config/site-schema.js';
import { SimulatedBbmd } from '../../../simulators/bacnet/simulated-bbmd.js';
import { simulatedChiller } from '../../../simulators/bacnet/simulated-chiller.js';
import { SimulatedRouter } from '../../../simulators/bacnet/simulated-router.js';
import { ensureBuilt } from '../../helpers/gateway-process.js';

const CLI = path.resolve('dist/adapters/bacnet/discover-cli.js');

function discover(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], (e, out, err) => resolve({ code: e === null ? 0 : Number(e.code), out, err })));
}

describe('npm run bacnet-discover', () => {
  ensureBuilt(CLI);

  it("prints the simulated chiller as a site-file device: instance, address, objects with the device's names and units", async () => {
    const sim = simulatedChiller({ deviceInstance: 5001 });
    const port = await sim.start(0);
    onTestFinished(() => sim.stop());
    const r = await discover(['--target', `127.0.0.1:${port}`, '--wait', '1']);
    expect(r.code).toBe(0);
    const devices: unknown = JSON.parse(r.out);
    expect(Array.isArray(devices) && devices.length === 1).toBe(true);
    // What the site file accepts, as it stands (kind and location are for the operator to fill in).
    const d = Device.parse((devices as unknown[])[0]);
    expect(d).toMatchObject({ id: 'chiller-5001', name: 'Chiller 5001', source: { protocol: 'bacnet', deviceInstance: 5001, address: `127.0.0.1:${port}` } });
    if (d.source.protocol !== 'bacnet') return;
    expect(d.source.points.map((p) => [p.id, p.objectType, p.instance, p.unit ?? null])).toEqual([
      ['chwSupplyTemperature', 'analog-input', 1, '°C'],
      ['chwReturnTemperature', 'analog-input', 2, '°C'],
      ['runStatus', 'binary-input', 1, null],
      ['fault', 'binary-input', 2, null],
      ['commonAlarm', 'binary-input', 3, null],
      ['mode', 'multi-state-value', 1, null],
    ]);
    expect(d.source.points[0]?.name).toEqual({ zh: 'CHW supply temperature', en: 'CHW supply temperature' });
    expect(r.err).toContain('mode');
    expect(r.err).toContain('Free cooling');
  });

  it('says so when no device answers (exit 1), within its wait', async () => {
    const sim = simulatedChiller({ deviceInstance: 5002 });
    const port = await sim.start(0);
    await sim.stop();
    const r = await discover(['--target', `127.0.0.1:${port}`, '--wait', '0.5']);
    expect(r).toMatchObject({ code: 1, out: '[]\n', err: expect.stringContaining('no BACnet device answered') });
  });

  it('finds a chiller behind a router through a BBMD, as a foreign device, and prints its network, MAC and router', async () => {
    const sim = simulatedChiller({ deviceInstance: 5003 });
    await sim.start(0);
    onTestFinished(() => sim.stop());
    const bbmd = new SimulatedBbmd();
    await bbmd.start(0);
    onTestFinished(() => bbmd.stop());
    const router = new SimulatedRouter({ ipNetwork: 1, network: 2001, ipBroadcast: [bbmd.address] });
    await router.start(0);
    onTestFinished(() => router.stop());
    router.attach(12, sim.address);
    bbmd.setSubnet([router.address]);
    const r = await discover(['--bbmd', bbmd.address, '--ttl', '30', '--wait', '1']);
    expect(r.code).toBe(0);
    const d = Device.parse((JSON.parse(r.out) as unknown[])[0]);
    expect(d.source).toMatchObject({ protocol: 'bacnet', deviceInstance: 5003, network: 2001, mac: 12, router: router.address });
    if (d.source.protocol === 'bacnet') expect(d.source.points).toHaveLength(6);
    expect(r.err).toContain(`chiller-5003 (device 5003) is on network 2001 MAC 12 behind the router ${router.address}`);
    expect(bbmd.served.distributed).toBe(1);
  });

  it('says why when the BBMD refuses it as a foreign device (exit 1)', async () => {
    const bbmd = new SimulatedBbmd({ refuseRegistration: true });
    await bbmd.start(0);
    onTestFinished(() => bbmd.stop());
    const r = await discover(['--bbmd', bbmd.address, '--wait', '0.5']);
    expect(r).toMatchObject({ code: 1, out: '[]\n', err: expect.stringContaining('GW_BACNET_BBMD_NAK: the BBMD 127.0.0.1') });
    expect(r.err).toContain('BVLC-Result 0x0030 (Register-Foreign-Device NAK)');
  });
});
