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

/**
 * BACnet: `IP[:PORT] device INSTANCE` for a device on the gateway's IP network, or
 * `network N mac M [via IP[:PORT]] device INSTANCE` for one behind a router: the MAC as a decimal
 * MS/TP station (0-254) or `0x` and the octets in hex for another data link.
 */
const bacnetConnection: Field = {
  column: 'connection',
  owns: [['address'], ['network'], ['mac'], ['router'], ['deviceInstance']],
  read: (s) => {
    const device = `device ${String(s['deviceInstance'])}`;
    if (s['address'] !== undefined) return `${String(s['address'])} ${device}`;
    if (s['network'] === undefined) return undefined;
    const mac = typeof s['mac'] === 'string' ? `0x${s['mac']}` : String(s['mac']);
    return `network ${String(s['network'])} mac ${mac}${s['router'] === undefined ? '' : ` via ${String(s['router'])}`} ${device}`;
  },
  write: (s, cell) => {
    const direct = /^(\S+)\s+device\s+(\d+)$/i.exec(cell);
    const routed = /^network\s+(\d+)\s+mac\s+(0x[0-9a-f]+|\d+)(?:\s+via\s+(\S+))?\s+device\s+(\d+)$/i.exec(cell);
    let next: Json;
    if (routed !== null) {
      const mac = routed[2] ?? '';
      next = { network: Number(routed[1]), mac: /^0x/i.test(mac) ? mac.slice(2) : Number(mac), ...(routed[3] === undefined ? {} : { router: routed[3] }), deviceInstance: Number(routed[4]) };
    } else if (direct !== null && !/^network$/i.test(direct[1] ?? '')) next = { address: direct[1], deviceInstance: Number(direct[2]) };
    else return `expected IP[:PORT] device INSTANCE (e.g. 192.168.10.21:47808 device 1001), or network N mac M [via ROUTER-IP[:PORT]] device INSTANCE for a device behind a router (e.g. network 5 mac 12 device 1001), got "${cell}"`;
    // The keys the cell does not name go; those it names keep their place in the file.
    for (const k of ['address', 'network', 'mac', 'router']) if (!(k in next)) delete s[k];
    assign(s, next);
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
    at('trapHost', ['trapHost'], text),
  ],
};

export function sourceFields(protocol: Protocol): readonly Field[] {
  return BY_PROTOCOL[protocol].filter((f): f is Field => f !== null);
}
