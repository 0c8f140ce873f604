import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { importPoints } from '../../../gateway/config/point-table/import-points.js';
import { parseCsv, readTableFile, writeTableFile } from '../../../gateway/config/point-table/table-file.js';
import { checkSiteFile } from '../../../gateway/config/site-check.js';
import { csvOf, sheetOf, tableOfSite, tableWithBadRows } from '../../helpers/point-table.js';
import { tempDir } from '../../helpers/temp-dir.js';

const DEMO = path.resolve('config/demo-site.json');
const BASE = path.resolve('simulators/scenarios/sites/point-table-base.json');

/** A copy of a site file (and the users file it names) in a fresh folder. */
async function siteCopy(from: string): Promise<string> {
  const dir = await tempDir('points-');
  const raw = JSON.parse(await readFile(from, 'utf8')) as Record<string, unknown>;
  await copyFile(path.resolve('config/demo-users.json'), path.join(dir, 'demo-users.json'));
  const file = path.join(dir, 'site.json');
  await writeFile(file, JSON.stringify({ ...raw, usersFile: 'demo-users.json' }, null, 2));
  return file;
}

describe('point table import and export', () => {
  it('ships a template that is the demo site point table, as CSV and XLSX', async () => {
    const demo = await tableOfSite(DEMO);
    const asText = demo.map((r) => r.map(String));
    expect(await readTableFile(path.resolve('config/points-template.csv'))).toEqual(asText);
    expect(await readTableFile(path.resolve('config/points-template.xlsx'))).toEqual(asText.map((r) => r.map((c) => c)));
  });

  it('imports the demo table into a site without devices: every point, a site check-config accepts', async () => {
    const file = await siteCopy(BASE);
    const out = await importPoints(path.resolve('config/points-template.xlsx'), file);
    expect(out.fatal).toEqual([]);
    expect(out.result?.problems).toEqual([]);
    expect(out.written).toBe(true);
    const site = await loadSiteFile(file);
    const demo = await loadSiteFile(DEMO);
    expect(site.devices.map((d) => [d.id, d.kind, d.source.protocol, d.source.points.map((p) => p.id)])).toEqual(demo.devices.map((d) => [d.id, d.kind, d.source.protocol, d.source.points.map((p) => p.id)]));
    expect(site.devices.find((d) => d.id === 'pump-dw-1')?.source).toMatchObject({ transport: { type: 'tcp', host: '127.0.0.1', port: 5020 }, unitId: 1 });
    // A secret never comes from a spreadsheet: the new MQTT devices read their passwords (and the SNMP v3 UPS its keys) from the environment.
    expect(out.result?.passwordEnv).toEqual(['MQTT_PASSWORD_LEAK_B1_PUMP_ROOM', 'MQTT_PASSWORD_LEAK_12F_RISER', 'MQTT_PASSWORD_PM_B1_DB1', 'SNMP_AUTH_KEY_UPS_B1_IT', 'SNMP_PRIV_KEY_UPS_B1_IT']);
  });

  it('re-imports its own export into the demo site without changing it', async () => {
    const file = await siteCopy(DEMO);
    const csv = path.join(path.dirname(file), 'points.csv');
    await writeTableFile(csv, await tableOfSite(file));
    const out = await importPoints(csv, file);
    expect(out.result?.problems).toEqual([]);
    expect(out).toMatchObject({ unchanged: true, written: false });
    expect(out.result?.addedDevices).toEqual([]);
    expect(out.result?.addedPoints).toBe(0);
    expect(await loadSiteFile(file)).toEqual(await loadSiteFile(DEMO));
  });

  for (const ext of ['csv', 'xlsx']) {
    it(`reports each bad row of a ${ext.toUpperCase()} table by its row number and imports the rest into a valid site`, async () => {
      const file = await siteCopy(DEMO);
      const table = path.join(path.dirname(file), `points.${ext}`);
      await writeTableFile(table, await tableWithBadRows());
      const out = await importPoints(table, file);
      const problems = out.result?.problems ?? [];
      expect(problems.map((p) => p.row)).toEqual([3, 11, 13, 17, 37]);
      expect(problems.map((p) => p.message)).toEqual([
        'deviceKind: "toaster" differs from row 2 ("leak-sensor") for the same device (device leak-b1-pump-room, point battery)',
        expect.stringMatching(/^address: .*expected number.* \(device pump-dw-1, point running\)$/),
        'pointId: "flow rate" is not an identifier (letters, digits, ".", "-", "_") (device pump-dw-1, point flow rate)',
        'protocol: "bacnet" differs from row 16 ("opcua") for the same device (device elevator-t1-a, point floor)',
        expect.stringMatching(/^type: .* \(device pm-2, point voltageB\)$/),
      ]);
      expect(out.written).toBe(true);
      expect((await checkSiteFile(file)).problems).toEqual([]);
      const site = await loadSiteFile(file);
      const meter = site.devices.find((d) => d.id === 'pm-2');
      expect(meter?.source).toMatchObject({ protocol: 'modbus', unitId: 3, transport: { host: '127.0.0.1', port: 5021 }, points: [{ id: 'voltageA', address: 0, type: 'float32', wordOrder: 'little' }] });
      // What the bad rows named is as it was: nothing dropped, nothing half-changed.
      const demo = await loadSiteFile(DEMO);
      expect(site.devices.filter((d) => d.id !== 'pm-2')).toEqual(demo.devices);
    });
  }

  it('updates what a row names and keeps what the table does not know', async () => {
    const file = await siteCopy(DEMO);
    const csv = path.join(path.dirname(file), 'points.csv');
    await writeFile(
      csv,
      csvOf(
        sheetOf([
          { deviceId: 'pump-dw-1', pointId: 'pressure', pointName: '出水压力', address: 10, scale: 0.01, unit: 'MPa' },
          { deviceId: 'pump-dw-1', pointId: 'level', pointName: '水箱液位', address: 12, table: 'input-register', type: 'uint16', scale: 0.1, unit: 'm' },
        ]),
      ),
    );
    const out = await importPoints(csv, file);
    expect(out.result?.problems).toEqual([]);
    expect(out.result?.updatedDevices).toEqual(['pump-dw-1']);
    const pump = (await loadSiteFile(file)).devices.find((d) => d.id === 'pump-dw-1');
    const demoPump = (await loadSiteFile(DEMO)).devices.find((d) => d.id === 'pump-dw-1');
    expect(pump?.source.points.map((p) => p.id)).toEqual([...(demoPump?.source.points.map((p) => p.id) ?? []), 'level']);
    expect(pump?.source.points.find((p) => p.id === 'pressure')).toMatchObject({ address: 10, type: 'float32', scale: 0.01, unit: 'MPa', name: { zh: '出水压力' } });
    expect(pump).toMatchObject({ supply: 'domestic', fedBy: 'pm-b1-db1', name: demoPump?.name, location: demoPump?.location });
    expect(await readFile(`${file}.bak`, 'utf8')).not.toEqual(await readFile(file, 'utf8'));
  });

  it('refuses a new device row that lacks what a device needs, naming each column', async () => {
    const file = await siteCopy(DEMO);
    const csv = path.join(path.dirname(file), 'points.csv');
    const rows: Record<string, string>[] = [
      { deviceId: 'fan-1', deviceKind: 'toaster', deviceName: '排风机', building: 'T1', floor: 'B1', protocol: 'bacnet', pointId: 'run' },
      { deviceId: 'fan-2', deviceKind: 'generic', deviceName: '排风机', building: 'T1', protocol: 'opcua', connection: 'http://x', pointId: 'run', address: 'ns=1;s=Fan.Run' },
      { deviceId: 'fan-3', deviceKind: 'generic', deviceName: '排风机', building: 'T1', floor: 'RF', place: '屋面', protocol: 'fieldbus', pointId: 'run' },
    ];
    await writeFile(csv, csvOf(sheetOf(rows)));
    const out = await importPoints(csv, file);
    expect(out.result?.problems).toEqual([
      { row: 2, message: expect.stringMatching(/^deviceKind: .*\(device fan-1, point run\)$/) },
      { row: 2, message: expect.stringMatching(/^place: .*\(device fan-1, point run\)$/) },
      { row: 2, message: expect.stringMatching(/^connection: .*\(device fan-1, point run\)$/) },
      { row: 2, message: expect.stringMatching(/^address: .*\(device fan-1, point run\)$/) },
      { row: 3, message: expect.stringMatching(/^floor: .*\(device fan-2, point run\)$/) },
      { row: 3, message: expect.stringMatching(/^place: .*\(device fan-2, point run\)$/) },
      { row: 3, message: 'connection: expected an opc.tcp:// URL (device fan-2, point run)' },
      { row: 4, message: 'protocol: expected mqtt, modbus, opcua, bacnet, http, snmp, got "fieldbus" (device fan-3, point run)' },
    ]);
    expect(out.result?.used).toBe(0);
    expect(await loadSiteFile(file)).toEqual(await loadSiteFile(DEMO));
  });

  it('writes nothing when the header is wrong, and says which column', async () => {
    const file = await siteCopy(DEMO);
    const before = await readFile(file, 'utf8');
    const csv = path.join(path.dirname(file), 'points.csv');
    await writeFile(csv, 'deviceId,pointId,colour\npump-dw-1,flow,red\n');
    const out = await importPoints(csv, file);
    expect(out.written).toBe(false);
    expect(out.fatal).toEqual([expect.stringContaining('row 1, column 3: unknown column "colour"')]);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('reads CSV quoting: commas, doubled quotes and line breaks inside a cell, CRLF, a BOM', () => {
    expect(parseCsv('\uFEFFa,"b,c","say ""hi""","two\nlines"\r\nx,,y\r\n')).toEqual([
      ['a', 'b,c', 'say "hi"', 'two\nlines'],
      ['x', '', 'y'],
    ]);
  });
});
