import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ModbusSource } from '../../../adapters/modbus/config.js';
import { PUMP_POINTS, SimulatedPump } from '../../../simulators/modbus/simulated-pump.js';
import { startAdapter } from './harness.js';

interface DemoDevice {
  id: string;
  source: { protocol: string } & Record<string, unknown>;
}

/** pump-dw-1 exactly as the demo site file has it, pointed at the simulator's port. */
function demoPumpSource(port: number): ModbusSource {
  const site = JSON.parse(readFileSync(new URL('../../../config/demo-site.json', import.meta.url), 'utf8')) as { devices: DemoDevice[] };
  const pump = site.devices.find((d) => d.id === 'pump-dw-1');
  if (pump === undefined) throw new Error('demo site has no pump-dw-1');
  const source = ModbusSource.parse(pump.source);
  if (source.transport.type !== 'tcp') throw new Error('pump-dw-1 is expected on Modbus TCP');
  return { ...source, transport: { ...source.transport, port }, pollMs: 100 };
}

async function startPump(): Promise<{ pump: SimulatedPump; port: number }> {
  const pump = new SimulatedPump({ noise: 0, tickMs: 50 });
  const port = await pump.start();
  onTestFinished(() => pump.stop());
  return { pump, port };
}

describe('simulated pump over Modbus TCP', () => {
  it('serves the register map of pump-dw-1 in the demo site file', async () => {
    const { port } = await startPump();
    const source = demoPumpSource(port);
    expect(source.points.map((p) => p.id)).toEqual([...PUMP_POINTS]);
    const rec = await startAdapter([{ id: 'pump-dw-1', source }]);
    await vi.waitFor(() => expect(rec.latest('pump-dw-1', 'current')?.quality).toBe('good'));
    const v = (id: string) => rec.latest('pump-dw-1', id)?.value;
    expect(v('runCommand')).toBe(true);
    expect(v('running')).toBe(true);
    expect(v('faultCode')).toBe(0);
    expect(v('pressure')).toBeCloseTo(4.1, 5);
    expect(v('flow')).toBeGreaterThan(6);
    expect(v('flow')).toBeLessThan(18);
    expect(v('current')).toBe(18);
    // Six points, four tables, one request per table: coil, discrete input, holding, input 0-4.
    expect(rec.adapter.status().devices[0]?.state).toBe('good');
  });

  it('shows run command without run feedback in failure mode, and a fault code when set', async () => {
    const { pump, port } = await startPump();
    const rec = await startAdapter([{ id: 'pump-dw-1', source: demoPumpSource(port) }]);
    pump.setMode('failure');
    pump.set('faultCode', 3); // dry running
    await vi.waitFor(() => {
      expect(rec.latest('pump-dw-1', 'running')?.value).toBe(false);
      expect(rec.latest('pump-dw-1', 'faultCode')?.value).toBe(3);
    });
    expect(rec.latest('pump-dw-1', 'runCommand')?.value).toBe(true);
    expect(rec.latest('pump-dw-1', 'current')?.value).toBe(0);
  });

  it('lets pressure fall and flow rise in burst mode', async () => {
    const { pump, port } = await startPump();
    const rec = await startAdapter([{ id: 'pump-dw-1', source: demoPumpSource(port) }]);
    await vi.waitFor(() => expect(rec.latest('pump-dw-1', 'flow')?.quality).toBe('good'));
    const flowBefore = rec.latest('pump-dw-1', 'flow')?.value as number;
    pump.setMode('burst');
    await vi.waitFor(() => expect(rec.latest('pump-dw-1', 'pressure')?.value).toBeLessThan(3.6), { timeout: 5000 });
    expect(rec.latest('pump-dw-1', 'flow')?.value).toBeGreaterThan(flowBefore);
  });

  it('drives a point with set() and stops the pump when the run command goes off', async () => {
    const { pump, port } = await startPump();
    const rec = await startAdapter([{ id: 'pump-dw-1', source: demoPumpSource(port) }]);
    pump.set('pressure', 1.5);
    pump.set('runCommand', false);
    await vi.waitFor(() => {
      expect(rec.latest('pump-dw-1', 'pressure')?.value).toBe(1.5);
      expect(rec.latest('pump-dw-1', 'running')?.value).toBe(false);
      expect(rec.latest('pump-dw-1', 'current')?.value).toBe(0);
      expect(rec.latest('pump-dw-1', 'flow')?.value).toBe(0);
    });
  });
});
