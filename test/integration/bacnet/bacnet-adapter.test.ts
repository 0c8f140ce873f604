import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdapterError, UpstreamChange } from '../../../core/adapter.js';
import { BacnetSource } from '../../../adapters/bacnet/config.js';
import { createBacnetAdapter, type BacnetAdapter } from '../../../adapters/bacnet/index.js';
import type { Reading } from '../../../core/reading.js';
import { ScaledClock, systemClock, type Clock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { SimulatedBacnetDevice } from '../../../simulators/bacnet/simulated-bacnet-device.js';
import { simulatedChiller } from '../../../simulators/bacnet/simulated-chiller.js';

const WAIT = { timeout: 15_000, interval: 50 };

const POINTS = [
  { id: 'supplyTemp', objectType: 'analog-input', instance: 1, unit: '°C' },
  { id: 'running', objectType: 'binary-input', instance: 1 },
  { id: 'fault', objectType: 'binary-input', instance: 2 },
  { id: 'mode', objectType: 'multi-state-value', instance: 1 },
];

interface Rig {
  readonly sim: SimulatedBacnetDevice;
  readonly adapter: BacnetAdapter;
  readonly readings: Reading[];
  readonly errors: AdapterError[];
  readonly upstream: UpstreamChange[];
  readonly port: number;
}

async function rig(o: { cov: boolean; covConfirmed?: boolean; refuseCov?: boolean; clock?: Clock; pollMs?: number; covLifetimeSeconds?: number; timeoutMs?: number }): Promise<Rig> {
  const clock = o.clock ?? systemClock;
  const sim = simulatedChiller({ deviceInstance: 3001, refuseCov: o.refuseCov ?? false, clock });
  const port = await sim.start(0);
  onTestFinished(() => sim.stop());
  const source = BacnetSource.parse({
    protocol: 'bacnet',
    deviceInstance: 3001,
    address: `127.0.0.1:${port}`,
    pollMs: o.pollMs ?? 200,
    timeoutMs: o.timeoutMs ?? 1000,
    cov: o.cov,
    ...(o.covConfirmed === undefined ? {} : { covConfirmed: o.covConfirmed }),
    ...(o.covLifetimeSeconds === undefined ? {} : { covLifetimeSeconds: o.covLifetimeSeconds }),
    points: POINTS,
  });
  const adapter = await createBacnetAdapter({ devices: [{ id: 'chiller-1', source }], bind: { host: '127.0.0.1', port: 0 }, backoff: { baseMs: 50, capMs: 300 } }, { clock, log: silentLogger() });
  const readings: Reading[] = [];
  const errors: AdapterError[] = [];
  const upstream: UpstreamChange[] = [];
  adapter.on('reading', (r) => readings.push(r));
  adapter.on('error', (e) => errors.push(e));
  adapter.on('upstream', (u) => upstream.push(u));
  onTestFinished(() => adapter.stop());
  await adapter.start();
  await vi.waitFor(() => expect(adapter.status().connected).toBe(true), WAIT);
  return { sim, adapter, readings, errors, upstream, port };
}

const last = (r: Rig, pointId: string): Reading | undefined => r.readings.filter((x) => x.pointId === pointId).at(-1);

describe('BACnet/IP adapter against the simulated chiller', () => {
  it('reads analog, binary and multi-state present-values as number, boolean and state number', async () => {
    const r = await rig({ cov: false });
    await vi.waitFor(() => {
      expect(last(r, 'supplyTemp')).toMatchObject({ value: 7, quality: 'good' });
      expect(last(r, 'running')).toMatchObject({ value: true, quality: 'good' });
      expect(last(r, 'fault')).toMatchObject({ value: false, quality: 'good' });
      expect(last(r, 'mode')).toMatchObject({ value: 2, quality: 'good' });
    }, WAIT);
  });

  it.each([true, false])('with COV (confirmed %s), gets changes by notification and reads nothing after the first read', async (covConfirmed) => {
    const r = await rig({ cov: true, covConfirmed, pollMs: 60_000 });
    await vi.waitFor(() => expect(r.sim.subscriptions()).toBe(POINTS.length), WAIT);
    const reads = r.sim.served.readPropertyMultiple + r.sim.served.readProperty;
    r.sim.set('analog-input', 1, 9.5);
    await vi.waitFor(() => expect(last(r, 'supplyTemp')).toMatchObject({ value: 9.5, quality: 'good' }), WAIT);
    r.sim.set('binary-input', 2, true);
    await vi.waitFor(() => expect(last(r, 'fault')).toMatchObject({ value: true, quality: 'good' }), WAIT);
    expect(r.sim.served.readPropertyMultiple + r.sim.served.readProperty).toBe(reads);
    expect(r.errors).toEqual([]);
  });

  it('renews each COV subscription before its lifetime lapses', async () => {
    // 20x time: a 10 s lifetime is half a second, so three lifetimes pass in a moment.
    const clock = new ScaledClock(20);
    const r = await rig({ cov: true, clock, pollMs: 60_000, covLifetimeSeconds: 10, timeoutMs: 20_000 });
    const start = clock.monotonic();
    await vi.waitFor(() => expect(clock.monotonic() - start).toBeGreaterThan(35_000), WAIT);
    expect(r.sim.served.subscribeCov).toBeGreaterThanOrEqual(POINTS.length * 3);
    expect(r.sim.subscriptions()).toBe(POINTS.length);
    r.sim.set('multi-state-value', 1, 4);
    await vi.waitFor(() => expect(last(r, 'mode')).toMatchObject({ value: 4, quality: 'good' }), WAIT);
  });

  it('cancels its COV subscriptions at stop (SubscribeCOV without a lifetime), so the device stops notifying', async () => {
    const r = await rig({ cov: true, pollMs: 60_000 });
    await vi.waitFor(() => expect(r.sim.subscriptions()).toBe(POINTS.length), WAIT);
    const subscribes = r.sim.served.subscribeCov;
    await r.adapter.stop();
    expect(r.sim.subscriptions()).toBe(0);
    expect(r.sim.served.subscribeCov).toBe(subscribes + POINTS.length);
  });

  it('stops when the device is gone before it can cancel (its subscriptions are left to lapse)', async () => {
    const r = await rig({ cov: true, pollMs: 60_000, timeoutMs: 300 });
    await vi.waitFor(() => expect(r.sim.subscriptions()).toBe(POINTS.length), WAIT);
    await r.sim.stop();
    await r.adapter.stop();
    expect(r.adapter.status().state).toBe('stopped');
    expect(r.errors.filter((e) => e.code === 'GW_BACNET_TIMEOUT')).toEqual([]);
  });

  it('polls a device that refuses COV, and says so once per point (GW_BACNET_COV_REFUSED)', async () => {
    const r = await rig({ cov: true, refuseCov: true });
    await vi.waitFor(() => expect(r.errors.filter((e) => e.code === 'GW_BACNET_COV_REFUSED')).toHaveLength(POINTS.length), WAIT);
    r.sim.set('analog-input', 1, 11.25);
    await vi.waitFor(() => expect(last(r, 'supplyTemp')).toMatchObject({ value: 11.25, quality: 'good' }), WAIT);
    const polls = r.sim.served.readPropertyMultiple;
    await vi.waitFor(() => expect(r.sim.served.readPropertyMultiple).toBeGreaterThan(polls + 2), WAIT);
    expect(r.errors.filter((e) => e.code === 'GW_BACNET_COV_REFUSED')).toHaveLength(POINTS.length);
    expect(r.sim.subscriptions()).toBe(0);
    expect(r.adapter.status().devices[0]?.errors['GW_BACNET_COV_REFUSED']).toBe(POINTS.length);
  });

  it.each([true, false])('turns status-flags fault into a bad reading and out-of-service into an uncertain one (cov %s)', async (cov) => {
    const r = await rig({ cov });
    await vi.waitFor(() => expect(last(r, 'supplyTemp')?.quality).toBe('good'), WAIT);
    r.sim.setFlags('analog-input', 1, { fault: true });
    await vi.waitFor(() => expect(last(r, 'supplyTemp')).toMatchObject({ value: null, quality: 'bad', reason: expect.stringContaining('GW_BACNET_STATUS_FAULT') }), WAIT);
    r.sim.setFlags('analog-input', 1, { fault: false, outOfService: true });
    await vi.waitFor(() => expect(last(r, 'supplyTemp')).toMatchObject({ value: 7, quality: 'uncertain', reason: expect.stringContaining('GW_BACNET_OUT_OF_SERVICE') }), WAIT);
    r.sim.setFlags('analog-input', 1, { outOfService: false, inAlarm: true });
    await vi.waitFor(() => expect(last(r, 'supplyTemp')).toMatchObject({ value: 7, quality: 'good' }), WAIT);
  });

  it('a device that stops answering is one upstream down with bad readings, then up again and re-subscribed', async () => {
    const r = await rig({ cov: true, pollMs: 200, timeoutMs: 300 });
    await vi.waitFor(() => expect(r.sim.subscriptions()).toBe(POINTS.length), WAIT);
    await r.sim.stop();
    await vi.waitFor(() => expect(r.upstream.filter((u) => !u.up)).toHaveLength(1), WAIT);
    expect(r.upstream.at(-1)?.upstream).toMatchObject({ kind: 'bacnet-device', id: `bacnet://127.0.0.1:${r.port}/3001`, deviceIds: ['chiller-1'] });
    await vi.waitFor(() => expect(last(r, 'mode')).toMatchObject({ quality: 'bad', value: null, reason: expect.stringContaining('GW_BACNET_TIMEOUT') }), WAIT);
    expect(r.adapter.status().devices[0]?.state).toBe('bad');
    // Retries while it is away report nothing more.
    const retries = r.adapter.status().devices[0]?.errors['GW_BACNET_TIMEOUT'] ?? 0;
    await vi.waitFor(() => expect(r.adapter.status().devices[0]?.errors['GW_BACNET_TIMEOUT']).toBeGreaterThan(retries + 1), WAIT);
    expect(r.upstream.filter((u) => !u.up)).toHaveLength(1);

    await r.sim.start(r.port);
    await vi.waitFor(() => expect(r.upstream.at(-1)?.up).toBe(true), WAIT);
    await vi.waitFor(() => expect(r.sim.subscriptions()).toBe(POINTS.length), WAIT);
    r.sim.set('multi-state-value', 1, 3);
    await vi.waitFor(() => expect(last(r, 'mode')).toMatchObject({ value: 3, quality: 'good' }), WAIT);
    expect(r.adapter.status().upstreams[0]?.reconnects).toBe(1);
  });

  it('reads an object the device does not have as a bad reading with the error class and code, not an outage', async () => {
    const sim = simulatedChiller({ deviceInstance: 3002 });
    const port = await sim.start(0);
    onTestFinished(() => sim.stop());
    const source = BacnetSource.parse({ protocol: 'bacnet', deviceInstance: 3002, address: `127.0.0.1:${port}`, pollMs: 200, cov: false, points: [{ id: 'ghost', objectType: 'analog-value', instance: 99 }, { id: 'mode', objectType: 'multi-state-value', instance: 1 }] });
    const adapter = await createBacnetAdapter({ devices: [{ id: 'chiller-2', source }], bind: { host: '127.0.0.1', port: 0 } }, { clock: systemClock, log: silentLogger() });
    const readings: Reading[] = [];
    adapter.on('reading', (x) => readings.push(x));
    onTestFinished(() => adapter.stop());
    await adapter.start();
    await vi.waitFor(() => expect(readings.find((x) => x.pointId === 'ghost')).toMatchObject({ quality: 'bad', value: null, reason: expect.stringMatching(/GW_BACNET_ERROR.*class 1 code 31/) }), WAIT);
    expect(readings.find((x) => x.pointId === 'mode')).toMatchObject({ quality: 'good', value: 2 });
    expect(adapter.status().connected).toBe(true);
  });
});
