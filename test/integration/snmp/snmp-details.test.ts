import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Reading } from '../../../core/reading.js';
import { SnmpSource } from '../../../adapters/snmp/config.js';
import { createSnmpAdapter } from '../../../adapters/snmp/index.js';
import { ChangeLog } from '../../../adapters/log-on-change.js';
import { ScaledClock, systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { freeUdpPort, SimulatedUps } from '../../../simulators/snmp/simulated-ups.js';
import { captureLog } from '../../helpers/capture-log.js';
import { startSnmpd } from '../../helpers/snmpd.js';

const WAIT = { timeout: 15_000, interval: 50 };

describe('SNMP as a site engineer reads it', () => {
  it('logs two devices that fail for the same reason all along once each over 60 s of polls, not at every poll', async () => {
    const agent = await startSnmpd();
    // 60 s of polls every second, played 20 times faster (the timeouts on the same clock).
    const clock = new ScaledClock(20);
    const cap = captureLog();
    const devices = [
      { id: 'ups-wrong-key', source: SnmpSource.parse({ protocol: 'snmp', host: '127.0.0.1', port: agent.port, version: '3', user: { name: agent.v3.name, authKey: { value: 'not-the-key-1234' }, privKey: { value: agent.v3.privKey } }, mapping: 'ups-mib', pollMs: 1_000, timeoutMs: 2_000, retries: 0 }) },
      { id: 'ups-wrong-community', source: SnmpSource.parse({ protocol: 'snmp', host: '127.0.0.1', port: agent.port, community: { value: 'not-the-community' }, mapping: 'ups-mib', pollMs: 1_000, timeoutMs: 2_000, retries: 0 }) },
    ];
    const adapter = await createSnmpAdapter({ devices }, { clock, log: cap.log });
    adapter.on('error', () => undefined);
    onTestFinished(() => adapter.stop());
    await adapter.start();
    const polled = clock.monotonic();
    await vi.waitFor(() => expect(clock.monotonic() - polled).toBeGreaterThan(60_000), { timeout: 30_000, interval: 100 });
    const lines = cap
      .text()
      .split('\n')
      .filter((l) => l.includes('"event":"snmp.poll_failed"'))
      .map((l) => JSON.parse(l) as { deviceId: string; code: string; reason: string });
    expect(lines.map((l) => `${l.deviceId} ${l.code}`).sort()).toEqual(['ups-wrong-community GW_SNMP_TIMEOUT', 'ups-wrong-key GW_SNMP_AUTH']);
    // A v2c device that never answers says what to check first.
    expect(lines.find((l) => l.deviceId === 'ups-wrong-community')?.reason).toContain('a wrong community looks exactly like this');
    expect(adapter.status().devices.find((d) => d.deviceId === 'ups-wrong-community')?.lastError).toContain('check the community first');
  }, 60_000);

  it('says a lasting failure again once an hour, and its end once', () => {
    const log = new ChangeLog();
    expect(log.due('a', 'GW_SNMP_TIMEOUT: no answer', 0)).toBe(true);
    expect(log.due('b', 'GW_SNMP_TIMEOUT: no answer', 1_000)).toBe(true);
    expect(log.due('a', 'GW_SNMP_TIMEOUT: no answer', 3_599_999)).toBe(false);
    expect(log.due('a', 'GW_SNMP_AUTH: wrong key', 3_599_999)).toBe(true);
    expect(log.due('a', 'GW_SNMP_AUTH: wrong key', 3_599_999 + 3_600_000)).toBe(true);
    expect(log.clear('b')).toBe(true);
    expect(log.clear('b')).toBe(false);
  });

  it('receives traps on the address trapHost names', async () => {
    const trapPort = await freeUdpPort();
    const ups = new SimulatedUps({ community: 'ups-ro', trapPort });
    const port = await ups.start();
    onTestFinished(() => ups.stop());
    const source = SnmpSource.parse({ protocol: 'snmp', host: '127.0.0.1', port, community: { value: 'ups-ro' }, mapping: 'ups-mib', pollMs: 600_000, trapPort, trapHost: '127.0.0.1' });
    expect(SnmpSource.safeParse({ ...source, trapHost: 'everywhere' }).error?.issues[0]?.message).toContain('expected an IPv4 address of this machine');
    const adapter = await createSnmpAdapter({ devices: [{ id: 'ups-1', source }] }, { clock: systemClock, log: silentLogger(), env: {} });
    const readings: Reading[] = [];
    adapter.on('reading', (r) => readings.push(r));
    onTestFinished(() => adapter.stop());
    await adapter.start();
    await vi.waitFor(() => expect(readings.findLast((r) => r.pointId === 'onBattery')?.value).toBe(false), WAIT);
    await ups.mainsFail();
    await vi.waitFor(() => expect(readings.findLast((r) => r.pointId === 'onBattery')?.value).toBe(true), WAIT);
  }, 60_000);
});
