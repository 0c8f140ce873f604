import { describe, expect, it, vi } from 'vitest';
import { staggerPhase } from '../../../adapters/poll-phase.js';
import { startAdapter, startSimulator, tcpSource, trackingClock } from './harness.js';

const point = [{ id: 'v', table: 'holding-register', address: 0 }];

describe('modbus adapter lifecycle', () => {
  it('reports bad readings and the upstream down when the gateway goes away, and resumes when it comes back', async () => {
    const sim = await startSimulator();
    sim.addUnit(1).setWords('holding-register', 0, [5]);
    sim.addUnit(2).setWords('holding-register', 0, [6]);
    const rec = await startAdapter([
      { id: 'one', source: tcpSource(sim.port, 1, point) },
      { id: 'two', source: tcpSource(sim.port, 2, point) },
    ]);
    await vi.waitFor(() => expect(rec.latest('two', 'v')?.value).toBe(6));

    await sim.stop();
    await vi.waitFor(() => expect(rec.upstreams.some((u) => !u.up)).toBe(true));
    const down = rec.upstreams.find((u) => !u.up);
    expect(down?.upstream.kind).toBe('modbus-tcp');
    expect(down?.upstream.address).toBe(`127.0.0.1:${sim.port}`);
    expect(down?.upstream.deviceIds).toEqual(['one', 'two']);
    await vi.waitFor(() => {
      expect(rec.latest('one', 'v')?.quality).toBe('bad');
      expect(rec.latest('two', 'v')?.quality).toBe('bad');
    });
    expect(rec.latest('one', 'v')?.reason).toContain('GW_MODBUS_CONNECTION');
    expect(rec.adapter.status().connected).toBe(false);
    expect(rec.adapter.status().devices.every((d) => d.state === 'bad')).toBe(true);

    await sim.start();
    await vi.waitFor(() => expect(rec.upstreams.at(-1)?.up).toBe(true), { timeout: 10_000 });
    await vi.waitFor(() => {
      expect(rec.latest('one', 'v')).toMatchObject({ value: 5, quality: 'good' });
      expect(rec.latest('two', 'v')).toMatchObject({ value: 6, quality: 'good' });
    });
    const status = rec.adapter.status();
    expect(status.state).toBe('online');
    expect(status.upstreams[0]?.reconnects).toBe(1);
    expect(rec.upstreams.filter((u) => !u.up)).toHaveLength(1); // one down event per outage, not one per retry
  });

  it('reports the upstream down when the gateway is not there at start, then up when it appears', async () => {
    const sim = await startSimulator();
    sim.addUnit(1).setWords('holding-register', 0, [3]);
    const port = sim.port;
    await sim.stop();
    const rec = await startAdapter([{ id: 'late', source: tcpSource(port, 1, point) }]);
    await vi.waitFor(() => expect(rec.upstreams).toHaveLength(1));
    expect(rec.upstreams[0]?.up).toBe(false);
    expect(rec.adapter.status().upstreams[0]?.lastError).toContain('connect failed');
    await sim.start(port);
    await vi.waitFor(() => expect(rec.latest('late', 'v')?.value).toBe(3), { timeout: 10_000 });
    expect(rec.upstreams.at(-1)?.up).toBe(true);
  });

  it('staggers the first poll of each device across the poll period', async () => {
    const sim = await startSimulator();
    const firstSeen: number[] = [];
    sim.onRequest = (unitId) => {
      if (!firstSeen.includes(unitId)) firstSeen.push(unitId);
    };
    const devices = [1, 2, 3, 4].map((unit) => {
      sim.addUnit(unit);
      return { id: `d${unit}`, source: tcpSource(sim.port, unit, point, { pollMs: 400 }) };
    });
    expect(devices.map((_, i) => staggerPhase(i, devices.length, 400))).toEqual([0, 100, 200, 300]);
    const rec = await startAdapter(devices);
    await vi.waitFor(() => expect(firstSeen).toHaveLength(4));
    expect(firstSeen).toEqual([1, 2, 3, 4]);
    await vi.waitFor(() => expect(rec.adapter.status().devices.every((d) => d.state === 'good')).toBe(true));
  });

  it('stops idempotently: cancels every timer, closes its connection and emits nothing after stop', async () => {
    const sim = await startSimulator();
    sim.addUnit(1);
    sim.addUnit(2);
    sim.setFaults(2, { silent: true }); // leaves a request in flight with its timeout armed
    const clock = trackingClock();
    const rec = await startAdapter(
      [
        { id: 'x', source: tcpSource(sim.port, 1, point) },
        { id: 'y', source: tcpSource(sim.port, 2, point, { timeoutMs: 5000 }) },
      ],
      { clock },
    );
    await vi.waitFor(() => expect(rec.latest('x', 'v')?.quality).toBe('good'));
    expect(clock.armed).toBeGreaterThan(0);
    await rec.adapter.stop();
    await rec.adapter.stop();
    expect(rec.adapter.status().state).toBe('stopped');
    expect(clock.armed).toBe(0);
    const count = rec.readings.length;
    await vi.waitFor(() => expect(sim.connections).toBe(0));
    expect(rec.readings.length).toBe(count);
  });

  it('stops while a connect is in progress without leaving a timer behind', async () => {
    const clock = trackingClock();
    // 10.255.255.1 is not routed on a test host: the connect hangs until we abort it.
    const source = tcpSource(1, 1, point);
    const rec = await startAdapter([{ id: 'far', source: { ...source, transport: { type: 'tcp', host: '10.255.255.1', port: 502 } } }], { clock });
    expect(rec.adapter.status().upstreams[0]?.state).toBe('connecting');
    await rec.adapter.stop();
    expect(clock.armed).toBe(0);
    expect(rec.adapter.status().upstreams).toEqual([]);
  });

  it('reads several devices of one gateway over one shared connection', async () => {
    const sim = await startSimulator();
    const devices = Array.from({ length: 20 }, (_, i) => {
      sim.addUnit(i + 1).setWords('holding-register', 0, [i]);
      return { id: `u${i + 1}`, source: tcpSource(sim.port, i + 1, point) };
    });
    const rec = await startAdapter(devices);
    await vi.waitFor(() => expect(rec.adapter.status().devices.every((d) => d.state === 'good')).toBe(true));
    expect(sim.connections).toBe(1);
    expect(rec.adapter.status().upstreams).toHaveLength(1);
  });
});
