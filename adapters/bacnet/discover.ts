import type { Clock } from '../../gateway/clock.js';
import { BacnetSession, type Outcome, type StackModule } from './bacnet-session.js';
import { DEVICE_OBJECT_TYPE, OBJECT_TYPES, PROP, UNIT_WORDS, objectTypeName, type ObjectTypeName } from './object-types.js';

export interface DiscoverOptions {
  /** Ask one address (`ip:port`) rather than broadcast; what tests and routed sites use. */
  readonly target?: string;
  /** Where Who-Is is broadcast: `ip:port` (default 255.255.255.255:47808). */
  readonly broadcast?: string;
  /** Where our socket binds; broadcast I-Ams go to 47808, so a broadcast needs that port. */
  readonly bind: { readonly host: string; readonly port: number };
  /** How long to listen for I-Am, ms. */
  readonly waitMs: number;
  readonly timeoutMs: number;
  readonly lowLimit?: number;
  readonly highLimit?: number;
}

export interface FoundPoint {
  readonly id: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly objectType: ObjectTypeName;
  readonly instance: number;
  readonly unit?: string;
}

/** A site-file device (kind and location to be filled in by the operator). */
export interface FoundDevice {
  readonly id: string;
  readonly kind: 'generic';
  readonly name: string;
  readonly location: { readonly building: string; readonly floor: string; readonly description: string };
  readonly source: { readonly protocol: 'bacnet'; readonly deviceInstance: number; readonly address: string; readonly points: FoundPoint[] };
  /** The multi-state objects' state texts, for the operator (not part of the site file). */
  readonly states?: Record<string, string[]>;
}

/**
 * Who-Is, then for each I-Am: the device's name and object-list, and each supported object's
 * name, units and state texts, as site-file devices. Objects of other types are left out.
 */
export async function discover(stack: StackModule, o: DiscoverOptions, deps: { clock: Clock }): Promise<{ devices: FoundDevice[]; problems: string[] }> {
  const session = new BacnetSession(stack, { clock: deps.clock, bind: o.bind, maxTimeoutMs: o.timeoutMs, onSocketError: () => undefined });
  const problems: string[] = [];
  try {
    await session.open();
    const client = session.client;
    if (client === null) return { devices: [], problems: ['the socket did not open'] };
    const heard = new Map<string, { instance: number; address: string }>();
    client.on('iAm', (c: { header?: { sender?: { address?: string } }; payload: { deviceId: number } }) => {
      const address = c.header?.sender?.address;
      if (address !== undefined) heard.set(`${address}/${c.payload.deviceId}`, { instance: c.payload.deviceId, address });
    });
    const limits = o.lowLimit !== undefined && o.highLimit !== undefined ? { lowLimit: o.lowLimit, highLimit: o.highLimit } : {};
    if (o.target !== undefined) client.whoIs({ address: o.target }, limits);
    else client.whoIs({ address: o.broadcast ?? '255.255.255.255:47808' }, limits);
    await new Promise<void>((r) => deps.clock.setTimeout(r, o.waitMs));
    const devices: FoundDevice[] = [];
    for (const d of [...heard.values()].sort((a, b) => a.instance - b.instance)) {
      const found = await describeDevice(session, d.address, d.instance, o.timeoutMs, problems);
      if (found !== null) devices.push(found);
    }
    return { devices, problems };
  } finally {
    await session.close();
  }
}

async function read(session: BacnetSession, address: string, type: number, instance: number, prop: number, timeoutMs: number): Promise<Outcome<unknown[]>> {
  const o = await session.request(`ReadProperty ${prop} of ${type}:${instance} at ${address}`, timeoutMs, (c) => c.readProperty({ address }, { type, instance }, prop));
  return o.ok ? { ok: true, value: o.value.values.map((v) => v.value) } : o;
}

async function describeDevice(session: BacnetSession, address: string, instance: number, timeoutMs: number, problems: string[]): Promise<FoundDevice | null> {
  const nameO = await read(session, address, DEVICE_OBJECT_TYPE, instance, PROP.objectName, timeoutMs);
  const deviceName = nameO.ok && typeof nameO.value[0] === 'string' ? nameO.value[0] : `BACnet device ${instance}`;
  const listO = await read(session, address, DEVICE_OBJECT_TYPE, instance, PROP.objectList, timeoutMs);
  if (!listO.ok) {
    problems.push(`device ${instance} at ${address}: ${listO.reason}`);
    return null;
  }
  const points: FoundPoint[] = [];
  const states: Record<string, string[]> = {};
  const ids = new Set<string>();
  for (const raw of listO.value) {
    const oid = raw as { type?: number; instance?: number };
    if (typeof oid.type !== 'number' || typeof oid.instance !== 'number') continue;
    const typeName = objectTypeName(oid.type);
    if (typeName === undefined) continue;
    const n = await read(session, address, oid.type, oid.instance, PROP.objectName, timeoutMs);
    const objectName = n.ok && typeof n.value[0] === 'string' && n.value[0] !== '' ? n.value[0] : `${typeName} ${oid.instance}`;
    const id = uniqueId(pointId(objectName, typeName, oid.instance), ids);
    let unit: string | undefined;
    if (OBJECT_TYPES[typeName].kind === 'analog') {
      const u = await read(session, address, oid.type, oid.instance, PROP.units, timeoutMs);
      const code = u.ok ? u.value[0] : undefined;
      if (typeof code === 'number') unit = UNIT_WORDS[code] ?? `bacnet-unit-${code}`;
    } else if (OBJECT_TYPES[typeName].kind === 'multistate') {
      const t = await read(session, address, oid.type, oid.instance, PROP.stateText, timeoutMs);
      if (t.ok) states[id] = t.value.filter((x): x is string => typeof x === 'string');
    }
    points.push({ id, name: { zh: objectName, en: objectName }, objectType: typeName, instance: oid.instance, ...(unit === undefined || unit === '' ? {} : { unit }) });
  }
  if (points.length === 0) {
    problems.push(`device ${instance} at ${address}: no analog, binary or multi-state objects`);
    return null;
  }
  return {
    id: uniqueId(slug(deviceName) || `bacnet-${instance}`, new Set()),
    kind: 'generic',
    name: deviceName,
    location: { building: 'TODO', floor: 'TODO', description: `TODO: where ${deviceName} is` },
    source: { protocol: 'bacnet', deviceInstance: instance, address, points },
    ...(Object.keys(states).length === 0 ? {} : { states }),
  };
}

/** `CHW supply temperature` -> `chwSupplyTemperature`: an identifier the site file accepts. */
function pointId(name: string, typeName: string, instance: number): string {
  const words = name.match(/[A-Za-z0-9]+/g) ?? [];
  const id = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]?.toUpperCase() + w.slice(1).toLowerCase())).join('').slice(0, 60);
  return /^[A-Za-z0-9]/.test(id) ? id : `${typeName}-${instance}`;
}

function slug(name: string): string {
  return (name.toLowerCase().match(/[a-z0-9]+/g) ?? []).join('-').slice(0, 60);
}

function uniqueId(id: string, taken: Set<string>): string {
  let out = id;
  for (let i = 2; taken.has(out); i++) out = `${id}-${i}`;
  taken.add(out);
  return out;
}
