import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pointTableOf } from '../../gateway/config/point-table/export-points.js';
import { readTableFile, type Sheet } from '../../gateway/config/point-table/table-file.js';

type Json = Record<string, unknown>;

/** A site file as written (raw JSON), as export-points reads it. */
export async function rawSite(file: string): Promise<Json> {
  return JSON.parse(await readFile(file, 'utf8')) as Json;
}

/** The point table of a site file, as export-points writes it. */
export async function tableOfSite(file: string): Promise<Sheet> {
  return pointTableOf(await rawSite(file));
}

/** A sheet of the given rows, each by column key; the header names every key any row uses. */
export function sheetOf(rows: readonly Readonly<Record<string, string | number>>[]): Sheet {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [keys, ...rows.map((r) => keys.map((k) => r[k] ?? ''))];
}

/** The same sheet as CSV text (no quoting needed by the tests' cells but commas are quoted). */
export function csvOf(sheet: Sheet): string {
  return `${sheet.map((r) => r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replaceAll('"', '""')}"` : String(c))).join(',')).join('\r\n')}\r\n`;
}

/** The template's rows with some made bad, and a new Modbus meter added. */
export async function tableWithBadRows(): Promise<Sheet> {
  const sheet = (await readTableFile(path.resolve('config/points-template.csv'))) as Sheet;
  const header = sheet[0] ?? [];
  const col = (key: string): number => header.findIndex((h) => String(h).startsWith(`${key} `));
  const row = (n: number): (string | number)[] => sheet[n - 1] ?? [];
  row(3)[col('deviceKind')] = 'toaster'; // row 3: another device kind than row 2 gave the same device
  row(11)[col('address')] = 'forty'; // row 11: a register address that is not a number
  row(13)[col('pointId')] = 'flow rate'; // row 13: not an identifier
  row(17)[col('protocol')] = 'bacnet'; // row 17: another protocol than the device's first row
  const meter = header.map(() => '' as string | number);
  const put = (k: string, v: string | number): void => void (meter[col(k)] = v);
  for (const [k, v] of Object.entries({ deviceId: 'pm-2', deviceKind: 'power-meter', deviceName: '2# 电表', building: 'T1', floor: 'B1', place: 'B1 配电室', protocol: 'modbus', connection: '127.0.0.1:5021', unitId: 3, pointId: 'voltageA', address: 0, table: 'input-register', type: 'float32', wordOrder: 'little', unit: 'V' })) put(k, v);
  return [...sheet, meter, [...meter.map((v, i) => (i === col('pointId') ? 'voltageB' : i === col('address') ? 2 : i === col('type') ? 'float64' : v))]];
}
