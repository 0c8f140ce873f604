import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdapterError, UpstreamChange } from '../../../core/adapter.js';
import type { Reading } from '../../../core/reading.js';
import { SnmpSource } from '../../../adapters/snmp/config.js';
import { createSnmpAdapter, type SnmpAdapter } from '../../../adapters/snmp/index.js';
import { UPS_OID } from '../../../adapters/snmp/ups-mib.js';
import { systemClock } from '../../../core/clock.js';
import { captureLog } from '../../helpers/capture-log.js';
import { secretLeaks } from '../../helpers/log-secrets.js';
import { startSnmpd, type Snmpd } from '../../helpers/snmpd.js';

const WAIT = { timeout: 15_000, interval: 50 };

interface Rec {
  readonly adapter: SnmpAdapter;
  readonly readings: Reading[];
  readonly errors: AdapterError[];
  readonly upstream: UpstreamChange[];
  latest(pointId: string): Reading | undefined;
  logText(): string;
}

async function adapterFor(source: unknown, env: NodeJS.ProcessEnv = {}): Promise<Rec> {
  const cap = captureLog();
  const adapter = await createSnmpAdapter({ devices: [{ id: 'ups-1', source: SnmpSource.parse(source) }] }, { clock: systemClock, log: cap.log, env });
  const readings: Reading[] = [];
  const errors: AdapterError[] = [];
  const upstream: UpstreamChange[] = [];
  adapter.on('reading', (r) => readings.push(r));
  adapter.on('error', (e) => errors.push(e));
  adapter.on('upstream', (u) => upstream.push(u));
  onTestFinished(() => adapter.stop());
  await adapter.start();
  return { adapter, readings, errors, upstream, latest: (p) => readings.findLast((r) => r.pointId === p), logText: cap.text };
}

async function upsValues(agent: Snmpd, outputSource: number): Promise<void> {
  await agent.set(UPS_OID.outputSource, 'integer', outputSource);
  await agent.set(UPS_OID.batteryStatus, 'integer', 2);
  await agent.set(UPS_OID.batteryChargePercent, 'integer', 87);
  await agent.set(UPS_OID.runtimeMinutes, 'integer', 42);
  await agent.set(UPS_OID.secondsOnBattery, 'integer', 0);
  await agent.set(UPS_OID.inputVoltage, 'integer', 221);
  await agent.set(UPS_OID.outputLoadPercent, 'integer', 35);
  await agent.set(UPS_OID.alarmsPresent, 'gauge', 0);
}

