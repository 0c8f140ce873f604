import { BacnetPoint, BacnetSource } from '../../../adapters/bacnet/config.js';
import { PayloadDecoder } from '../../../adapters/decode/payload-decoder.js';
import { HttpEventPoint, HttpSamplePoint, HttpSource } from '../../../adapters/http-push/config.js';
import { ModbusPoint, ModbusSource, ModbusTransport } from '../../../adapters/modbus/config.js';
import { MqttPoint, MqttSource } from '../../../adapters/mqtt/config.js';
import { OpcuaPoint, OpcuaSource } from '../../../adapters/opcua/config.js';
import { PointName, ValueRange } from '../../../core/schema-parts.js';
import { SnmpSource, SnmpUser } from '../../../adapters/snmp/config.js';
import { SnmpPoint } from '../../../adapters/snmp/point-schema.js';
import { Device } from '../site-schema.js';
import { Location } from '../../../core/vocabulary.js';
import { inOrder, isObject, type Json } from './json-tree.js';
import type { Protocol } from './protocols.js';

const keys = (shape: object): string[] => Object.keys(shape);

/** Both shapes' keys, the first's order kept and the second's others after it. */
const merged = (a: object, b: object): string[] => [...new Set([...keys(a), ...keys(b)])];

const SOURCE: Readonly<Record<Protocol, readonly string[]>> = {
  mqtt: keys(MqttSource.shape),
  modbus: keys(ModbusSource.shape),
  opcua: keys(OpcuaSource.shape),
  bacnet: keys(BacnetSource.shape),
  http: keys(HttpSource.shape),
  snmp: keys(SnmpSource.in.shape),
};

const POINT: Readonly<Record<Protocol, readonly string[]>> = {
  mqtt: keys(MqttPoint.shape),
  modbus: keys(ModbusPoint.shape),
  opcua: keys(OpcuaPoint.shape),
  bacnet: keys(BacnetPoint.shape),
  http: merged(HttpSamplePoint.shape, HttpEventPoint.shape),
  snmp: keys(SnmpPoint.shape),
};

/** Objects inside a source or point, by the key they sit at. */
const NESTED: Readonly<Record<string, readonly string[]>> = {
  transport: ModbusTransport.options.reduce<string[]>((all, o) => [...new Set([...all, ...keys(o.shape)])], []),
  user: keys(SnmpUser.shape),
  rateLimit: keys(HttpSource.shape.rateLimit.unwrap().shape),
  name: keys(PointName.shape),
  range: keys(ValueRange.shape),
  decoder: PayloadDecoder.options.reduce<string[]>((all, o) => [...new Set([...all, ...keys(o.shape)])], []),
  deadband: ['type', 'value'],
};

function withNested(value: Json, order: readonly string[]): Json {
  const out = inOrder(value, order);
  for (const [key, v] of Object.entries(out)) {
    const nested = NESTED[key];
    if (nested !== undefined && isObject(v)) out[key] = inOrder(v, nested);
  }
  return out;
}

/**
 * A device made by the import, its keys in the order of the schema (id, kind, name... source,
 * faults, rules; inside the source its settings, then the points): the order its rows happened
 * to give them is no order a person would write. Fault overrides and rules stay as given.
 */
export function inSchemaOrder(device: Json, protocol: Protocol): Json {
  const out = inOrder(device, keys(Device.shape));
  if (isObject(out['location'])) out['location'] = inOrder(out['location'], keys(Location.shape));
  const source = out['source'];
  if (!isObject(source)) return out;
  const s = withNested(source, SOURCE[protocol]);
  if (Array.isArray(s['points'])) s['points'] = s['points'].map((p: unknown) => (isObject(p) ? withNested(p, POINT[protocol]) : p));
  out['source'] = s;
  return out;
}
