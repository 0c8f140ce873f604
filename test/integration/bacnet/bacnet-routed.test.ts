import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdapterError } from '../../../core/adapter.js';
import { BacnetSite, BacnetSource } from '../../../adapters/bacnet/config.js';
import { createBacnetAdapter, type BacnetAdapter } from '../../../adapters/bacnet/index.js';
import type { Reading } from '../../../core/reading.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { SimulatedBacnetDevice } from '../../../simulators/bacnet/simulated-bacnet-device.js';
import { SimulatedBbmd } from '../../../simulators/bacnet/simulated-bbmd.js';
import { SimulatedRouter } from '../../../simulators/bacnet/simulated-router.js';
import { simulatedChiller } from '../../../simulators/bacnet/simulated-chiller.js';

const WAIT = { timeout: 15_000, interval: 50 };
const NETWORK = 2001;
const MAC = 12;

const POINTS = [
  { id: 'supplyTemp', objectType: 'analog-input', instance: 1 },
  { id: 'fault', objectType: 'binary-input', instance: 2 },
  { id: 'mode', objectType: 'multi-state-value', instance: 1 },
];

interface Rig {
  readonly sim: SimulatedBacnetDevice;
  readonly router: SimulatedRouter;
  readonly bbmd: SimulatedBbmd;
  readonly adapter: BacnetAdapter;
  readonly readings: Reading[];
  readonly errors: AdapterError[];
}

/**
 * The chiller as MS/TP station 12 on network 2001 behind a router on the BMS's BACnet/IP network
 * (network 1), whose BBMD the gateway registers with as a foreign device: all over 127.0.0.1.
 */
async function rig(o: { source?: (router: SimulatedRouter) => Record<string, unknown>; site?: 'bbmd' | 'none'; subnet?: 'router' | 'empty'; refuseRegistration?: boolean; cov?: boolean } = {}): Promise<Rig> {
  const sim = simulatedChiller({ deviceInstance: 7001 });
  await sim.start(0);
  onTestFinished(() => sim.stop());
  const bbmd = new SimulatedBbmd({ refuseRegistration: o.refuseRegistration ?? false });
  await bbmd.start(0);
  onTestFinished(() => bbmd.stop());
  const router = new SimulatedRouter({ ipNetwork: 1, network: NETWORK, ipBroadcast: [bbmd.address] });
  await router.start(0);
  onTestFinished(() => router.stop());
  router.attach(MAC, sim.address);
  bbmd.setSubnet(o.subnet === 'empty' ? [] : [router.address]);
  const source = BacnetSource.parse({ protocol: 'bacnet', deviceInstance: 7001, network: NETWORK, mac: MAC, pollMs: 200, timeoutMs: 500, cov: o.cov ?? true, points: POINTS, ...o.source?.(router) });
  const site = BacnetSite.parse(o.site === 'none' ? {} : { bbmd: { address: bbmd.address, ttlSeconds: 60, timeoutMs: 500 } });
  const adapter = await createBacnetAdapter({ devices: [{ id: 'chiller-7', source }], bind: { host: '127.0.0.1', port: 0 }, backoff: { baseMs: 50, capMs: 300 }, site }, { clock: systemClock, log: silentLogger() });
  const readings: Reading[] = [];
  const errors: AdapterError[] = [];
  adapter.on('reading', (r) => readings.push(r));
  adapter.on('error', (e) => errors.push(e));
  onTestFinished(() => adapter.stop());
  await adapter.start();
  return { sim, router, bbmd, adapter, readings, errors };
}

const last = (r: Rig, pointId: string): Reading | undefined => r.readings.filter((x) => x.pointId === pointId).at(-1);

describe('BACnet devices behind a router, reached through a BBMD', () => {
  it('registers with the BBMD, finds the router by Who-Is-Router-To-Network through it, reads the chiller and gets its COV notifications back', async () => {
    const r = await rig();
    expect(r.bbmd.foreignDevices()).toHaveLength(1);
    await vi.waitFor(() => expect(r.adapter.status().connected).toBe(true), WAIT);
    expect(r.router.served.whoIsRouter).toBeGreaterThanOrEqual(1);
    expect(last(r, 'supplyTemp')).toMatchObject({ value: 7, quality: 'good' });
    await vi.waitFor(() => expect(r.sim.subscriptions()).toBe(POINTS.length), WAIT);
    r.sim.set('binary-input', 2, true);
    await vi.waitFor(() => expect(last(r, 'fault')).toMatchObject({ value: true, quality: 'good' }), WAIT);
    // The stack leaves the hop count of SubscribeCOV at 0; the router would have dropped it (6.2.2).
    expect(r.router.served.dropped).toBe(0);
    expect(r.adapter.status().upstreams[0]).toMatchObject({ id: 'bacnet://net-2001/0c/7001', address: `network 2001 MAC 12 via router ${r.router.address} device 7001` });
    expect(r.errors).toEqual([]);
  });

  it('cancels its COV subscriptions through the router at stop instead of letting them lapse', async () => {
    const r = await rig();
    await vi.waitFor(() => expect(r.sim.subscriptions()).toBe(POINTS.length), WAIT);
    await r.adapter.stop();
    expect(r.sim.subscriptions()).toBe(0);
  });

  it('uses the router the site file names without asking for one, and needs no BBMD for it', async () => {
    const r = await rig({ site: 'none', source: (router) => ({ router: router.address }) });
    await vi.waitFor(() => expect(r.adapter.status().connected).toBe(true), WAIT);
    expect(last(r, 'mode')).toMatchObject({ value: 2, quality: 'good' });
    expect(r.router.served.whoIsRouter).toBe(0);
    expect(r.bbmd.foreignDevices()).toEqual([]);
  });

  it('is GW_BACNET_NO_ROUTE when no router answers for the network, and says where it asked', async () => {
    const r = await rig({ subnet: 'empty' });
    await vi.waitFor(() => expect(last(r, 'mode')).toMatchObject({ quality: 'bad', reason: expect.stringContaining('GW_BACNET_NO_ROUTE: no router to network 2001 answered Who-Is-Router-To-Network through the BBMD') }), WAIT);
    expect(r.adapter.status().devices[0]?.state).toBe('bad');
  });

  it('is GW_BACNET_NO_ROUTE with the reason when the named router refuses the network (Reject-Message-To-Network)', async () => {
    const r = await rig({ site: 'none', source: (router) => ({ network: 3999, router: router.address }) });
    await vi.waitFor(() => expect(r.adapter.status().devices[0]?.lastError).toMatch(/^GW_BACNET_NO_ROUTE: router 127\.0\.0\.1:\d+ refused network 3999 \(Reject-Message-To-Network, reason 1/), WAIT);
    expect(r.router.served.rejected).toBeGreaterThanOrEqual(1);
  });

  it('reports a BBMD that refuses the registration as GW_BACNET_BBMD_NAK, once however often it retries', async () => {
    const r = await rig({ refuseRegistration: true });
    await vi.waitFor(() => expect(r.errors.filter((e) => e.code === 'GW_BACNET_BBMD_NAK')).toHaveLength(1), WAIT);
    expect(r.errors[0]?.message).toContain('BVLC-Result 0x0030 (Register-Foreign-Device NAK)');
    await vi.waitFor(() => expect(r.bbmd.served.refused).toBeGreaterThan(3), WAIT);
    expect(r.errors.filter((e) => e.code === 'GW_BACNET_BBMD_NAK')).toHaveLength(1);
    r.bbmd.refuseRegistrations(false);
    await vi.waitFor(() => expect(r.bbmd.foreignDevices()).toHaveLength(1), WAIT);
  });
});
