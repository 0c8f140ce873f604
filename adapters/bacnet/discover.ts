import type { Clock } from '../../core/clock.js';
import { BacnetSession, type Outcome, type StackModule } from './bacnet-session.js';
import { normalAddress } from './config.js';
import { macText, type StackReceiver } from './device-address.js';
import { ForeignRegistration } from './foreign-registration.js';
import { NetworkLayer, type SendPath } from './network-layer.js';
import { DEVICE_OBJECT_TYPE, OBJECT_TYPES, PROP, UNIT_WORDS, objectTypeName, type ObjectTypeName } from './object-types.js';

export interface DiscoverOptions {
  /** Ask one address (`ip:port`, a device or a router) rather than broadcast. */
  readonly target?: string;
  /** Where Who-Is is broadcast: `ip:port` (default 255.255.255.255:47808). */
  readonly broadcast?: string;
  /** Register with this BBMD as a foreign device and broadcast through it (Annex J.5). */
  readonly bbmd?: { readonly address: string; readonly ttlSeconds: number };
  /** Ask only on this network (a remote broadcast, DNET with no DADR); default every network (DNET 0xFFFF). */
  readonly network?: number;
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
  /** `address` for a device on the asking network; `network`, `mac` and the `router` it answered through for one behind a router. */
  readonly source: { readonly protocol: 'bacnet'; readonly deviceInstance: number; readonly address?: string; readonly network?: number; readonly mac?: number | string; readonly router?: string; readonly points: FoundPoint[] };
  /** The multi-state objects' state texts, for the operator (not part of the site file). */
  readonly states?: Record<string, string[]>;
}

/**
 * Who-Is as a global broadcast (so routers pass it on), through the BBMD when one is given; then
 * for each I-Am: the device's name and object-list, and each supported object's name, units and
 * state texts, as site-file devices. A device behind a router is asked through that router and
 * printed with its network and MAC. Objects of other types are left out.
 */
export async function discover(stack: StackModule, o: DiscoverOptions, deps: { clock: Clock }): Promise<{ devices: FoundDevice[]; problems: string[] }> {
  const session = new BacnetSession(stack, { clock: deps.clock, bind: o.bind, maxTimeoutMs: o.timeoutMs, onSocketError: () => undefined });
  const problems: string[] = [];
  let registration: ForeignRegistration | null = null;
  try {
    await session.open();
    const client = session.client;
    const transport = session.transport;
    if (client === null || transport === null) return { devices: [], problems: ['the socket did not open'] };
    const network = new NetworkLayer(transport);
    const heard = new Map<string, { instance: number; to: StackReceiver }>();
    client.on('iAm', (c: { header?: { sender?: { address?: string; net?: number; adr?: number[] } }; payload: { deviceId: number } }) => {
      const s = c.header?.sender;
      if (s?.address === undefined) return;
      const to: StackReceiver = s.net === undefined || s.adr === undefined ? { address: s.address } : { address: s.address, net: s.net, adr: s.adr };
      heard.set(`${s.address}/${s.net ?? ''}/${(s.adr ?? []).join('.')}/${c.payload.deviceId}`, { instance: c.payload.deviceId, to });
    });
    let path: SendPath = o.target !== undefined ? { via: 'unicast', address: o.target } : { via: 'local', address: o.broadcast ?? '255.255.255.255:47808' };
    if (o.bbmd !== undefined) {
      registration = new ForeignRegistration({ bbmd: o.bbmd.address, ttlSeconds: o.bbmd.ttlSeconds, timeoutMs: o.timeoutMs, backoff: { baseMs: 1000, capMs: 1000 } }, { network, clock: deps.clock, onChange: () => undefined });
      await registration.start();
      const s = registration.state;
      if (s.state !== 'registered') return { devices: [], problems: ['reason' in s ? `${s.code}: ${s.reason}` : 'not registered with the BBMD'] };
      if (o.target === undefined) path = { via: 'bbmd', address: normalAddress(o.bbmd.address) };
    }
    const limits = o.lowLimit !== undefined && o.highLimit !== undefined ? { lowLimit: o.lowLimit, highLimit: o.highLimit } : undefined;
    network.whoIs(path, { ...(o.network === undefined ? {} : { network: o.network }), ...(limits === undefined ? {} : { limits }) });
    await new Promise<void>((r) => deps.clock.setTimeout(r, o.waitMs));
    const devices: FoundDevice[] = [];
    for (const d of [...heard.values()].sort((a, b) => a.instance - b.instance)) {
      const found = await describeDevice(session, d.to, d.instance, o.timeoutMs, problems);
      if (found !== null) devices.push(found);
    }
    return { devices, problems };
  } finally {
    registration?.stop();
    await session.close();
  }
}

async function read(session: BacnetSession, to: StackReceiver, type: number, instance: number, prop: number, timeoutMs: number): Promise<Outcome<unknown[]>> {
  const o = await session.request(`ReadProperty ${prop} of ${type}:${instance} at ${where(to)}`, timeoutMs, (c) => c.readProperty(to, { type, instance }, prop));
  return o.ok ? { ok: true, value: o.value.values.map((v) => v.value) } : o;
}

/** `ip:port`, or `network N MAC m via ip:port` for a device behind a router. */
function where(to: StackReceiver): string {
  return to.net === undefined ? to.address : `network ${to.net} MAC ${String(macText(Buffer.from(to.adr ?? [])))} via ${to.address}`;
}

async function describeDevice(session: BacnetSession, to: StackReceiver, instance: number, timeoutMs: number, problems: string[]): Promise<FoundDevice | null> {
  const address = where(to);
  const nameO = await read(session, to, DEVICE_OBJECT_TYPE, instance, PROP.objectName, timeoutMs);
  const deviceName = nameO.ok && typeof nameO.value[0] === 'string' ? nameO.value[0] : `BACnet device ${instance}`;
  const listO = await read(session, to, DEVICE_OBJECT_TYPE, instance, PROP.objectList, timeoutMs);
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
    const n = await read(session, to, oid.type, oid.instance, PROP.objectName, timeoutMs);
    const objectName = n.ok && typeof n.value[0] === 'string' && n.value[0] !== '' ? n.value[0] : `${typeName} ${oid.instance}`;
    const id = uniqueId(pointId(objectName, typeName, oid.instance), ids);
    let unit: string | undefined;
    if (OBJECT_TYPES[typeName].kind === 'analog') {
      const u = await read(session, to, oid.type, oid.instance, PROP.units, timeoutMs);
      const code = u.ok ? u.value[0] : undefined;
      if (typeof code === 'number') unit = UNIT_WORDS[code] ?? `bacnet-unit-${code}`;
    } else if (OBJECT_TYPES[typeName].kind === 'multistate') {
      const t = await read(session, to, oid.type, oid.instance, PROP.stateText, timeoutMs);
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
    source: { protocol: 'bacnet', deviceInstance: instance, ...(to.net === undefined ? { address: to.address } : { network: to.net, mac: macText(Buffer.from(to.adr ?? [])), router: to.address }), points },
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
