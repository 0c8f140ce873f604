import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { importPoints } from '../../../gateway/config/point-table/import-points.js';
import { mergePointTable } from '../../../gateway/config/point-table/merge-points.js';
import { readTableFile, writeTableFile } from '../../../gateway/config/point-table/table-file.js';
import { rowsOfSheet } from '../../../gateway/config/point-table/table-rows.js';
import { BacnetPoint, BacnetSource } from '../../../adapters/bacnet/config.js';
import { PayloadDecoder } from '../../../adapters/decode/payload-decoder.js';
import { HttpEventPoint, HttpSamplePoint, HttpSource } from '../../../adapters/http-push/config.js';
import { ModbusPoint, ModbusSource, ModbusTransport } from '../../../adapters/modbus/config.js';
import { MqttPoint, MqttSource } from '../../../adapters/mqtt/config.js';
import { OpcuaPoint, OpcuaSource } from '../../../adapters/opcua/config.js';
import { SnmpSource, SnmpUser } from '../../../adapters/snmp/config.js';
import { SnmpPoint } from '../../../adapters/snmp/point-schema.js';
import { Device } from '../../../gateway/config/site-schema.js';
import { Location } from '../../../core/vocabulary.js';
import { rawSite, tableOfSite } from '../../helpers/point-table.js';
import { tempDir } from '../../helpers/temp-dir.js';

type Json = Record<string, unknown>;

const DEMO = path.resolve('config/demo-site.json');
/** A site with a device of every protocol using every key its schema has (test/fixtures/sites). */
const EVERY = path.resolve('test/fixtures/sites/every-protocol.json');

/** A byte-exact copy of a site file (and the users file the demo names) in a fresh folder. */
async function copyOf(site: string): Promise<string> {
  const dir = await tempDir('points-rt-');
  await copyFile(path.resolve('config/demo-users.json'), path.join(dir, 'demo-users.json'));
  const file = path.join(dir, 'site.json');
  await copyFile(site, file);
  return file;
}

/** The site's header alone: the same file with no devices, as JSON.stringify writes it. */
async function emptyOf(site: string): Promise<string> {
  const file = await copyOf(site);
  await writeFile(file, `${JSON.stringify({ ...(await rawSite(site)), devices: [] }, null, 2)}\n`);
  return file;
}

/** The table of `site` written as a file of this type next to `beside`. */
async function exported(site: string, beside: string, ext: string): Promise<string> {
  const table = path.join(path.dirname(beside), `points.${ext}`);
  await writeTableFile(table, await tableOfSite(site));
  return table;
}

/** Each `{ value }` secret of the demo's devices in turn replaced by the variable the import named. */
function withEnvSecrets(devices: unknown, names: readonly string[]): unknown {
  const queue = [...names];
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Json;
    if (Object.keys(o).length === 1 && typeof o['value'] === 'string') return { env: queue.shift() };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(devices);
}

/** Every key found anywhere under `value` at objects reached by `at` (a step `*` is every item of a list). */
function keysAt(values: readonly unknown[], at: readonly string[]): Set<string> {
  let level: unknown[] = [...values];
  for (const step of at) level = level.flatMap((v) => (step === '*' ? (Array.isArray(v) ? v : []) : v !== null && typeof v === 'object' ? [(v as Json)[step]] : []));
  return new Set(level.flatMap((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [])));
}

describe('the every-protocol fixture', () => {
  // The byte-for-byte tests below prove that what the fixture has travels; this keeps the fixture
  // holding every key each schema has, so a key added to a schema and not to the table fails them.
  it('uses every key of the device, location and each protocol schema', async () => {
    const devices = (await rawSite(EVERY))['devices'] as Json[];
    const of = (protocol: string): Json[] => devices.filter((d) => (d['source'] as Json)['protocol'] === protocol);
    const keys = (shape: object): string[] => Object.keys(shape);
    const expectations: [Json[], string[], string[]][] = [
      [devices, [], keys(Device.shape)],
      [devices, ['location'], keys(Location.shape)],
      [of('mqtt'), ['source'], keys(MqttSource.shape)],
      [of('mqtt'), ['source', 'points', '*'], keys(MqttPoint.shape)],
      [of('modbus'), ['source'], keys(ModbusSource.shape)],
      [of('modbus'), ['source', 'transport'], ModbusTransport.options.flatMap((o) => keys(o.shape))],
      [of('modbus'), ['source', 'points', '*'], keys(ModbusPoint.shape)],
      [of('opcua'), ['source'], keys(OpcuaSource.shape)],
      [of('opcua'), ['source', 'points', '*'], keys(OpcuaPoint.shape)],
      [of('bacnet'), ['source'], keys(BacnetSource.shape)],
      [of('bacnet'), ['source', 'points', '*'], keys(BacnetPoint.shape)],
      [of('http'), ['source'], keys(HttpSource.shape)],
      [of('http'), ['source', 'rateLimit'], keys(HttpSource.shape.rateLimit.unwrap().shape)],
      [of('http'), ['source', 'points', '*'], [...keys(HttpSamplePoint.shape), ...keys(HttpEventPoint.shape)]],
      [of('snmp'), ['source'], keys(SnmpSource.in.shape)],
      [of('snmp'), ['source', 'user'], keys(SnmpUser.shape)],
      [of('snmp'), ['source', 'points', '*'], keys(SnmpPoint.shape)],
      [[...of('mqtt'), ...of('http')], ['source', 'points', '*', 'decoder'], PayloadDecoder.options.flatMap((o) => keys(o.shape))],
    ];
    for (const [subset, at, expected] of expectations) expect([...keysAt(subset, at)].sort(), at.join('.') || 'device').toEqual([...new Set(expected)].sort());
  });
});

