import { Identifier } from '../../../adapters/schema-parts.js';
import { formatPath } from '../load-site.js';
import { Device } from '../site-schema.js';
import { DEVICE_COLUMNS, type ColumnKey } from './columns.js';
import { getPath, isObject, type Json } from './json-tree.js';
import { inSchemaOrder } from './key-order.js';
import { isProtocol, PROTOCOLS } from './protocols.js';
import { applyRow, columnOf, columnsOf } from './row-patch.js';
import { secretEnvNames } from './secret-env.js';
import type { TableRow } from './table-rows.js';

export interface RowProblem {
  readonly row: number;
  readonly message: string;
}

export interface ImportResult {
  /** The site file with the table merged in (a new object; the input is not changed). */
  readonly site: Json;
  readonly problems: readonly RowProblem[];
  readonly used: number;
  readonly addedDevices: readonly string[];
  readonly updatedDevices: readonly string[];
  readonly addedPoints: number;
  /** The environment variables the new devices' secrets (passwords, tokens, communities, keys) are read from. */
  readonly passwordEnv: readonly string[];
}

/**
 * Merges point-table rows into a site file (raw JSON): devices and points are added or updated by
 * id, nothing the table does not name is dropped. A row that would leave its device or point
 * invalid is not used; its problem names the row and the column.
 */
export function mergePointTable(input: Json, rows: readonly TableRow[]): ImportResult {
  const site = structuredClone(input);
  const devices = Array.isArray(site['devices']) ? (site['devices'] as unknown[]) : (site['devices'] = []);
  const problems: RowProblem[] = [];
  const firstRowOf = new Map<string, TableRow>();
  const seenPoints = new Map<string, number>();
  const added = new Set<string>();
  const updated = new Set<string>();
  let addedPoints = 0;
  let used = 0;
  for (const r of rows) {
    const c = r.cells;
    const bad = (message: string): void => void problems.push({ row: r.row, message: `${message}${c.deviceId === undefined ? '' : ` (device ${c.deviceId}${c.pointId === undefined ? '' : `, point ${c.pointId}`})`}` });
    const ids = (['deviceId', 'pointId'] as const).map((k) => (c[k] === undefined ? `${k}: required` : Identifier.safeParse(c[k]).success ? null : `${k}: "${c[k]}" is not an identifier (letters, digits, ".", "-", "_")`));
    const idProblem = ids.find((p) => p !== null);
    if (idProblem !== undefined && idProblem !== null) {
      bad(idProblem);
      continue;
    }
    const deviceId = c.deviceId ?? '';
    const key = `${deviceId}/${c.pointId ?? ''}`;
    const earlier = seenPoints.get(key);
    if (earlier !== undefined) {
      bad(`the same point is already on row ${earlier}`);
      continue;
    }
    const first = firstRowOf.get(deviceId);
    const clash = first === undefined ? undefined : DEVICE_COLUMNS.find((k) => c[k] !== undefined && first.cells[k] !== undefined && c[k] !== first.cells[k]);
    if (clash !== undefined && first !== undefined) {
      bad(`${clash}: "${c[clash] ?? ''}" differs from row ${first.row} ("${first.cells[clash] ?? ''}") for the same device`);
      continue;
    }
    const index = devices.findIndex((d) => isObject(d) && d['id'] === deviceId);
    const existing = index < 0 ? undefined : (devices[index] as Json);
    const had = existing === undefined ? undefined : (existing['source'] as Json | undefined)?.['protocol'];
    const protocol = c.protocol ?? (typeof had === 'string' ? had : undefined);
    if (!isProtocol(protocol)) {
      bad(`protocol: expected ${PROTOCOLS.join(', ')}${protocol === undefined ? '' : `, got "${protocol}"`}`);
      continue;
    }
    if (had !== undefined && had !== protocol) {
      bad(`protocol: the site file has this device on ${String(had)}, the row says ${protocol}; change the site file by hand to move a device to another protocol`);
      continue;
    }
    const allowed = columnsOf(protocol);
    const foreign = (Object.keys(c) as ColumnKey[]).filter((k) => !allowed.has(k));
    if (foreign.length > 0) {
      for (const k of foreign) bad(`${k}: not a column of ${protocol} devices; leave it blank`);
      continue;
    }
    const candidate: Json = existing === undefined ? { id: deviceId } : structuredClone(existing);
    const pointsBefore = countPoints(candidate);
    const cellProblems = applyRow(candidate, protocol, r, existing === undefined || added.has(deviceId));
    if (cellProblems.length > 0) {
      for (const p of cellProblems) bad(`${p.column}: ${p.message}`);
      continue;
    }
    const wasValid = existing === undefined || Device.safeParse(existing).success;
    const check = Device.safeParse(candidate);
    if (!check.success && wasValid) {
      const said = new Set<string>();
      for (const issue of check.error.issues) {
        // A part the row left out reads as that: "connection: required", not "expected number, received undefined".
        const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_value') && getPath(candidate, issue.path.map(String)) === undefined;
        said.add(`${columnOf(issue.path, protocol) ?? formatPath(issue.path)}: ${missing ? 'required' : issue.message}`);
      }
      for (const message of said) bad(message);
      continue;
    }
    if (existing === undefined) {
      devices.push(candidate);
      added.add(deviceId);
    } else {
      devices[index] = candidate;
      if (!added.has(deviceId)) updated.add(deviceId);
    }
    if (countPoints(candidate) > pointsBefore) addedPoints++;
    if (first === undefined) firstRowOf.set(deviceId, r);
    seenPoints.set(key, r.row);
    used++;
  }
  const passwordEnv: string[] = [];
  devices.forEach((d, i) => {
    if (!isObject(d) || !added.has(String(d['id'])) || !isObject(d['source']) || !isProtocol(d['source']['protocol'])) return;
    const protocol = d['source']['protocol'];
    passwordEnv.push(...secretEnvNames(d['source'], protocol));
    devices[i] = inSchemaOrder(d, protocol);
  });
  return { site, problems, used, addedDevices: [...added], updatedDevices: [...updated], addedPoints, passwordEnv };
}

function countPoints(device: Json): number {
  const source = device['source'];
  return isObject(source) && Array.isArray(source['points']) ? source['points'].length : 0;
}
