import { z } from 'zod';
import { Identifier, PointName, ValueRange } from '../../core/schema-parts.js';

// One SNMP point of a source: the OID it reads, the type it must answer with, and how to read the answer.

/** The SMI types a point may declare; the answer must carry that type or the reading is bad. */
export const SNMP_VALUE_TYPES = ['integer', 'gauge32', 'counter32', 'counter64', 'timeticks', 'octet-string'] as const;
export type SnmpValueType = (typeof SNMP_VALUE_TYPES)[number];

const Mapped = z.union([z.number(), z.boolean(), z.string()]);

export const SnmpPoint = z.strictObject({
  id: Identifier,
  name: PointName.optional(),
  /** Numeric OID of one instance, e.g. `1.3.6.1.2.1.33.1.4.1.0` (scalars end in `.0`). */
  oid: z.string().regex(/^\.?[0-2](\.\d+)+$/, 'expected a numeric OID such as 1.3.6.1.2.1.33.1.4.1.0').transform((s) => s.replace(/^\./, '')),
  /** The type the agent must answer with; omitted: any number or string is taken. */
  type: z.enum(SNMP_VALUE_TYPES).optional(),
  /** value = raw * scale + offset (numbers only; TimeTicks are hundredths of a second). */
  scale: z.number().default(1),
  offset: z.number().default(0),
  /** Enumerated values: the raw integer (as text) to what the gateway reads, `{ "5": true }`. */
  map: z.record(z.string().regex(/^-?\d+$/, 'expected an integer key'), Mapped).optional(),
  /** With `map`: the value for a raw integer the map does not name; without it such a value is a bad reading. */
  otherwise: Mapped.optional(),
  unit: z.string().optional(),
  range: ValueRange.optional(),
});
export type SnmpPoint = z.infer<typeof SnmpPoint>;
export type SnmpPointInput = z.input<typeof SnmpPoint>;
