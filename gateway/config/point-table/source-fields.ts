import { boolean, json, number, text, type CellCodec } from './cell-codec.js';
import { at, type Field } from './field.js';
import { isObject, type Json } from './json-tree.js';
import type { Protocol } from './protocols.js';
import { secretEnvField } from './secret-env.js';

/** `HOST:PORT`, `HOST` (the default port), `[v6::addr]:PORT`. */
function hostPort(text: string): { host: string; port?: number | string } | null {
  const m = /^(?:\[([^\]]+)\]|([^:/\s[\]]+))(?::(\S*))?$/.exec(text);
  if (m === null) return null;
  const port = m[3];
  const n = Number(port);
  return { host: m[1] ?? m[2] ?? '', ...(port === undefined ? {} : { port: port !== '' && Number.isFinite(n) ? n : port }) };
}

function showHostPort(host: unknown, port: unknown): string {
  const h = String(host).includes(':') ? `[${String(host)}]` : String(host);
  return port === undefined ? h : `${h}:${String(port)}`;
}

/** Sets what a cell names on `target`, keeping the keys it does not name (and their order). */
function assign(target: Json, values: Json): void {
  for (const [k, v] of Object.entries(values)) target[k] = v;
}

/** Modbus: `HOST:PORT` (TCP) or `RTU:/dev/ttyUSB0@9600` (the baud rate may be left to its default). */
const modbusConnection: Field = {
  column: 'connection',
  owns: [['transport']],
  read: (s) => {
    const t = s['transport'];
    if (!isObject(t)) return undefined;
    if (t['type'] === 'rtu') return `RTU:${String(t['path'])}${t['baudRate'] === undefined ? '' : `@${String(t['baudRate'])}`}`;
    return showHostPort(t['host'], t['port']);
  },
  write: (s, cell) => {
    const old = isObject(s['transport']) ? s['transport'] : null;
    const rtu = /^rtu:(.+?)(?:@(\d+))?$/i.exec(cell);
    const tcp = rtu === null ? hostPort(cell.replace(/^tcp:\/\//i, '')) : null;
    if (rtu === null && tcp === null) return `expected HOST:PORT (TCP) or RTU:/dev/ttyUSB0@9600 (a serial line), got "${cell}"`;
    const next: Json = rtu === null ? { type: 'tcp', ...tcp } : { type: 'rtu', path: rtu[1], ...(rtu[2] === undefined ? {} : { baudRate: Number(rtu[2]) }) };
    if (old !== null && old['type'] === next['type']) assign(old, next);
    else s['transport'] = next;
    return null;
  },
};

/** Serial settings: only on an RTU line. */
function serial(column: 'parity' | 'dataBits' | 'stopBits', codec: CellCodec): Field {
  const plain = at(column, ['transport', column], codec);
  return {
    ...plain,
    write: (s, cell, ctx) => (isObject(s['transport']) && s['transport']['type'] === 'rtu' ? plain.write(s, cell, ctx) : `${column} applies to a serial line only (connection RTU:/dev/ttyUSB0@9600)`),
  };
}

/** SNMP: the agent's `HOST:PORT`. */
const snmpConnection: Field = {
  column: 'connection',
  owns: [['host'], ['port']],
  read: (s) => (s['host'] === undefined ? undefined : showHostPort(s['host'], s['port'])),
  write: (s, cell) => {
    const hp = hostPort(cell);
    if (hp === null) return `expected HOST:PORT of the SNMP agent, got "${cell}"`;
    assign(s, hp);
    return null;
  },
};

/** BACnet: `IP[:PORT] device INSTANCE`, where the device answers and the instance its I-Am announces. */
const bacnetConnection: Field = {
  column: 'connection',
  owns: [['address'], ['deviceInstance']],
  read: (s) => (s['address'] === undefined ? undefined : `${String(s['address'])} device ${String(s['deviceInstance'])}`),
  write: (s, cell) => {
    const m = /^(\S+)\s+device\s+(\d+)$/i.exec(cell);
    if (m === null) return `expected IP[:PORT] device INSTANCE (e.g. 192.168.10.21:47808 device 1001), got "${cell}"`;
    assign(s, { address: m[1], deviceInstance: Number(m[2]) });
    return null;
  },
};

const pollMs = at('pollMs', ['pollMs'], number);
const timeoutMs = at('timeoutMs', ['timeoutMs'], number);
const retries = at('retries', ['retries'], number);

/** Each protocol's source settings (adapters/PROTOCOL/config.ts), in the order of its schema. */
const BY_PROTOCOL: Readonly<Record<Protocol, readonly (Field | null)[]>> = {
  mqtt: [at('topicPattern', ['topic'], text), at('connection', ['username'], text), secretEnvField('mqtt'), at('heartbeatSeconds', ['heartbeatSeconds'], number), at('subscribe', ['subscribe'], json)],
  modbus: [modbusConnection, serial('parity', text), serial('dataBits', number), serial('stopBits', number), at('unitId', ['unitId'], number), pollMs, timeoutMs, retries],
  opcua: [
    at('connection', ['endpoint'], text),
    at('securityMode', ['securityMode'], text),
    at('securityPolicy', ['securityPolicy'], text),
    at('login', ['username'], text),
    secretEnvField('opcua'),
    at('samplingMs', ['samplingMs'], number),
    at('publishingMs', ['publishingMs'], number),
  ],
  bacnet: [bacnetConnection, pollMs, timeoutMs, at('cov', ['cov'], boolean), at('covConfirmed', ['covConfirmed'], boolean), at('covLifetimeSeconds', ['covLifetimeSeconds'], number)],
  http: [secretEnvField('http'), at('expectEverySeconds', ['expectEverySeconds'], number), at('maxBodyBytes', ['maxBodyBytes'], number), at('ratePerSecond', ['rateLimit', 'perSecond'], number), at('rateBurst', ['rateLimit', 'burst'], number)],
  snmp: [
    snmpConnection,
    at('snmpVersion', ['version'], text),
    at('login', ['user', 'name'], text),
    at('securityLevel', ['user', 'level'], text),
    at('authProtocol', ['user', 'authProtocol'], text),
    at('privProtocol', ['user', 'privProtocol'], text),
    secretEnvField('snmp'),
    pollMs,
    timeoutMs,
    retries,
    at('maxOidsPerGet', ['maxOidsPerGet'], number),
    at('trapPort', ['trapPort'], number),
  ],
};

export function sourceFields(protocol: Protocol): readonly Field[] {
  return BY_PROTOCOL[protocol].filter((f): f is Field => f !== null);
}
