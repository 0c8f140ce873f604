import { createSocket } from 'node:dgram';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Reading } from '../../../core/reading.js';
import { SnmpSource } from '../../../adapters/snmp/config.js';
import { createSnmpAdapter } from '../../../adapters/snmp/index.js';
import { UPS_TRAP } from '../../../adapters/snmp/ups-mib.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { freeUdpPort, SimulatedUps } from '../../../simulators/snmp/simulated-ups.js';

const WAIT = { timeout: 15_000, interval: 50 };
const V3 = { name: 'upstrap', authKey: 'trap-auth-key-1', privKey: 'trap-priv-key-2' };

async function setup(o: { trapVersion: '2c' | '3'; upsCommunity?: string }) {
  const trapPort = await freeUdpPort();
  const ups = new SimulatedUps({ community: o.upsCommunity ?? 'ups-ro', v3: V3, trapPort, trapVersion: o.trapVersion });
  const port = await ups.start();
  onTestFinished(() => ups.stop());
  // A poll period far longer than the test: whatever arrives fast came by the trap.
  const source = SnmpSource.parse(
    o.trapVersion === '3'
      ? { protocol: 'snmp', host: '127.0.0.1', port, version: '3', user: { name: V3.name, authKey: { value: V3.authKey }, privKey: { value: V3.privKey } }, mapping: 'ups-mib', pollMs: 600_000, trapPort }
      : { protocol: 'snmp', host: '127.0.0.1', port, community: { value: 'ups-ro' }, mapping: 'ups-mib', pollMs: 600_000, trapPort },
  );
  const adapter = await createSnmpAdapter({ devices: [{ id: 'ups-1', source }] }, { clock: systemClock, log: silentLogger(), env: {} });
  const readings: Reading[] = [];
  adapter.on('reading', (r) => readings.push(r));
  adapter.on('error', () => undefined);
  onTestFinished(() => adapter.stop());
  await adapter.start();
  const onBattery = () => readings.filter((r) => r.pointId === 'onBattery');
  // The first poll (at start) sees mains.
  await vi.waitFor(() => expect(onBattery().at(-1)).toMatchObject({ value: false, quality: 'good' }), WAIT);
  return { ups, adapter, readings, onBattery, trapPort };
}

describe('SNMP traps from a UPS', () => {
  for (const version of ['2c', '3'] as const) {
    it(`sets onBattery at once on a v${version} upsTrapOnBattery, without waiting for the next poll`, async () => {
      const s = await setup({ trapVersion: version });
      const polls = s.adapter.status().readings;
      await s.ups.mainsFail();
      await vi.waitFor(() => expect(s.onBattery().at(-1)).toMatchObject({ value: true, quality: 'good' }), WAIT);
      // The trap's own varbinds are read too, and the trap asks for a poll that confirms it.
      await vi.waitFor(() => expect(s.readings.findLast((r) => r.pointId === 'inputVoltage')).toMatchObject({ value: 0, quality: 'good' }), WAIT);
      expect(s.readings.some((r) => r.pointId === 'secondsOnBattery' && r.value === 1)).toBe(true);
      expect(s.adapter.status().readings).toBeGreaterThan(polls);
      expect(s.adapter.status().errors['GW_SNMP_TRAP_REJECTED']).toBeUndefined();
    }, 60_000);
  }

  it('refuses a trap with a community the device does not have: counted, onBattery untouched', async () => {
    const s = await setup({ trapVersion: '2c' });
    // A UPS mis-configured to send its traps with another community.
    const rogue = new SimulatedUps({ community: 'someone-else', trapPort: s.trapPort });
    await rogue.start();
    onTestFinished(() => rogue.stop());
    await rogue.trap(UPS_TRAP.onBattery);
    await vi.waitFor(() => expect(s.adapter.status().errors['GW_SNMP_TRAP_REJECTED']).toBe(1), WAIT);
    expect(s.adapter.status().lastError).toContain('GW_SNMP_TRAP_REJECTED');
    // The community it came with may be another system's password: never repeated.
    expect(s.adapter.status().lastError).toContain('community (hidden)');
    expect(s.adapter.status().lastError).not.toContain('someone-else');
    expect(s.onBattery().every((r) => r.value === false)).toBe(true);
  }, 60_000);

  it('says GW_SNMP_TRAP_PORT when its trap port is taken, and goes on polling', async () => {
    const holder = createSocket('udp4');
    const port = await new Promise<number>((resolve) => holder.bind(0, () => resolve(holder.address().port)));
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const ups = new SimulatedUps({ community: 'ups-ro' });
    const agentPort = await ups.start();
    onTestFinished(() => ups.stop());
    const source = SnmpSource.parse({ protocol: 'snmp', host: '127.0.0.1', port: agentPort, community: { value: 'ups-ro' }, mapping: 'ups-mib', pollMs: 200, trapPort: port });
    const adapter = await createSnmpAdapter({ devices: [{ id: 'ups-1', source }] }, { clock: systemClock, log: silentLogger(), env: {} });
    adapter.on('error', () => undefined);
    onTestFinished(() => adapter.stop());
    await adapter.start();
    await vi.waitFor(() => {
      expect(adapter.status().errors['GW_SNMP_TRAP_PORT']).toBe(1);
      expect(adapter.status().devices[0]?.state).toBe('good');
    }, WAIT);
    expect(adapter.status().lastError).toMatch(/GW_SNMP_TRAP_PORT: cannot receive traps on UDP 0\.0\.0\.0:\d+: EADDRINUSE/);
  }, 60_000);

  it('tells two UPSes on one address apart by the community their trap carries', async () => {
    const trapPort = await freeUdpPort();
    const a = new SimulatedUps({ community: 'ups-a', trapPort });
    const b = new SimulatedUps({ community: 'ups-b', trapPort });
    const [portA, portB] = [await a.start(), await b.start()];
    onTestFinished(() => Promise.all([a.stop(), b.stop()]).then(() => undefined));
    const device = (id: string, port: number, community: string) => ({ id, source: SnmpSource.parse({ protocol: 'snmp', host: '127.0.0.1', port, community: { value: community }, mapping: 'ups-mib', pollMs: 600_000, trapPort }) });
    const adapter = await createSnmpAdapter({ devices: [device('ups-a', portA, 'ups-a'), device('ups-b', portB, 'ups-b')] }, { clock: systemClock, log: silentLogger(), env: {} });
    const readings: Reading[] = [];
    adapter.on('reading', (r) => readings.push(r));
    adapter.on('error', () => undefined);
    onTestFinished(() => adapter.stop());
    await adapter.start();
    const onBattery = (id: string) => readings.findLast((r) => r.deviceId === id && r.pointId === 'onBattery');
    await vi.waitFor(() => {
      expect(onBattery('ups-a')).toMatchObject({ value: false, quality: 'good' });
      expect(onBattery('ups-b')).toMatchObject({ value: false, quality: 'good' });
    }, WAIT);
    await b.mainsFail();
    await vi.waitFor(() => expect(onBattery('ups-b')).toMatchObject({ value: true, quality: 'good' }), WAIT);
    expect(readings.filter((r) => r.deviceId === 'ups-a' && r.pointId === 'onBattery').every((r) => r.value === false)).toBe(true);
  }, 60_000);
});
