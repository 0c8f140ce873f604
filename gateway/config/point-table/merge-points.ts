import { isDeepStrictEqual } from 'node:util';
import { settleCrossReferences } from './cross-check.js';
import { isObject, type Json } from './json-tree.js';
import { inSchemaOrder } from './key-order.js';
import { isProtocol } from './protocols.js';
import { mergeRow, type MergeState } from './row-merge.js';
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
  /** Devices already in the site file that the table changed. */
  readonly updatedDevices: readonly string[];
  readonly addedPoints: number;
  /** The environment variables the new devices' secrets (passwords, tokens, communities, keys) are read from. */
  readonly passwordEnv: readonly string[];
}

/** `(device pump-1, point flow)`: which row a problem is about, in the words of the table. */
function about(r: TableRow): string {
  const c = r.cells;
  return c.deviceId === undefined ? '' : ` (device ${c.deviceId}${c.pointId === undefined ? '' : `, point ${c.pointId}`})`;
}

/**
 * Merges point-table rows into a site file (raw JSON): devices and points are added or updated by
 * id, nothing the table does not name is dropped. A row that would leave its device or point
 * invalid is not used; its problem names the row and the column. Devices the import adds are
 * written in the schema's key order.
 */
export function mergePointTable(input: Json, rows: readonly TableRow[]): ImportResult {
  const site = structuredClone(input);
  const devices = Array.isArray(site['devices']) ? (site['devices'] as unknown[]) : (site['devices'] = []);
  const original = structuredClone(devices);
  const state: MergeState = { devices, before: new Map(), rowsOf: new Map(), pointsAdded: new Map(), seenPoints: new Map() };
  const problems: RowProblem[] = [];
  for (const r of rows) {
    for (const message of mergeRow(state, r)) problems.push({ row: r.row, message: `${message}${about(r)}` });
  }
  for (const p of settleCrossReferences(state, original)) problems.push({ row: p.row.row, message: `${p.message}${about(p.row)}` });
  problems.sort((a, b) => a.row - b.row);
  const touched = [...state.before.keys()];
  const added = touched.filter((id) => state.before.get(id) === undefined);
  const passwordEnv: string[] = [];
  devices.forEach((d, i) => {
    if (!isObject(d) || !added.includes(String(d['id'])) || !isObject(d['source']) || !isProtocol(d['source']['protocol'])) return;
    const protocol = d['source']['protocol'];
    passwordEnv.push(...secretEnvNames(d['source'], protocol));
    devices[i] = inSchemaOrder(d, protocol);
  });
  return {
    site,
    problems,
    used: [...state.rowsOf.values()].reduce((n, r) => n + r.length, 0),
    addedDevices: added,
    updatedDevices: touched.filter((id) => {
      const before = state.before.get(id);
      return before !== undefined && !isDeepStrictEqual(before, devices.find((d) => isObject(d) && d['id'] === id));
    }),
    addedPoints: [...state.pointsAdded.values()].reduce((n, k) => n + k, 0),
    passwordEnv,
  };
}
