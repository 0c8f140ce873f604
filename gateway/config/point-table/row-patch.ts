import type { ColumnKey, TableRow } from './columns.js';

type Json = Record<string, unknown>;
type Protocol = 'mqtt' | 'modbus' | 'opcua' | 'snmp';

/** The `type` cell of a point that comes from the UPS-MIB mapping, not from its own OID. */
export const MAPPING_TYPE = 'ups-mib';

/**
 * Applies one row's cells to a device object (raw site-file JSON), in place: the device-level
 * columns, the source's connection, and the point (added or updated). A blank cell changes
 * nothing, so what the table does not say (ranges, passwords, rules, fault overrides) stays.
 */
export function applyRow(device: Json, protocol: Protocol, row: TableRow): void {
  const c = row.cells;
  setIf(device, 'kind', c.deviceKind);
  setIf(device, 'name', c.deviceName);
  const location = objectAt(device, 'location');
  setIf(location, 'building', c.building);
  setIf(location, 'floor', c.floor);
  setIf(location, 'description', c.place);
  const source = objectAt(device, 'source');
  source['protocol'] = protocol;
  if (c.connection !== undefined) applyConnection(source, protocol, c.connection, String(device['id']));
  if (protocol === 'modbus') setIf(source, 'unitId', num(c.unitId));
  const points = Array.isArray(source['points']) ? (source['points'] as Json[]) : (source['points'] = []);
  // A mapping point is named by the mapping; its row only says the device uses it.
  if (protocol === 'snmp' && c.type === MAPPING_TYPE && !points.some((p) => p['id'] === c.pointId)) {
    source['mapping'] = MAPPING_TYPE;
    if (points.length === 0) delete source['points'];
    return;
  }
  let point = points.find((p) => p['id'] === c.pointId);
  if (point === undefined) {
    point = { id: c.pointId };
    points.push(point);
  }
  if (c.pointName !== undefined) point['name'] = { ...(isObject(point['name']) ? point['name'] : {}), zh: c.pointName };
  setIf(point, 'unit', c.unit);
  if (protocol === 'modbus') {
    setIf(point, 'table', c.table);
    setIf(point, 'address', num(c.address));
    for (const k of ['type', 'wordOrder', 'byteOrder'] as const) setIf(point, k, c[k]);
    setIf(point, 'scale', num(c.scale));
    setIf(point, 'offset', num(c.offset));
  } else if (protocol === 'opcua') {
    setIf(point, 'nodeId', c.address);
  } else if (protocol === 'snmp') {
    setIf(point, 'oid', c.address);
    setIf(point, 'type', c.type);
    setIf(point, 'scale', num(c.scale));
    setIf(point, 'offset', num(c.offset));
  } else {
    setIf(point, 'topic', c.address);
    if (c.type !== undefined) point['decoder'] = mqttDecoder(c.type, point['decoder']);
  }
}

/** Which column a problem at this path inside a device came from, for the row's message. */
export function columnOf(path: readonly PropertyKey[]): ColumnKey | undefined {
  const key = String(path.at(-1) ?? '');
  const inPoint = path.includes('points');
  const byKey: Record<string, ColumnKey> = inPoint
    ? { table: 'table', address: 'address', nodeId: 'address', oid: 'address', topic: 'address', type: 'type', decoder: 'type', path: 'type', wordOrder: 'wordOrder', byteOrder: 'byteOrder', scale: 'scale', offset: 'offset', unit: 'unit', zh: 'pointName', id: 'pointId' }
    : { kind: 'deviceKind', name: 'deviceName', building: 'building', floor: 'floor', description: 'place', unitId: 'unitId', id: 'deviceId', host: 'connection', port: 'connection', path: 'connection', baudRate: 'connection', endpoint: 'connection', username: 'connection', transport: 'connection' };
  return byKey[key] ?? (path.includes('transport') ? 'connection' : undefined);
}

/** Modbus `HOST:PORT` or `RTU:/dev/ttyUSB0@9600`; OPC UA the endpoint URL; MQTT the device's login. */
function applyConnection(source: Json, protocol: Protocol, text: string, deviceId: string): void {
  if (protocol === 'opcua') {
    source['endpoint'] = text;
    return;
  }
  if (protocol === 'snmp') {
    const [host, port] = text.split(':');
    source['host'] = host;
    if (port !== undefined) source['port'] = num(port);
    // A community or key never travels in a spreadsheet: a new device reads its community from the environment.
    if (source['user'] === undefined) source['community'] ??= { env: `SNMP_COMMUNITY_${deviceId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}` };
    return;
  }
  if (protocol === 'mqtt') {
    source['username'] = text;
    // A password never travels in a spreadsheet: a new device reads its own from the environment.
    source['password'] ??= { env: `MQTT_PASSWORD_${deviceId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}` };
    return;
  }
  const old = isObject(source['transport']) ? source['transport'] : {};
  const rtu = /^rtu:(.+?)(?:@(\d+))?$/i.exec(text);
  if (rtu !== null) {
    const path = rtu[1] ?? '';
    source['transport'] = { ...(old['type'] === 'rtu' ? old : {}), type: 'rtu', path, ...(rtu[2] === undefined ? {} : { baudRate: Number(rtu[2]) }) };
    return;
  }
  const tcp = /^(?:tcp:\/\/)?([^:/\s]+)(?::(\S*))?$/i.exec(text);
  if (tcp === null) {
    source['transport'] = text; // the schema says what is wrong with it
    return;
  }
  const port = tcp[2] === undefined ? (old['type'] === 'tcp' ? old['port'] : undefined) : num(tcp[2]);
  source['transport'] = { type: 'tcp', host: tcp[1], ...(port === undefined ? {} : { port }) };
}

/** `json` (path `value`), `json:data.wet`, `number` or `boolean`; a bare type keeps the decoder it had. */
function mqttDecoder(text: string, old: unknown): unknown {
  const [type, ...rest] = text.split(':');
  const path = rest.join(':');
  if (isObject(old) && old['type'] === type && path === '') return old;
  if (type === 'json') return { type: 'json', path: path === '' ? 'value' : path };
  return { type };
}

function setIf(target: Json, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

function objectAt(target: Json, key: string): Json {
  const v = target[key];
  if (isObject(v)) return v;
  const fresh: Json = {};
  target[key] = fresh;
  return fresh;
}

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A number cell; text that is not a number stays text so the schema names the mistake. */
function num(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}