describe('SNMP adapter against Net-SNMP snmpd', () => {
  it('reads the UPS-MIB mapping and typed, scaled OIDs over v2c, and follows the UPS onto battery', async () => {
    const agent = await startSnmpd();
    await upsValues(agent, 3);
    await agent.set('1.3.6.1.4.1.99999.1.0', 'counter64', '12345678901');
    const rec = await adapterFor({
      protocol: 'snmp', host: '127.0.0.1', port: agent.port, version: '2c', community: { env: 'UPS_COMMUNITY' }, mapping: 'ups-mib', pollMs: 200, timeoutMs: 1000,
      points: [
        { id: 'uptimeSeconds', oid: '1.3.6.1.2.1.1.3.0', type: 'timeticks', scale: 0.01 },
        { id: 'sysName', oid: '1.3.6.1.2.1.1.5.0', type: 'octet-string' },
        { id: 'snmpInPkts', oid: '1.3.6.1.2.1.11.1.0', type: 'counter32' },
        { id: 'bigCounter', oid: '1.3.6.1.4.1.99999.1.0', type: 'counter64' },
        { id: 'inputKilovolts', oid: UPS_OID.inputVoltage, type: 'integer', scale: 0.001 },
      ],
    }, { UPS_COMMUNITY: agent.community });

    await vi.waitFor(() => {
      expect(rec.latest('onBattery')).toMatchObject({ value: false, quality: 'good' });
      expect(rec.latest('outputSource')).toMatchObject({ value: 'normal', quality: 'good' });
      expect(rec.latest('batteryStatus')).toMatchObject({ value: 'normal', quality: 'good' });
      expect(rec.latest('batteryChargePercent')).toMatchObject({ value: 87, quality: 'good' });
      expect(rec.latest('runtimeMinutes')?.value).toBe(42);
      expect(rec.latest('inputVoltage')?.value).toBe(221);
      expect(rec.latest('outputLoadPercent')?.value).toBe(35);
      expect(rec.latest('alarmsPresent')?.value).toBe(0);
      expect(rec.latest('sysName')).toMatchObject({ value: 'gw-test-agent', quality: 'good' });
      expect(rec.latest('bigCounter')).toMatchObject({ value: 12345678901, quality: 'good' });
      expect(rec.latest('inputKilovolts')?.value).toBeCloseTo(0.221, 6);
    }, WAIT);
    expect(typeof rec.latest('uptimeSeconds')?.value).toBe('number');
    expect(typeof rec.latest('snmpInPkts')?.value).toBe('number');

    await agent.set(UPS_OID.outputSource, 'integer', 5);
    await vi.waitFor(() => expect(rec.latest('onBattery')).toMatchObject({ value: true, quality: 'good' }), WAIT);
    expect(rec.latest('outputSource')?.value).toBe('battery');
    expect(rec.adapter.status()).toMatchObject({ state: 'online', connected: true });
    expect(rec.adapter.status().upstreams[0]).toMatchObject({ kind: 'snmp-agent', address: `127.0.0.1:${agent.port}`, state: 'online' });
    expect(secretLeaks(rec.logText().split('\n'), [agent.community])).toEqual([]);
  }, 60_000);

  it('reads a missing OID bad with GW_SNMP_NO_SUCH_OBJECT, counts it once per poll, and keeps the others good', async () => {
    const agent = await startSnmpd();
    const rec = await adapterFor({
      protocol: 'snmp', host: '127.0.0.1', port: agent.port, community: { value: agent.community }, pollMs: 200, timeoutMs: 1000,
      points: [
        { id: 'sysName', oid: '1.3.6.1.2.1.1.5.0' },
        { id: 'missing', oid: '1.3.6.1.2.1.1.99.0' },
        { id: 'notServed', oid: '1.3.6.1.4.1.99999.7.0' },
        { id: 'wrongType', oid: '1.3.6.1.2.1.1.5.0', type: 'integer' },
      ],
    });
    await vi.waitFor(() => {
      expect(rec.latest('missing')).toMatchObject({ quality: 'bad', value: null, reason: expect.stringMatching(/^GW_SNMP_NO_SUCH_OBJECT: noSuchObject at 1\.3\.6\.1\.2\.1\.1\.99\.0/) });
      expect(rec.latest('notServed')).toMatchObject({ quality: 'bad', reason: expect.stringMatching(/^GW_SNMP_NO_SUCH_OBJECT: noSuch(Instance|Object)/) });
      expect(rec.latest('wrongType')).toMatchObject({ quality: 'bad', reason: expect.stringContaining('expected Integer') });
      expect(rec.latest('sysName')).toMatchObject({ quality: 'good', value: 'gw-test-agent' });
    }, WAIT);
    await vi.waitFor(() => expect(rec.adapter.status().devices[0]?.errors['GW_SNMP_NO_SUCH_OBJECT']).toBeGreaterThanOrEqual(4), WAIT);
    const st = rec.adapter.status();
    expect(st.devices[0]?.state).toBe('good'); // the agent answers: the device is up, two points are bad
    expect(st.connected).toBe(true);
    // Emitted once per point and reason, not once per poll.
    expect(rec.errors.filter((e) => e.pointId === 'missing')).toHaveLength(1);
  }, 60_000);

  it('reads over v3 authPriv (SHA/AES) with keys from the environment, and never logs them', async () => {
    const agent = await startSnmpd();
    await upsValues(agent, 3);
    const rec = await adapterFor({
      protocol: 'snmp', host: '127.0.0.1', port: agent.port, version: '3', mapping: 'ups-mib', pollMs: 200, timeoutMs: 1000,
      user: { name: agent.v3.name, level: 'authPriv', authProtocol: 'sha', authKey: { env: 'UPS_AUTH' }, privProtocol: 'aes', privKey: { env: 'UPS_PRIV' } },
    }, { UPS_AUTH: agent.v3.authKey, UPS_PRIV: agent.v3.privKey });
    await vi.waitFor(() => expect(rec.latest('batteryChargePercent')).toMatchObject({ value: 87, quality: 'good' }), WAIT);
    expect(rec.adapter.status().devices[0]?.state).toBe('good');
    expect(secretLeaks(rec.logText().split('\n'), [agent.v3.authKey, agent.v3.privKey])).toEqual([]);
  }, 60_000);

  it('fails clearly on a wrong v3 key or an unknown user: GW_SNMP_AUTH in the readings and the status, no key in the log', async () => {
    const agent = await startSnmpd();
    await upsValues(agent, 3);
    const wrongKey = 'not-the-auth-key-999';
    const wrong = await adapterFor({
      protocol: 'snmp', host: '127.0.0.1', port: agent.port, version: '3', mapping: 'ups-mib', pollMs: 300, timeoutMs: 1000,
      user: { name: agent.v3.name, authKey: { value: wrongKey }, privKey: { value: agent.v3.privKey } },
    });
    const unknown = await adapterFor({
      protocol: 'snmp', host: '127.0.0.1', port: agent.port, version: '3', mapping: 'ups-mib', pollMs: 300, timeoutMs: 1000,
      user: { name: 'nobody', authKey: { value: agent.v3.authKey }, privKey: { value: agent.v3.privKey } },
    });
    await vi.waitFor(() => {
      expect(wrong.latest('onBattery')).toMatchObject({ quality: 'bad', reason: expect.stringContaining('GW_SNMP_AUTH: SNMPv3 security refused: wrong authentication key') });
      expect(unknown.latest('onBattery')).toMatchObject({ quality: 'bad', reason: expect.stringContaining('GW_SNMP_AUTH: SNMPv3 security refused: unknown user') });
    }, WAIT);
    for (const rec of [wrong, unknown]) {
      const st = rec.adapter.status();
      expect(st.devices[0]).toMatchObject({ state: 'bad', lastError: expect.stringContaining('GW_SNMP_AUTH') });
      expect(st.errors['GW_SNMP_AUTH']).toBeGreaterThan(0);
      expect(st.lastError).toContain('GW_SNMP_AUTH');
      // The agent answered (with a USM report): it is up, only the credentials are wrong.
      expect(rec.upstream.some((u) => !u.up)).toBe(false);
      expect(rec.errors.some((e) => e.code === 'GW_SNMP_AUTH')).toBe(true);
      expect(secretLeaks(rec.logText().split('\n'), [wrongKey, agent.v3.authKey, agent.v3.privKey])).toEqual([]);
    }
    expect(wrong.logText()).toContain('GW_SNMP_AUTH');
  }, 60_000);

  it('reads bad with GW_SNMP_TIMEOUT and reports the agent down once while snmpd is stopped, and reads good over v3 again after it restarts', async () => {
    const agent = await startSnmpd();
    await upsValues(agent, 3);
    const rec = await adapterFor({
      protocol: 'snmp', host: '127.0.0.1', port: agent.port, version: '3', mapping: 'ups-mib', pollMs: 200, timeoutMs: 300, retries: 1,
      user: { name: agent.v3.name, authKey: { value: agent.v3.authKey }, privKey: { value: agent.v3.privKey } },
    });
    await vi.waitFor(() => expect(rec.latest('onBattery')).toMatchObject({ quality: 'good' }), WAIT);
    await agent.stop();
    await vi.waitFor(() => {
      expect(rec.latest('onBattery')).toMatchObject({ quality: 'bad', value: null, reason: expect.stringMatching(/^GW_SNMP_TIMEOUT: no answer within 300 ms \(2 tries\)/) });
      expect(rec.upstream.filter((u) => !u.up)).toHaveLength(1);
    }, WAIT);
    const down = rec.adapter.status();
    expect(down).toMatchObject({ state: 'backoff', connected: false });
    expect(down.devices[0]?.state).toBe('bad');
    expect(down.upstreams[0]?.lastError).toContain('GW_SNMP_TIMEOUT');

    await agent.start();
    const from = rec.readings.length;
    await vi.waitFor(() => expect(rec.readings.slice(from).some((r) => r.pointId === 'onBattery' && r.quality === 'good')).toBe(true), WAIT);
    expect(rec.upstream.filter((u) => !u.up)).toHaveLength(1);
    expect(rec.upstream.at(-1)?.up).toBe(true);
    expect(rec.adapter.status().upstreams[0]?.reconnects).toBe(1);
  }, 60_000);
});
