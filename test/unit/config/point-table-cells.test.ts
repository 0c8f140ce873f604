import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPoints } from '../../../gateway/config/point-table/import-points.js';
import { checkSiteFile } from '../../../gateway/config/site-check.js';
import { csvOf, rawSite, sheetOf } from '../../helpers/point-table.js';
import { tempDir } from '../../helpers/temp-dir.js';

const EVERY = path.resolve('test/fixtures/sites/every-protocol.json');

type Json = Record<string, unknown>;

describe('point table cells of the new columns', () => {
  it('reports each bad cell by row and column, changes nothing of its device, and imports the good rows: a BACnet, an HTTP push and an SNMP device; a device failing a check across devices is left out whole', async () => {
    const dir = await tempDir('points-cells-');
    const file = path.join(dir, 'site.json');
    await copyFile(EVERY, file);
    const csv = path.join(dir, 'points.csv');
    const rows: Record<string, string>[] = [
      { deviceId: 'pump-fire-1', pointId: 'pressure', faults: '{"pump-failure": {onDelaySeconds: 5}}' },
      { deviceId: 'pump-fire-1', pointId: 'running', range: '0-100' },
      { deviceId: 'elevator-t2-b', pointId: 'load', bit: '3' },
      { deviceId: 'pump-fire-1', pointId: 'runCommand', parity: 'even' },
      { deviceId: 'leak-t2-b2', pointId: 'wet', secretEnv: 'password=leak pw' },
      { deviceId: 'chiller-t2', pointId: 'running', address: 'BI1' },
      { deviceId: 'ups-t2-it', pointId: 'batteryTemperature', securityLevel: 'secret' },
      { deviceId: 'fire-panel-t2', pointId: 'panel', address: '/ingest/other' },
      { deviceId: 'pm-t2-db2', pointId: 'voltageA', range: '0~600' },
      { deviceId: 'ahu-1', deviceKind: 'hvac-unit', deviceName: '空调箱 1', building: 'T2', floor: '3F', place: 'T2 3F 空调机房', protocol: 'bacnet', connection: '192.168.20.51 device 3001', cov: 'no', pointId: 'fanRunning', address: 'binary-input:4' },
      { deviceId: 'fire-panel-t3', deviceKind: 'fire-panel', deviceName: 'T3 消防主机', building: 'T3', floor: '1F', place: 'T3 1F 消防控制室', protocol: 'http', expectEverySeconds: '300', pointId: 'panel', pointKind: 'event', type: 'json:event', raises: '{"FIRE":"fire-panel-alarm"}' },
      { deviceId: 'pdu-1', deviceKind: 'generic', deviceName: 'PDU 1', building: 'T2', floor: '2F', place: 'T2 2F 弱电机房', protocol: 'snmp', connection: '192.168.20.62', pointId: 'load', address: '1.3.6.1.4.1.9999.2.1.0', type: 'gauge32', range: '0~' },
      // A rule reading a point no row of its device gives: the device is left out with both its rows.
      { deviceId: 'fan-2', deviceKind: 'generic', deviceName: '排风机 2', building: 'T2', floor: 'RF', place: 'T2 屋面', protocol: 'mqtt', connection: 'fan-2', pointId: 'run', rules: '[{"id":"fan-slow","tier":"low","skill":"hvac","title":{"zh":"风机转速低","en":"Fan slow"},"when":{"kind":"threshold","point":"speed","below":10}}]' },
      { deviceId: 'fan-2', pointId: 'current' },
    ];
    await writeFile(csv, csvOf(sheetOf(rows)));
    const out = await importPoints(csv, file);
    expect(out.result?.problems).toEqual([
      { row: 2, message: expect.stringMatching(/^faults: not valid JSON \(.*\): \{"pump-failure".* \(device pump-fire-1, point pressure\)$/) },
      { row: 3, message: 'range: expected MIN~MAX such as 0~100 (either side may be blank), got "0-100" (device pump-fire-1, point running)' },
      { row: 4, message: 'bit: not a column of opcua devices; leave it blank (device elevator-t2-b, point load)' },
      { row: 5, message: 'parity: parity applies to a serial line only (connection RTU:/dev/ttyUSB0@9600) (device pump-fire-1, point runCommand)' },
      { row: 6, message: expect.stringMatching(/^secretEnv: expected password=ENV_NAME .*got "password=leak pw" \(device leak-t2-b2, point wet\)$/) },
      { row: 7, message: expect.stringMatching(/^address: expected OBJECT-TYPE:INSTANCE such as analog-input:1 .*got "BI1" \(device chiller-t2, point running\)$/) },
      { row: 8, message: expect.stringMatching(/^securityLevel: .*"authPriv".* \(device ups-t2-it, point batteryTemperature\)$/) },
      { row: 9, message: 'address: an HTTP push device posts every point to /ingest/fire-panel-t2; leave the address blank or write that, got "/ingest/other" (device fire-panel-t2, point panel)' },
      { row: 14, message: 'rules: expected a point of this device (run, current), got "speed" (device fan-2, point run)' },
      { row: 15, message: 'left out with its device, whose rows do not pass (see row 14) (device fan-2, point current)' },
    ]);
    expect(out.fatal).toEqual([]);
    expect(out.written).toBe(true);
    expect(out.result?.addedDevices).toEqual(['ahu-1', 'fire-panel-t3', 'pdu-1']);
    expect(out.result?.updatedDevices).toEqual(['pm-t2-db2']);
    expect(out.result?.used).toBe(4);
    expect(out.result?.passwordEnv).toEqual(['PUSH_TOKEN_FIRE_PANEL_T3', 'SNMP_COMMUNITY_PDU_1']);
    const env = { ...process.env, PUSH_TOKEN_FIRE_PANEL_T3: 'x', SNMP_COMMUNITY_PDU_1: 'y' };
    expect((await checkSiteFile(file, env)).problems).toEqual([]);
    const site = await rawSite(file);
    const devices = site['devices'] as Json[];
    const every = (await rawSite(EVERY))['devices'] as Json[];
    // Devices whose rows were bad are exactly as they were; the meter took its new range.
    expect(devices.slice(0, every.length).filter((d) => d['id'] !== 'pm-t2-db2')).toEqual(every.filter((d) => d['id'] !== 'pm-t2-db2'));
    expect(JSON.stringify(devices.find((d) => d['id'] === 'pm-t2-db2'))).toContain('"range":{"min":0,"max":600}');
    expect(devices.slice(every.length)).toEqual([
      {
        id: 'ahu-1',
        kind: 'hvac-unit',
        name: '空调箱 1',
        location: { building: 'T2', floor: '3F', description: 'T2 3F 空调机房' },
        source: { protocol: 'bacnet', deviceInstance: 3001, address: '192.168.20.51', cov: false, points: [{ id: 'fanRunning', objectType: 'binary-input', instance: 4 }] },
      },
      {
        id: 'fire-panel-t3',
        kind: 'fire-panel',
        name: 'T3 消防主机',
        location: { building: 'T3', floor: '1F', description: 'T3 1F 消防控制室' },
        source: { protocol: 'http', token: { env: 'PUSH_TOKEN_FIRE_PANEL_T3' }, expectEverySeconds: 300, points: [{ id: 'panel', kind: 'event', decoder: { type: 'json', path: 'event' }, raises: { FIRE: 'fire-panel-alarm' } }] },
      },
      {
        id: 'pdu-1',
        kind: 'generic',
        name: 'PDU 1',
        location: { building: 'T2', floor: '2F', description: 'T2 2F 弱电机房' },
        source: { protocol: 'snmp', host: '192.168.20.62', community: { env: 'SNMP_COMMUNITY_PDU_1' }, points: [{ id: 'load', oid: '1.3.6.1.4.1.9999.2.1.0', type: 'gauge32', range: { min: 0 } }] },
      },
    ]);
  });
});
