import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdapterError, UpstreamChange } from '../../../core/adapter.js';
import { createOpcuaAdapter } from '../../../adapters/opcua/index.js';
import type { Reading } from '../../../core/reading.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { SimulatedElevatorServer } from '../../../simulators/opcua/simulated-elevator.js';
import { tempDir } from '../../helpers/temp-dir.js';

const POINTS = ['position', 'floor', 'moving', 'inDoorZone', 'doorsClosed', 'occupied', 'alarmButton', 'faultCode', 'available'];
const NODE = { position: 'CarPosition', floor: 'Floor', moving: 'Moving', inDoorZone: 'InDoorZone', doorsClosed: 'DoorsClosed', occupied: 'Occupied', alarmButton: 'AlarmButton', faultCode: 'FaultCode', available: 'Available' } as Record<string, string>;

describe('OPC UA adapter against the simulated elevator', () => {
  const sim = new SimulatedElevatorServer({ tickMs: 200 });
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await sim.start(0);
  }, 60_000);
  afterAll(() => sim.stop());

  async function adapter() {
    const dataDir = await tempDir();
    const a = await createOpcuaAdapter(
      {
        dataDir,
        devices: [
          {
            id: 'lift-a',
            source: {
              protocol: 'opcua',
              endpoint,
              securityMode: 'None',
              securityPolicy: 'None',
              samplingMs: 100,
              publishingMs: 200,
              points: POINTS.map((p) => ({ id: p, nodeId: `ns=1;s=ElevatorA.${NODE[p]}`, queueSize: 10 })),
            },
          },
        ],
      },
      { clock: systemClock, log: silentLogger() },
    );
    const readings: Reading[] = [];
    const upstream: UpstreamChange[] = [];
    const errors: AdapterError[] = [];
    a.on('reading', (r) => readings.push(r));
    a.on('upstream', (u) => upstream.push(u));
    a.on('error', (e) => errors.push(e));
    await a.start();
    onTestFinished(() => a.stop());
    return { a, readings, upstream, errors };
  }

  it('delivers every point of the elevator as readings, and a bad status code as quality bad', async () => {
    const { readings } = await adapter();
    await vi.waitFor(() => expect(new Set(readings.filter((r) => r.quality === 'good').map((r) => r.pointId))).toEqual(new Set(POINTS)), { timeout: 20_000, interval: 100 });
    sim.entrap();
    await vi.waitFor(() => expect(readings.some((r) => r.pointId === 'alarmButton' && r.value === true)).toBe(true), { timeout: 10_000 });
    sim.badStatus('faultCode', 'BadSensorFailure');
    await vi.waitFor(() => expect(readings.some((r) => r.pointId === 'faultCode' && r.quality === 'bad' && r.reason === 'BadSensorFailure')).toBe(true), { timeout: 10_000 });
    sim.badStatus('faultCode', null);
    sim.normal();
  }, 40_000);

  it('re-creates a subscription that stopped delivering, on the same session, and readings resume', async () => {
    const { a, readings, errors } = await adapter();
    await vi.waitFor(() => expect(a.status().connected).toBe(true), { timeout: 20_000 });
    await vi.waitFor(() => expect(sim.sessions().map((s) => s.subscriptions)).toEqual([1]), { timeout: 20_000 });
    // The server forgets the subscription without a word: no data, no keep-alive from now on.
    expect(sim.stallSubscriptions()).toBe(1);
    expect(sim.sessions().map((s) => s.subscriptions)).toEqual([0]);
    // The watchdog's limit is 15 publishing intervals (3 s here).
    await vi.waitFor(() => expect(errors.map((e) => e.code)).toContain('GW_OPCUA_SUBSCRIPTION_STALLED'), { timeout: 20_000, interval: 100 });
    await vi.waitFor(() => expect(sim.sessions().map((s) => s.subscriptions)).toEqual([1]), { timeout: 20_000, interval: 100 });
    const after = readings.length;
    sim.set('faultCode', 9);
    await vi.waitFor(() => expect(readings.slice(after).some((r) => r.pointId === 'faultCode' && r.value === 9 && r.quality === 'good')).toBe(true), { timeout: 20_000 });
    expect(a.status().errors['GW_OPCUA_SUBSCRIPTION_STALLED']).toBe(1);
    expect(a.status().upstreams[0]?.reconnects).toBe(0); // the session was kept: only the subscription was re-created
    sim.normal();
  }, 60_000);

  it('reports the server going away as upstream down and comes back with values after a restart', async () => {
    const { a, readings, upstream } = await adapter();
    await vi.waitFor(() => expect(a.status().connected).toBe(true), { timeout: 20_000 });
    await sim.stop();
    await vi.waitFor(() => expect(upstream.some((u) => !u.up)).toBe(true), { timeout: 20_000 });
    expect(a.status().connected).toBe(false);
    await sim.start();
    const before = readings.length;
    await vi.waitFor(() => expect(a.status().connected).toBe(true), { timeout: 40_000, interval: 200 });
    sim.set('faultCode', 7);
    await vi.waitFor(() => expect(readings.slice(before).some((r) => r.pointId === 'faultCode' && r.value === 7)).toBe(true), { timeout: 20_000 });
    sim.normal();
  }, 90_000);
});

describe('opcua-browse', () => {
  it('lists the elevator variables with node id, browse path, data type and value', async () => {
    const { browseVariables } = await import('../../../adapters/opcua/browse-cli.js');
    const sim = new SimulatedElevatorServer();
    const endpoint = await sim.start(0);
    onTestFinished(() => sim.stop());
    const vars = await browseVariables(endpoint);
    const floor = vars.find((v) => v.nodeId === 'ns=1;s=ElevatorA.Floor');
    expect(floor).toMatchObject({ browsePath: '/Objects/ElevatorA/Floor', dataType: 'Int16' });
    expect(vars.filter((v) => v.nodeId.startsWith('ns=1;s=ElevatorA.')).map((v) => v.browsePath.split('/').at(-1)).sort()).toEqual(
      ['AlarmButton', 'Available', 'BottomLimit', 'CarPosition', 'DoorsClosed', 'Floor', 'FaultCode', 'InDoorZone', 'Moving', 'Occupied', 'PowerOn', 'Speed', 'TopLimit'].sort(),
    );
  }, 60_000);
});
