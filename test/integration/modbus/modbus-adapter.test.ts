import { describe, expect, it, vi } from 'vitest';
import { startAdapter, startSimulator, tcpSource } from './harness.js';

describe('modbus adapter against the simulator', () => {
  it('reads every table and data type with every word and byte order', async () => {
    const sim = await startSimulator();
    const u = sim.addUnit(7);
    u.setBits('coil', 3, [true]);
    u.setBits('discrete-input', 9, [true]);
    u.setValue('holding-register', 0, 'int16', -1234);
    u.setValue('holding-register', 1, 'uint16', 54321);
    u.setValue('holding-register', 2, 'int32', -7654321, { wordOrder: 'little' });
    u.setValue('holding-register', 4, 'uint32', 3_000_000_000, { byteOrder: 'little' });
    u.setValue('holding-register', 6, 'float32', -12.5, { wordOrder: 'little', byteOrder: 'little' });
    u.setWords('holding-register', 8, [0b0000_0000_0010_0000]);
    u.setValue('input-register', 100, 'uint16', 23.4, { scale: 0.1, offset: -10 });
    u.setValue('input-register', 101, 'float32', 4.25);
    const points = [
      { id: 'coil', table: 'coil', address: 3, type: 'bool' },
      { id: 'di', table: 'discrete-input', address: 9, type: 'bool' },
      { id: 'i16', table: 'holding-register', address: 0, type: 'int16' },
      { id: 'u16', table: 'holding-register', address: 1, type: 'uint16' },
      { id: 'i32', table: 'holding-register', address: 2, type: 'int32', wordOrder: 'little' },
      { id: 'u32', table: 'holding-register', address: 4, type: 'uint32', byteOrder: 'little' },
      { id: 'f32', table: 'holding-register', address: 6, type: 'float32', wordOrder: 'little', byteOrder: 'little' },
      { id: 'bit5', table: 'holding-register', address: 8, bit: 5 },
      { id: 'bit4', table: 'holding-register', address: 8, bit: 4 },
      { id: 'scaled', table: 'input-register', address: 100, type: 'uint16', scale: 0.1, offset: -10 },
      { id: 'f32be', table: 'input-register', address: 101, type: 'float32' },
    ];
    const rec = await startAdapter([{ id: 'dev', source: tcpSource(sim.port, 7, points) }]);
    await vi.waitFor(() => expect(rec.latest('dev', 'f32be')?.quality).toBe('good'));
    const value = (id: string) => rec.latest('dev', id)?.value;
    expect(value('coil')).toBe(true);
    expect(value('di')).toBe(true);
    expect(value('i16')).toBe(-1234);
    expect(value('u16')).toBe(54321);
    expect(value('i32')).toBe(-7654321);
    expect(value('u32')).toBe(3_000_000_000);
    expect(value('f32')).toBe(-12.5);
    expect(value('bit5')).toBe(true);
    expect(value('bit4')).toBe(false);
    expect(value('scaled')).toBe(23.4);
    expect(value('f32be')).toBe(4.25);
    expect(rec.adapter.status().devices[0]?.state).toBe('good');
  });

  it('turns a Modbus exception into bad readings with the code meaning as reason', async () => {
    const sim = await startSimulator();
    sim.addUnit(1);
    sim.setFaults(1, { exception: 0x02 });
    const rec = await startAdapter([{ id: 'pump', source: tcpSource(sim.port, 1, [{ id: 'p', table: 'input-register', address: 0 }]) }]);
    await vi.waitFor(() => expect(rec.latest('pump', 'p')?.quality).toBe('bad'));
    const r = rec.latest('pump', 'p');
    expect(r?.value).toBeNull();
    expect(r?.reason).toContain('GW_MODBUS_EXCEPTION');
    expect(r?.reason).toContain('0x02 illegal data address');
    const device = rec.adapter.status().devices[0];
    expect(device?.state).toBe('bad');
    expect(device?.lastError).toContain('0x02 illegal data address');
    expect(device?.errors['GW_MODBUS_EXCEPTION']).toBeGreaterThan(0);
    expect(rec.adapter.status().errors['GW_MODBUS_EXCEPTION']).toBeGreaterThan(0);
  });

  it('reports exception 0x0B when the gateway has no such unit, and recovers when the unit answers', async () => {
    const sim = await startSimulator();
    const rec = await startAdapter([{ id: 'ghost', source: tcpSource(sim.port, 9, [{ id: 'p', table: 'holding-register', address: 0 }]) }]);
    await vi.waitFor(() => expect(rec.latest('ghost', 'p')?.reason).toContain('0x0B gateway target failed to respond'));
    sim.addUnit(9).setWords('holding-register', 0, [42]);
    await vi.waitFor(() => expect(rec.latest('ghost', 'p')?.value).toBe(42));
    expect(rec.adapter.status().devices[0]?.state).toBe('good');
  });

  it('marks a unit that never answers bad by timeout while its neighbour on the same gateway keeps being read on the same connection', async () => {
    const sim = await startSimulator();
    sim.addUnit(1).setWords('holding-register', 0, [11]);
    sim.addUnit(2).setWords('holding-register', 0, [22]);
    sim.setFaults(2, { silent: true });
    const point = [{ id: 'v', table: 'holding-register', address: 0 }];
    const rec = await startAdapter([
      { id: 'fast', source: tcpSource(sim.port, 1, point, { pollMs: 100, timeoutMs: 300 }) },
      { id: 'dead', source: tcpSource(sim.port, 2, point, { pollMs: 100, timeoutMs: 300, retries: 2 }) },
    ]);
    const deadTimeouts = () => rec.readings.filter((r) => r.deviceId === 'dead' && r.reason?.startsWith('GW_MODBUS_TIMEOUT'));
    await vi.waitFor(() => expect(deadTimeouts().length).toBeGreaterThanOrEqual(4), { timeout: 10_000 });

    // Between any two timeouts of the dead unit, the healthy unit got a good reading: it waits
    // at most one timeout of its neighbour, never a queue of them.
    const timeouts = deadTimeouts();
    for (let i = 1; i < timeouts.length; i++) {
      const from = rec.readings.indexOf(timeouts[i - 1]!);
      const to = rec.readings.indexOf(timeouts[i]!);
      const between = rec.readings.slice(from, to).filter((r) => r.deviceId === 'fast' && r.quality === 'good');
      expect(between.length).toBeGreaterThan(0);
    }
    expect(rec.latest('fast', 'v')?.value).toBe(11);
    const status = rec.adapter.status();
    expect(status.upstreams).toHaveLength(1);
    expect(status.upstreams[0]?.state).toBe('online');
    expect(status.upstreams[0]?.reconnects).toBe(0);
    expect(status.upstreams[0]?.deviceIds).toEqual(['fast', 'dead']);
    expect(rec.upstreams).toEqual([]);
    expect(sim.connections).toBe(1);
    expect(status.devices.find((d) => d.deviceId === 'dead')?.lastError).toContain('did not answer within 300 ms');
    expect(status.devices.find((d) => d.deviceId === 'fast')?.state).toBe('good');
  });

  it('ignores a late answer from a slow unit and keeps reading the others correctly', async () => {
    const sim = await startSimulator();
    sim.addUnit(1).setWords('holding-register', 0, [11]);
    sim.addUnit(2).setWords('holding-register', 0, [22]);
    sim.setFaults(2, { delayMs: 400 });
    const point = [{ id: 'v', table: 'holding-register', address: 0 }];
    const rec = await startAdapter([
      { id: 'a', source: tcpSource(sim.port, 1, point) },
      { id: 'slow', source: tcpSource(sim.port, 2, point, { timeoutMs: 200 }) },
    ]);
    await vi.waitFor(() => expect(rec.readings.filter((r) => r.deviceId === 'slow' && r.quality === 'bad').length).toBeGreaterThanOrEqual(3));
    const fromA = rec.readings.filter((r) => r.deviceId === 'a');
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromA.every((r) => r.value === 11 && r.quality === 'good')).toBe(true);
    sim.setFaults(2, { delayMs: 0 });
    await vi.waitFor(() => expect(rec.latest('slow', 'v')?.value).toBe(22));
  });
});
