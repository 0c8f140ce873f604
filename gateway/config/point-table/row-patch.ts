import { UPS_MIB_POINTS } from '../../../adapters/snmp/ups-mib.js';
import type { ColumnKey } from './columns.js';
import { DEVICE_FIELDS } from './device-fields.js';
import { within, type Field, type FieldContext } from './field.js';
import { objectAt, type Json } from './json-tree.js';
import { pointFields } from './point-fields.js';
import type { Protocol } from './protocols.js';
import { fillSecrets } from './secret-env.js';
import { sourceFields } from './source-fields.js';
import type { TableRow } from './table-rows.js';

/** The `type` cell of a row that lists a point of the UPS-MIB mapping, not a point of its own. */
export const MAPPING_TYPE = 'ups-mib';

/** Whether a point of an SNMP device's rows is one of its mapping's (listed for reading). */
export function isMappingRow(protocol: Protocol, row: TableRow, points: readonly Json[]): boolean {
  const c = row.cells;
  return protocol === 'snmp' && c.type === MAPPING_TYPE && !points.some((p) => p['id'] === c.pointId) && UPS_MIB_POINTS.some((m) => m.id === c.pointId);
}

/** The columns a row of this protocol may fill: its own ids, the device's, the source's, the point's. */
export function columnsOf(protocol: Protocol): ReadonlySet<ColumnKey> {
  return new Set<ColumnKey>(['deviceId', 'pointId', 'protocol', ...[...DEVICE_FIELDS, ...sourceFields(protocol), ...pointFields(protocol)].map((f) => f.column)]);
}

export interface CellProblem {
  readonly column: ColumnKey;
  readonly message: string;
}

/**
 * Applies one row's cells to a device object (raw site-file JSON), in place: the device's
 * columns, its source's, and the point's (added or updated). A blank cell changes nothing, so
 * what the table does not say stays as the site file has it. Returns the cells it could not read.
 */
export function applyRow(device: Json, protocol: Protocol, row: TableRow, isNew: boolean): CellProblem[] {
  const c = row.cells;
  const ctx: FieldContext = { deviceId: String(device['id']) };
  const problems: CellProblem[] = [];
  const apply = (fields: readonly Field[], target: Json): void => {
    for (const f of fields) {
      const cell = c[f.column];
      const problem = cell === undefined ? null : f.write(target, cell, ctx);
      if (problem !== null) problems.push({ column: f.column, message: problem });
    }
  };
  apply(DEVICE_FIELDS, device);
  const source = objectAt(device, 'source');
  source['protocol'] = protocol;
  apply(sourceFields(protocol), source);
  fillSecrets(source, protocol, ctx.deviceId, isNew);
  const points = Array.isArray(source['points']) ? (source['points'] as Json[]) : [];
  if (isMappingRow(protocol, row, points)) {
    // A mapping's point is named by the mapping: its row only says the device uses it.
    source['mapping'] = MAPPING_TYPE;
    return problems;
  }
  if (!Array.isArray(source['points'])) source['points'] = points;
  let point = points.find((p) => p['id'] === c.pointId);
  if (point === undefined) {
    point = { id: c.pointId };
    points.push(point);
  }
  apply(pointFields(protocol), point);
  return problems;
}

/** Which column a problem at this path inside a device came from, for the row's message. */
export function columnOf(path: readonly PropertyKey[], protocol: Protocol): ColumnKey | undefined {
  const [first, second, third, ...rest] = path.map(String);
  if (first !== 'source') return path.length === 1 && first === 'id' ? 'deviceId' : findOwner(DEVICE_FIELDS, path);
  if (second === 'protocol') return 'protocol';
  if (second !== 'points') return findOwner(sourceFields(protocol), path.slice(1));
  if (third === undefined || rest.length === 0) return 'pointId';
  return rest.length === 1 && rest[0] === 'id' ? 'pointId' : findOwner(pointFields(protocol), rest);
}

/** The field that owns `path`, or whose own path lies under it (`user` missing: the login column). */
function findOwner(fields: readonly Field[], path: readonly PropertyKey[]): ColumnKey | undefined {
  return (fields.find((f) => f.owns.some((o) => within(path, o))) ?? fields.find((f) => f.owns.some((o) => within(o, path.map(String)))))?.column;
}
