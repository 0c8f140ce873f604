import type { ReadingValue } from '../../core/reading.js';
import type { SnmpPoint, SnmpValueType } from './point-schema.js';

/** The SMI type tags on the wire (RFC 2578 / RFC 3416), as net-snmp reports them. */
export const SMI = {
  integer: 2,
  'octet-string': 4,
  null: 5,
  oid: 6,
  ipAddress: 64,
  counter32: 65,
  gauge32: 66,
  timeticks: 67,
  opaque: 68,
  counter64: 70,
  noSuchObject: 128,
  noSuchInstance: 129,
  endOfMibView: 130,
} as const;

const TYPE_NAME: Readonly<Record<number, string>> = {
  2: 'Integer', 4: 'OctetString', 5: 'Null', 6: 'OID', 64: 'IpAddress', 65: 'Counter32', 66: 'Gauge32',
  67: 'TimeTicks', 68: 'Opaque', 70: 'Counter64', 128: 'noSuchObject', 129: 'noSuchInstance', 130: 'endOfMibView',
};
const TAG_OF: Readonly<Record<SnmpValueType, number>> = {
  integer: SMI.integer, gauge32: SMI.gauge32, counter32: SMI.counter32, counter64: SMI.counter64, timeticks: SMI.timeticks, 'octet-string': SMI['octet-string'],
};

export function smiTypeName(tag: number): string {
  return TYPE_NAME[tag] ?? `type ${tag}`;
}

/** What one varbind became: a value, or why it is not one (with the code it is counted under). */
export type Decoded = { readonly ok: true; readonly value: ReadingValue } | { readonly ok: false; readonly code: 'GW_SNMP_NO_SUCH_OBJECT' | 'GW_READING_INVALID'; readonly reason: string };

export interface Varbind {
  readonly oid: string;
  readonly type?: number;
  readonly value?: unknown;
}

/** Counter64 arrives as a big-endian byte string of up to 8 bytes. */
function counter64(b: Uint8Array): number {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return Number(n);
}

function raw(vb: Varbind): number | string | undefined {
  const v = vb.value;
  if (vb.type === SMI.counter64 && v instanceof Uint8Array) return counter64(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** Decodes one varbind for one point: type check, enum map, scale and offset, range. */
export function decodeVarbind(p: SnmpPoint, vb: Varbind): Decoded {
  const tag = vb.type ?? -1;
  if (tag === SMI.noSuchObject || tag === SMI.noSuchInstance || tag === SMI.endOfMibView) {
    return { ok: false, code: 'GW_SNMP_NO_SUCH_OBJECT', reason: `${smiTypeName(tag)} at ${p.oid}` };
  }
  if (p.type !== undefined && TAG_OF[p.type] !== tag) {
    return { ok: false, code: 'GW_READING_INVALID', reason: `expected ${smiTypeName(TAG_OF[p.type])} at ${p.oid}, got ${smiTypeName(tag)}` };
  }
  const v = raw(vb);
  if (v === undefined) return { ok: false, code: 'GW_READING_INVALID', reason: `${smiTypeName(tag)} at ${p.oid} is not a number or text` };
  if (p.map !== undefined) {
    const key = typeof v === 'number' ? String(Math.trunc(v)) : v.trim();
    const mapped = p.map[key] ?? p.otherwise;
    if (mapped === undefined) return { ok: false, code: 'GW_READING_INVALID', reason: `${v} at ${p.oid} is not one of ${Object.keys(p.map).join(', ')}` };
    return { ok: true, value: mapped };
  }
  if (typeof v === 'string') {
    if (p.scale === 1 && p.offset === 0 && tag === SMI['octet-string'] && p.range === undefined) return { ok: true, value: v };
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n)) return { ok: false, code: 'GW_READING_INVALID', reason: `"${v.slice(0, 40)}" at ${p.oid} is not a number` };
    return scaled(p, n);
  }
  return scaled(p, v);
}

function scaled(p: SnmpPoint, n: number): Decoded {
  const value = n * p.scale + p.offset;
  if (!Number.isFinite(value)) return { ok: false, code: 'GW_READING_INVALID', reason: `${value} at ${p.oid} is not finite` };
  const r = p.range;
  if (r !== undefined && ((r.min !== undefined && value < r.min) || (r.max !== undefined && value > r.max))) {
    return { ok: false, code: 'GW_READING_INVALID', reason: `${value} at ${p.oid} outside the valid range` };
  }
  return { ok: true, value };
}
