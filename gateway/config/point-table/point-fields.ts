import { OBJECT_TYPES } from '../../../adapters/bacnet/object-types.js';
import { deadband, decoder, json, number, range, text } from './cell-codec.js';
import { at, type Field } from './field.js';
import type { Protocol } from './protocols.js';

const names = [at('pointName', ['name', 'zh'], text), at('pointNameEn', ['name', 'en'], text)];
const scaling = [at('scale', ['scale'], number), at('offset', ['offset'], number)];
const unit = at('unit', ['unit'], text);
const valueRange = at('range', ['range'], range);
const payload = at('type', ['decoder'], decoder);

/** BACnet: the object as `object-type:instance` (`analog-input:1`). */
const bacnetObject: Field = {
  column: 'address',
  owns: [['objectType'], ['instance']],
  read: (p) => (p['objectType'] === undefined ? undefined : `${String(p['objectType'])}:${String(p['instance'])}`),
  write: (p, cell) => {
    const m = /^([a-z-]+):(\d+)$/.exec(cell);
    if (m === null) return `expected OBJECT-TYPE:INSTANCE such as analog-input:1 (${Object.keys(OBJECT_TYPES).join(', ')}), got "${cell}"`;
    p['objectType'] = m[1];
    p['instance'] = Number(m[2]);
    return null;
  },
};

/**
 * HTTP push: every point of a device arrives at `/ingest/DEVICE`, which the export writes for
 * whoever sets up the device; it is not a setting, so only that address is taken back.
 */
const pushAddress: Field = {
  column: 'address',
  owns: [],
  read: (_p, ctx) => `/ingest/${ctx.deviceId}`,
  write: (_p, cell, ctx) => (cell === `/ingest/${ctx.deviceId}` ? null : `an HTTP push device posts every point to /ingest/${ctx.deviceId}; leave the address blank or write that, got "${cell}"`),
};

/** Each protocol's point settings (adapters/PROTOCOL/config.ts), in the order of its schema. */
const BY_PROTOCOL: Readonly<Record<Protocol, readonly Field[]>> = {
  mqtt: [...names, at('address', ['topic'], text), payload, unit, valueRange],
  modbus: [
    ...names,
    at('table', ['table'], text),
    at('address', ['address'], number),
    at('type', ['type'], text),
    at('wordOrder', ['wordOrder'], text),
    at('byteOrder', ['byteOrder'], text),
    ...scaling,
    at('bit', ['bit'], number),
    unit,
    valueRange,
  ],
  opcua: [...names, at('address', ['nodeId'], text), at('pointSamplingMs', ['samplingMs'], number), at('queueSize', ['queueSize'], number), at('deadband', ['deadband'], deadband), unit, valueRange],
  bacnet: [...names, bacnetObject, ...scaling, unit, valueRange],
  http: [
    at('pointKind', ['kind'], text),
    ...names,
    pushAddress,
    payload,
    unit,
    valueRange,
    at('textPath', ['textPath'], text),
    at('raises', ['raises'], json),
    at('clears', ['clears'], json),
    at('autoClearSeconds', ['autoClearSeconds'], number),
  ],
  snmp: [...names, at('address', ['oid'], text), at('type', ['type'], text), ...scaling, at('map', ['map'], json), at('otherwise', ['otherwise'], json), unit, valueRange],
};

export function pointFields(protocol: Protocol): readonly Field[] {
  return BY_PROTOCOL[protocol];
}