describe('a point table exported and imported again', () => {
  for (const [name, site] of [
    ['the demo site', DEMO],
    ['a site with every protocol', EVERY],
  ] as const) {
    for (const ext of ['csv', 'xlsx']) {
      it(`leaves ${name} byte-identical (${ext.toUpperCase()})`, async () => {
        const file = await copyOf(site);
        const before = await readFile(file);
        const table = await exported(site, file, ext);
        const out = await importPoints(table, file);
        expect(out.fatal).toEqual([]);
        expect(out.result?.problems).toEqual([]);
        expect(out.result?.used).toBe(out.rowsRead);
        expect(out).toMatchObject({ unchanged: true, written: false });
        expect(await readFile(file)).toEqual(before);
        // Not only equal: the merge writes every value back in its place, key order and all.
        const rows = rowsOfSheet(await readTableFile(table)).rows;
        expect(JSON.stringify(mergePointTable(await rawSite(site), rows).site, null, 2)).toBe(JSON.stringify(await rawSite(site), null, 2));
      });
    }
  }

  for (const ext of ['csv', 'xlsx']) {
    it(`restores every key of every protocol in a site file edited since, byte for byte (${ext.toUpperCase()})`, async () => {
      const file = await copyOf(EVERY);
      const table = await exported(EVERY, file, ext);
      const edited = (await readFile(EVERY, 'utf8')).replace('"pollMs": 2000', '"pollMs": 5000').replace('"privProtocol": "aes256b"', '"privProtocol": "aes"').replace('"autoClearSeconds": 3600', '"autoClearSeconds": 60');
      expect(edited).not.toBe(await readFile(EVERY, 'utf8'));
      await writeFile(file, edited);
      const out = await importPoints(table, file);
      expect(out.result?.problems).toEqual([]);
      expect(out.written).toBe(true);
      expect(out.result?.updatedDevices).toEqual(['pm-t2-db2', 'fire-panel-t2', 'ups-t2-it']);
      expect(await readFile(file, 'utf8')).toBe(await readFile(EVERY, 'utf8'));
      expect(await readFile(`${file}.bak`, 'utf8')).toBe(edited);
    });

    it(`recreates every device of every protocol in a site without devices, byte for byte (${ext.toUpperCase()})`, async () => {
      const file = await emptyOf(EVERY);
      const out = await importPoints(await exported(EVERY, file, ext), file);
      expect(out.result?.problems).toEqual([]);
      expect(out.result?.addedDevices).toEqual(['pm-t2-db2', 'pump-fire-1', 'leak-t2-b2', 'elevator-t2-b', 'chiller-t2', 'ahu-t2-roof', 'fire-panel-t2', 'ups-t2-it', 'ats-t2']);
      // Its secrets are named by environment variable: the names travel, and are what the import lists.
      expect(out.result?.passwordEnv).toEqual(['LEAK_T2_B2_PASSWORD', 'LIFT_T2_PASSWORD', 'FIRE_PANEL_T2_TOKEN', 'UPS_T2_AUTH_KEY', 'UPS_T2_PRIV_KEY', 'ATS_T2_COMMUNITY']);
      expect(await readFile(file, 'utf8')).toBe(await readFile(EVERY, 'utf8'));
      expect(await loadSiteFile(file)).toEqual(await loadSiteFile(EVERY));
    });

    it(`recreates the demo devices in a site without devices, secrets written in the file becoming variables (${ext.toUpperCase()})`, async () => {
      const file = await emptyOf(DEMO);
      const out = await importPoints(await exported(DEMO, file, ext), file);
      expect(out.result?.problems).toEqual([]);
      const names = ['MQTT_PASSWORD_LEAK_B1_PUMP_ROOM', 'MQTT_PASSWORD_LEAK_12F_RISER', 'MQTT_PASSWORD_PM_B1_DB1', 'SNMP_AUTH_KEY_UPS_B1_IT', 'SNMP_PRIV_KEY_UPS_B1_IT'];
      expect(out.result?.passwordEnv).toEqual(names);
      const demo = await rawSite(DEMO);
      expect((await rawSite(file))['devices']).toEqual(withEnvSecrets(demo['devices'], names));
    });
  }
});
