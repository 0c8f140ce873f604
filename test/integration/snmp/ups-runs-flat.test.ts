import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { SnmpSource } from '../../../adapters/snmp/config.js';
import { createSnmpAdapter } from '../../../adapters/snmp/index.js';
import { UPS_OID } from '../../../adapters/snmp/ups-mib.js';
import { systemClock } from '../../../core/clock.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import { type FaultCondition } from '../../../gateway/detect/fault-conditions.js';
import { silentLogger } from '../../../core/log.js';
import { testSite } from '../../helpers/site.js';
import { startSnmpd, type Snmpd } from '../../helpers/snmpd.js';

const WAIT = { timeout: 15_000, interval: 50 };

/** What the UPS-MIB says, as a UPS card answers it. */
async function serve(agent: Snmpd, v: { outputSource: number; batteryStatus: number; runtimeMinutes: number; charge: number; input: number }): Promise<void> {
  await agent.set(UPS_OID.outputSource, 'integer', v.outputSource);
  await agent.set(UPS_OID.batteryStatus, 'integer', v.batteryStatus);
  await agent.set(UPS_OID.runtimeMinutes, 'integer', v.runtimeMinutes);
  await agent.set(UPS_OID.batteryChargePercent, 'integer', v.charge);
  await agent.set(UPS_OID.inputVoltage, 'integer', v.input);
  await agent.set(UPS_OID.secondsOnBattery, 'integer', 0);
  await agent.set(UPS_OID.outputLoadPercent, 'integer', 35);
  await agent.set(UPS_OID.alarmsPresent, 'gauge', 0);
  await agent.set(UPS_OID.batteryTemperature, 'integer', 26);
  await agent.set(UPS_OID.selfTest, 'integer', 1);
}

// Issue 31: a UPS whose battery ran flat switches its output off (upsOutputSource none(2)); that
// read as "not on battery", so the power-loss ticket went back to normal while mains were still out.
describe('a UPS running flat, read from Net-SNMP snmpd through the adapter into detection', () => {
  it('keeps power-loss on, raises battery low and the load unpowered, and clears them only when mains are back', async () => {
    const agent = await startSnmpd();
    await serve(agent, { outputSource: 3, batteryStatus: 2, runtimeMinutes: 45, charge: 100, input: 221 });
    const quick = { offDelaySeconds: 1 };
    const site = testSite({
      devices: [
        {
          id: 'ups-1',
          kind: 'ups',
          name: 'B1 UPS',
          location: { building: 'T1', floor: 'B1', description: 'B1 弱电机房' },
          faults: { 'power-loss': quick, 'ups-battery-low': quick, 'ups-load-unpowered': quick },
          source: { protocol: 'snmp', host: '127.0.0.1', port: agent.port, version: '2c', community: { value: agent.community }, mapping: 'ups-mib', pollMs: 200, timeoutMs: 1000 },
        },
      ],
    });
    const engine = new DetectionEngine(site, systemClock);
    const seen: FaultCondition[] = [];
    engine.on('condition', (c) => {
      if (c.fault !== 'device-offline') seen.push(c);
    });
    engine.start();
    const device = site.devices[0];
    if (device?.source.protocol !== 'snmp') throw new Error('the site has no SNMP UPS');
    const adapter = await createSnmpAdapter({ devices: [{ id: 'ups-1', source: SnmpSource.parse(device.source) }] }, { clock: systemClock, log: silentLogger() });
    adapter.on('reading', (r) => engine.ingest(r));
    onTestFinished(async () => {
      await adapter.stop();
      engine.stop();
    });
    await adapter.start();
    const on = (fault: string): boolean => seen.filter((c) => c.fault === fault).at(-1)?.active === true;

    await serve(agent, { outputSource: 5, batteryStatus: 2, runtimeMinutes: 30, charge: 80, input: 0 });
    await vi.waitFor(() => expect(on('power-loss')).toBe(true), WAIT);
    await serve(agent, { outputSource: 5, batteryStatus: 3, runtimeMinutes: 4, charge: 9, input: 0 });
    await vi.waitFor(() => expect(on('ups-battery-low')).toBe(true), WAIT);
    expect(seen.find((c) => c.fault === 'ups-battery-low')?.description.zh).toContain('剩余约 4 分钟');
    // Flat: output none(2), battery depleted(4), input 0 V.
    await serve(agent, { outputSource: 2, batteryStatus: 4, runtimeMinutes: 0, charge: 0, input: 0 });
    await vi.waitFor(() => expect(on('ups-load-unpowered')).toBe(true), WAIT);
    // Well past power-loss's one-second off-delay: it never went back to normal.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(seen.filter((c) => c.fault === 'power-loss').map((c) => c.active)).toEqual([true]);
    expect(on('ups-battery-low')).toBe(true);

    await serve(agent, { outputSource: 3, batteryStatus: 2, runtimeMinutes: 5, charge: 12, input: 220 });
    await vi.waitFor(() => expect(['power-loss', 'ups-battery-low', 'ups-load-unpowered'].map(on)).toEqual([false, false, false]), WAIT);
  }, 60_000);
});
