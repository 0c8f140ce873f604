import { Identifier } from '../../../core/schema-parts.js';
import { formatPath } from '../load-site.js';
import { Device } from '../site-schema.js';
import { DEVICE_COLUMNS, type ColumnKey } from './columns.js';
import { getPath, isObject, type Json } from './json-tree.js';
import { isProtocol, PROTOCOLS } from './protocols.js';
import { applyRow, columnOf, columnsOf } from './row-patch.js';
import type { TableRow } from './table-rows.js';

/** What the rows merged so far have done to the site's devices. */
export interface MergeState {
  readonly devices: unknown[];
  /** Each device a row touched, as it was before the import (undefined: the import added it). */
  readonly before: Map<string, Json | undefined>;
  /** The rows used for each device, in order. */
  readonly rowsOf: Map<string, TableRow[]>;
  /** How many points each device's rows added. */
  readonly pointsAdded: Map<string, number>;
  /** `deviceId/pointId` to the row that named it. */
  readonly seenPoints: Map<string, number>;
}

/**
 * Merges one row into the devices, or leaves everything as it was and says why: each problem in
 * words, starting with the column it is in. The row is used only if its device stays valid.
 */
export function mergeRow(state: MergeState, r: TableRow): string[] {
  const c = r.cells;
  const ids = (['deviceId', 'pointId'] as const).map((k) => (c[k] === undefined ? `${k}: required` : Identifier.safeParse(c[k]).success ? null : `${k}: "${c[k]}" is not an identifier (letters, digits, ".", "-", "_")`));
  const idProblem = ids.find((p) => p !== null);
  if (idProblem !== undefined && idProblem !== null) return [idProblem];
  const deviceId = c.deviceId ?? '';
  const key = `${deviceId}/${c.pointId ?? ''}`;
  const earlier = state.seenPoints.get(key);
  if (earlier !== undefined) return [`the same point is already on row ${earlier}`];
  const first = state.rowsOf.get(deviceId)?.[0];
  const clash = first === undefined ? undefined : DEVICE_COLUMNS.find((k) => c[k] !== undefined && first.cells[k] !== undefined && c[k] !== first.cells[k]);
  if (clash !== undefined && first !== undefined) return [`${clash}: "${c[clash] ?? ''}" differs from row ${first.row} ("${first.cells[clash] ?? ''}") for the same device`];
  const index = state.devices.findIndex((d) => isObject(d) && d['id'] === deviceId);
  const existing = index < 0 ? undefined : (state.devices[index] as Json);
  const had = existing === undefined ? undefined : (existing['source'] as Json | undefined)?.['protocol'];
  const protocol = c.protocol ?? (typeof had === 'string' ? had : undefined);
  if (!isProtocol(protocol)) return [`protocol: expected ${PROTOCOLS.join(', ')}${protocol === undefined ? '' : `, got "${protocol}"`}`];
  if (had !== undefined && had !== protocol) return [`protocol: the site file has this device on ${String(had)}, the row says ${protocol}; change the site file by hand to move a device to another protocol`];
  const allowed = columnsOf(protocol);
  const foreign = (Object.keys(c) as ColumnKey[]).filter((k) => !allowed.has(k));
  if (foreign.length > 0) return foreign.map((k) => `${k}: not a column of ${protocol} devices; leave it blank`);
  const isNew = existing === undefined || (state.before.has(deviceId) && state.before.get(deviceId) === undefined);
  const candidate: Json = existing === undefined ? { id: deviceId } : structuredClone(existing);
  const pointsBefore = countPoints(candidate);
  const cellProblems = applyRow(candidate, protocol, r, isNew);
  if (cellProblems.length > 0) return cellProblems.map((p) => `${p.column}: ${p.message}`);
  const wasValid = existing === undefined || Device.safeParse(existing).success;
  const check = Device.safeParse(candidate);
  if (!check.success && wasValid) {
    const said = new Set<string>();
    for (const issue of check.error.issues) {
      // A part the row left out reads as that: "connection: required", not "expected number, received undefined".
      const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_value') && getPath(candidate, issue.path.map(String)) === undefined;
      said.add(`${columnOf(issue.path, protocol) ?? formatPath(issue.path)}: ${missing ? 'required' : issue.message}`);
    }
    return [...said];
  }
  if (!state.before.has(deviceId)) state.before.set(deviceId, existing === undefined ? undefined : structuredClone(existing));
  if (existing === undefined) state.devices.push(candidate);
  else state.devices[index] = candidate;
  state.pointsAdded.set(deviceId, (state.pointsAdded.get(deviceId) ?? 0) + (countPoints(candidate) > pointsBefore ? 1 : 0));
  state.rowsOf.set(deviceId, [...(state.rowsOf.get(deviceId) ?? []), r]);
  state.seenPoints.set(key, r.row);
  return [];
}

function countPoints(device: Json): number {
  const source = device['source'];
  return isObject(source) && Array.isArray(source['points']) ? source['points'].length : 0;
}
