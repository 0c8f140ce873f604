import { UPS_MIB_POINTS } from '../../../adapters/snmp/ups-mib.js';
import type { CellValue } from './cell-codec.js';
import { COLUMNS, headerOf, type ColumnKey } from './columns.js';
import { DEVICE_FIELDS } from './device-fields.js';
import type { Field, FieldContext } from './field.js';
import { isObject, type Json } from './json-tree.js';
import { pointFields } from './point-fields.js';
import { isProtocol } from './protocols.js';
import { MAPPING_TYPE } from './row-patch.js';
import { sourceFields } from './source-fields.js';
import type { Sheet } from './table-file.js';

type Cells = Partial<Record<ColumnKey, CellValue>>;

/**
 * The point table of a site file, header first: one row per point, in the order of the file.
 * It is made from the file as written (raw JSON, checked by the caller), not as parsed: a cell is
 * blank where the file leaves a setting to its default, so importing the table again writes back
 * the same file, and into a site without devices writes the same devices. Columns no device uses
 * are left out, except the ones integrators fill most (`always` in columns.ts).
 */
export function pointTableOf(site: Json): Sheet {
  const devices = Array.isArray(site['devices']) ? site['devices'].filter(isObject) : [];
  const rows = devices.flatMap(rowsOfDevice);
  const used = COLUMNS.filter((c) => c.always || rows.some((r) => r[c.key] !== undefined)).map((c) => c.key);
  return [used.map(headerOf), ...rows.map((cells) => used.map((k) => cells[k] ?? ''))];
}

function rowsOfDevice(device: Json): Cells[] {
  const source = isObject(device['source']) ? device['source'] : {};
  const protocol = source['protocol'];
  if (!isProtocol(protocol)) return [];
  const ctx: FieldContext = { deviceId: String(device['id']) };
  const deviceCells: Cells = { deviceId: ctx.deviceId, ...cellsOf(DEVICE_FIELDS, device, ctx), protocol, ...cellsOf(sourceFields(protocol), source, ctx) };
  const points = Array.isArray(source['points']) ? source['points'].filter(isObject) : [];
  return [...mappingRows(source, points), ...points.map((p) => ({ ...cellsOf(pointFields(protocol), p, ctx), pointId: String(p['id']) }))].map((cells) => ({ ...deviceCells, ...cells }));
}

/**
 * The points a mapping gives an SNMP device (those its own points do not replace), listed for
 * reading: a row typed `ups-mib` tells an import the device uses the mapping, nothing more.
 */
function mappingRows(source: Json, points: readonly Json[]): Cells[] {
  if (source['mapping'] !== MAPPING_TYPE) return [];
  const own = new Set(points.map((p) => p['id']));
  return UPS_MIB_POINTS.filter((m) => !own.has(m.id)).map((m) => ({ pointId: m.id, address: m.oid, type: MAPPING_TYPE, ...(m.unit === undefined ? {} : { unit: m.unit }) }));
}

function cellsOf(fields: readonly Field[], target: Json, ctx: FieldContext): Cells {
  const out: Cells = {};
  for (const f of fields) {
    const v = f.read(target, ctx);
    if (v !== undefined) out[f.column] = v;
  }
  return out;
}
