import { describe, expect, it } from 'vitest';
import { SnmpSource } from '../../../adapters/snmp/config.js';
import { SnmpPoint } from '../../../adapters/snmp/point-schema.js';
import { planGets } from '../../../adapters/snmp/device-poller.js';
import { classify } from '../../../adapters/snmp/agent-session.js';
import { SMI, decodeVarbind } from '../../../adapters/snmp/varbind-decode.js';

const point = (p: Record<string, unknown>) => SnmpPoint.parse({ id: 'p', oid: '1.3.6.1.2.1.33.1.4.1.0', ...p });

describe('SNMP varbind decoding', () => {
  it('maps upsOutputSource battery(5) to onBattery true and any other source to false', () => {
    const p = point({ type: 'integer', map: { '5': true }, otherwise: false });
    expect(decodeVarbind(p, { oid: p.oid, type: SMI.integer, value: 5 })).toEqual({ ok: true, value: true });
    expect(decodeVarbind(p, { oid: p.oid, type: SMI.integer, value: 3 })).toEqual({ ok: true, value: false });
  });

  it('reads an unmapped enumeration bad without an otherwise', () => {
    const p = point({ map: { '2': 'normal' } });
    expect(decodeVarbind(p, { oid: p.oid, type: SMI.integer, value: 9 })).toMatchObject({ ok: false, code: 'GW_READING_INVALID' });
  });

  it('scales and offsets numbers, TimeTicks and Counter64 (a big-endian byte string)', () => {
    expect(decodeVarbind(point({ type: 'timeticks', scale: 0.01 }), { oid: 'x', type: SMI.timeticks, value: 12_345 })).toEqual({ ok: true, value: 123.45 });
    expect(decodeVarbind(point({ type: 'gauge32', scale: 0.1, offset: -40 }), { oid: 'x', type: SMI.gauge32, value: 650 })).toEqual({ ok: true, value: 25 });
    expect(decodeVarbind(point({ type: 'counter64' }), { oid: 'x', type: SMI.counter64, value: Buffer.from([0x02, 0xdf, 0xdc, 0x1c, 0x35]) })).toEqual({ ok: true, value: 12_345_678_901 });
  });

  it('reads an OctetString as text, or as a number when scaled', () => {
    expect(decodeVarbind(point({}), { oid: 'x', type: SMI['octet-string'], value: Buffer.from('Smart-UPS 1500') })).toEqual({ ok: true, value: 'Smart-UPS 1500' });
    expect(decodeVarbind(point({ scale: 0.1 }), { oid: 'x', type: SMI['octet-string'], value: Buffer.from(' 2305 ') })).toEqual({ ok: true, value: 230.5 });
    expect(decodeVarbind(point({ scale: 0.1 }), { oid: 'x', type: SMI['octet-string'], value: Buffer.from('n/a') })).toMatchObject({ ok: false, code: 'GW_READING_INVALID' });
  });

  it('names noSuchObject, noSuchInstance and endOfMibView, and a type other than declared', () => {
    for (const tag of [SMI.noSuchObject, SMI.noSuchInstance, SMI.endOfMibView]) {
      expect(decodeVarbind(point({}), { oid: 'x', type: tag, value: null })).toMatchObject({ ok: false, code: 'GW_SNMP_NO_SUCH_OBJECT' });
    }
    expect(decodeVarbind(point({ type: 'gauge32' }), { oid: 'x', type: SMI.integer, value: 1 })).toEqual({ ok: false, code: 'GW_READING_INVALID', reason: 'expected Gauge32 at 1.3.6.1.2.1.33.1.4.1.0, got Integer' });
  });

  it('reads a value outside the range bad', () => {
    expect(decodeVarbind(point({ range: { max: 100 } }), { oid: 'x', type: SMI.integer, value: 250 })).toMatchObject({ ok: false, code: 'GW_READING_INVALID' });
  });
});

describe('SNMP source', () => {
  it('gives the ups-mib points, an explicit point replacing one by id, and plans one GET per 32 unique OIDs', () => {
    const s = SnmpSource.parse({ protocol: 'snmp', host: 'ups', community: { env: 'C' }, mapping: 'ups-mib', points: [{ id: 'inputVoltage', oid: '.1.3.6.1.2.1.33.1.3.3.1.3.2' }] });
    expect(s.points.map((p) => p.id)).toEqual(['onBattery', 'outputSource', 'batteryStatus', 'batteryChargePercent', 'runtimeMinutes', 'secondsOnBattery', 'outputLoadPercent', 'alarmsPresent', 'batteryTemperature', 'selfTest', 'inputVoltage']);
    expect(s.points.at(-1)?.oid).toBe('1.3.6.1.2.1.33.1.3.3.1.3.2');
    // onBattery and outputSource read one OID: asked once.
    expect(planGets(s.points, 32)).toHaveLength(1);
    expect(planGets(s.points, 32)[0]?.oids).toHaveLength(10);
    expect(planGets(s.points, 3).map((c) => c.oids.length)).toEqual([3, 3, 3, 1]);
  });

  it('needs a community for v2c, a user for v3, and the keys its security level asks for', () => {
    const issues = (src: Record<string, unknown>) => SnmpSource.safeParse({ protocol: 'snmp', host: 'h', mapping: 'ups-mib', ...src }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({})).toEqual(['community: SNMP v2c needs a community']);
    expect(issues({ version: '3' })).toEqual(['user: SNMP v3 needs a user']);
    expect(issues({ version: '3', user: { name: 'u', level: 'authNoPriv' } })).toEqual(['user.authKey: security level authNoPriv needs an authKey']);
    expect(issues({ version: '3', user: { name: 'u', authKey: { env: 'A' } } })).toEqual(['user.privKey: security level authPriv needs a privKey']);
    expect(issues({ version: '3', user: { name: 'u', level: 'noAuthNoPriv' } })).toBeUndefined();
    expect(SnmpSource.safeParse({ protocol: 'snmp', host: 'h', community: { value: 'c' } }).error?.issues[0]?.message).toBe('expected at least one point, or a mapping such as "ups-mib"');
  });

  it('sorts net-snmp errors into codes without echoing anything secret', () => {
    expect(classify({ name: 'RequestTimedOutError', message: 'Request timed out' }, 500)).toEqual({ code: 'GW_SNMP_TIMEOUT', reason: 'no answer within 500 ms' });
    expect(classify({ name: 'ResponseInvalidError', code: 5, message: 'Wrong Digest (incorrect password, community or key)' }, 500)).toEqual({ code: 'GW_SNMP_AUTH', reason: 'SNMPv3 security refused: wrong authentication key (usmStatsWrongDigests)' });
    expect(classify({ name: 'RequestFailedError', message: 'TooBig', status: 1 }, 500).code).toBe('GW_SNMP_ERROR_STATUS');
    expect(classify({ name: 'ResponseInvalidError', code: 10, message: "Community 'secret-1' in request does not match community 'other' in response" }, 500)).toEqual({ code: 'GW_SNMP_REQUEST', reason: 'Community (hidden) in request does not match community (hidden) in response' });
  });
});
