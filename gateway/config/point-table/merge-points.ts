import { Identifier } from '../../../adapters/schema-parts.js';
import { formatPath } from '../load-site.js';
import { Device } from '../site-schema.js';
import type { ColumnKey, TableRow } from './columns.js';
import { applyRow, columnOf, isObject } from './row-patch.js';

type Json = Record<string, unknown>;

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
  /** New MQTT devices' passwords and new SNMP devices' communities, read from these environment variables. */
  readonly passwordEnv: readonly string[];
}

const PROTOCOLS = ['mqtt', 'modbus', 'opcua', 'snmp'] as const;
const DEVICE_COLUMNS: readonly ColumnKey[] = ['deviceKind', 'deviceName', 'building', 'floor', 'place', 'protocol', 'connection', 'unitId'];

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
    if (protocol === undefined || !(PROTOCOLS as readonly string[]).includes(protocol)) {
      bad(`protocol: expected ${PROTOCOLS.join(', ')}${protocol === undefined ? '' : `, got "${protocol}"`}`);
      continue;
    }
    if (had !== undefined && had !== protocol) {
      bad(`protocol: the site file has this device on ${String(had)}, the row says ${protocol}; change the site file by hand to move a device to another protocol`);
      continue;
    }
    const candidate: Json = existing === undefined ? { id: deviceId } : structuredClone(existing);
    const pointsBefore = countPoints(candidate);
    applyRow(candidate, protocol as (typeof PROTOCOLS)[number], r);
    const wasValid = existing === undefined || Device.safeParse(existing).success;
    const check = Device.safeParse(candidate);
    if (!check.success && wasValid) {
      for (const issue of check.error.issues) {
        const column = columnOf(issue.path);
        bad(`${column ?? formatPath(issue.path)}: ${issue.message}`);
      }
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
  const passwordEnv = [...added].flatMap((id) => {
    const d = devices.find((x) => isObject(x) && x['id'] === id) as Json;
    const source = d['source'] as Json;
    const pw = source['password'] ?? source['community'];
    return isObject(pw) && typeof pw['env'] === 'string' ? [pw['env']] : [];
  });
  return { site, problems, used, addedDevices: [...added], updatedDevices: [...updated], addedPoints, passwordEnv };
}

function countPoints(device: Json): number {
  const source = device['source'];
  return isObject(source) && Array.isArray(source['points']) ? source['points'].length : 0;
}
