import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ModbusSource } from '../../../adapters/modbus/config.js';
import { PUMP_POINTS } from '../../../simulators/modbus/simulated-pump.js';
import { ptyPair } from '../../helpers/pty-pair.js';
import { rtuPumpSource, startRtuPump } from '../../helpers/rtu-pump.js';
import { openSerialPort } from '../../helpers/serial-port.js';
import { startAdapter, trackingClock } from './harness.js';

const ID = 'pump-dw-1';

/** The demo pump's register map on the serial line at `path`, polled fast. */
function source(path: string, extra: Record<string, unknown> = {}): ModbusSource {
  return ModbusSource.parse(rtuPumpSource(path, { pollMs: 100, timeoutMs: 300, retries: 0, ...extra }));
}

const SLOW = { timeout: 15_000 }; // two shared cores: generous, never a timing assertion

describe('modbus adapter over RTU (a socat pty pair and the simulated RTU slave)', () => {
  it('reads and decodes every point of the demo pump', async () => {
    const { pty } = await startRtuPump();
    const rec = await startAdapter([{ id: ID, source: source(pty.gw) }]);
    await vi.waitFor(() => expect(PUMP_POINTS.map((p) => rec.latest(ID, p)?.quality)).toEqual(PUMP_POINTS.map(() => 'good')), SLOW);
    const v = (id: string) => rec.latest(ID, id)?.value;
    expect(v('runCommand')).toBe(true);
    expect(v('running')).toBe(true);
    expect(v('faultCode')).toBe(0);
    expect(v('pressure')).toBeCloseTo(4.1, 5);
    expect(v('flow')).toBeGreaterThan(6);
    expect(v('flow')).toBeLessThan(18);
    expect(v('current')).toBe(18);
    const [upstream] = rec.adapter.status().upstreams;
    expect(upstream).toMatchObject({ kind: 'modbus-rtu', address: pty.gw, state: 'online', deviceIds: [ID] });
  });

  it('shows a pump failure: run command on, no run feedback, no current, and the fault code', async () => {
    const { pty, pump } = await startRtuPump();
    const rec = await startAdapter([{ id: ID, source: source(pty.gw) }]);
    await vi.waitFor(() => expect(rec.latest(ID, 'running')?.value).toBe(true), SLOW);
    pump.setMode('failure');
    pump.set('faultCode', 3); // dry running
    await vi.waitFor(() => {
      expect(rec.latest(ID, 'running')?.value).toBe(false);
      expect(rec.latest(ID, 'faultCode')?.value).toBe(3);
      expect(rec.latest(ID, 'current')?.value).toBe(0);
    }, SLOW);
    expect(rec.latest(ID, 'runCommand')?.value).toBe(true);
  });

  it('reads bad with GW_MODBUS_TIMEOUT while the slave is silent, keeps the port open, and reads good when it answers again', async () => {
    const { pty, slave } = await startRtuPump();
    const rec = await startAdapter([{ id: ID, source: source(pty.gw) }]);
    await vi.waitFor(() => expect(rec.latest(ID, 'current')?.quality).toBe('good'), SLOW);

    await slave.stop();
    await vi.waitFor(() => {
      for (const p of PUMP_POINTS) expect(rec.latest(ID, p)?.reason).toContain('GW_MODBUS_TIMEOUT');
    }, SLOW);
    expect(rec.latest(ID, 'pressure')).toMatchObject({ quality: 'bad', value: null });
    const status = rec.adapter.status();
    expect(status.devices[0]).toMatchObject({ deviceId: ID, state: 'bad' });
    expect(status.devices[0]?.lastError).toContain('unit 1 did not answer within 300 ms');
    expect(status.devices[0]?.errors['GW_MODBUS_TIMEOUT']).toBeGreaterThan(0);
    // A silent unit is not a lost line: the port stays open, no upstream event, no reconnect.
    expect(status.upstreams[0]).toMatchObject({ state: 'online', reconnects: 0 });
    expect(rec.upstreams).toEqual([]);

    await slave.start();
    await vi.waitFor(() => expect(PUMP_POINTS.map((p) => rec.latest(ID, p)?.quality)).toEqual(PUMP_POINTS.map(() => 'good')), SLOW);
    expect(rec.adapter.status().devices[0]?.state).toBe('good');
    expect(rec.adapter.status().upstreams[0]).toMatchObject({ state: 'online', reconnects: 0 });
  });

  it('reports the line down when the serial device disappears, and reads again when it is plugged back in', async () => {
    const { pty, slave } = await startRtuPump();
    const rec = await startAdapter([{ id: ID, source: source(pty.gw) }]);
    await vi.waitFor(() => expect(rec.latest(ID, 'current')?.quality).toBe('good'), SLOW);

    await pty.close(); // both ptys close: the adapter's port reports it is gone (onLost)
    await vi.waitFor(() => expect(rec.upstreams.some((u) => !u.up)).toBe(true), SLOW);
    const down = rec.upstreams.find((u) => !u.up);
    expect(down?.upstream).toMatchObject({ kind: 'modbus-rtu', address: pty.gw, deviceIds: [ID] });
    expect(down?.upstream.lastError).toContain('connection lost');
    await vi.waitFor(() => expect(rec.latest(ID, 'current')?.reason).toContain('GW_MODBUS_CONNECTION'), SLOW);
    expect(rec.adapter.status().connected).toBe(false);

    await ptyPair(path.dirname(pty.gw)); // the same links again, on new ptys
    await slave.start();
    await vi.waitFor(() => expect(rec.upstreams.at(-1)?.up).toBe(true), SLOW);
    await vi.waitFor(() => expect(rec.latest(ID, 'current')).toMatchObject({ quality: 'good', value: 18 }), SLOW);
    expect(rec.upstreams.filter((u) => !u.up)).toHaveLength(1);
    expect(rec.adapter.status().upstreams[0]?.reconnects).toBe(1);
  });

  it('closes the serial port before stop() resolves: a second adapter opens the same path at once and reads', async () => {
    const { pty } = await startRtuPump();
    const clock = trackingClock();
    const first = await startAdapter([{ id: ID, source: source(pty.gw) }], { clock });
    await vi.waitFor(() => expect(first.latest(ID, 'current')?.quality).toBe('good'), SLOW);
    await Promise.all([first.adapter.stop(), first.adapter.stop()]);
    expect(first.adapter.status().state).toBe('stopped');
    expect(clock.armed).toBe(0);

    const second = await startAdapter([{ id: ID, source: source(pty.gw) }]);
    await vi.waitFor(() => expect(second.latest(ID, 'current')).toMatchObject({ quality: 'good', value: 18 }), SLOW);
    // Its first open succeeded: no "Cannot lock port", no upstream down, no reconnect.
    expect(second.upstreams).toEqual([]);
    expect(second.adapter.status().upstreams[0]).toMatchObject({ state: 'online', reconnects: 0, lastError: null });
  });

  it('closes a port that finishes opening after stop() began', async () => {
    const { pty } = await startRtuPump();
    const clock = trackingClock();
    const rec = await startAdapter([{ id: ID, source: source(pty.gw) }], { clock });
    // The serial open runs in the thread pool and cannot be cancelled: it is still in flight here.
    expect(rec.adapter.status().upstreams[0]?.state).toBe('connecting');
    await rec.adapter.stop();
    expect(clock.armed).toBe(0);
    expect(rec.adapter.status().upstreams).toEqual([]);
    // serialport locks what it opens: this open fails with "Cannot lock port" if the adapter's is open.
    const port = await openSerialPort(pty.gw);
    await port.close();
  });
});
