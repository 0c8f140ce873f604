import type { ReadingValue } from '../../core/reading.js';

/**
 * The object types a point may name, with their BACnet numbers (ASHRAE 135, clause 21,
 * BACnetObjectType) and how their present-value reads: REAL for analog, BACnetBinaryPV
 * (ENUMERATED 0 inactive / 1 active) for binary, Unsigned (1..number-of-states) for multi-state.
 */
export const OBJECT_TYPES = {
  'analog-input': { type: 0, kind: 'analog' },
  'analog-output': { type: 1, kind: 'analog' },
  'analog-value': { type: 2, kind: 'analog' },
  'binary-input': { type: 3, kind: 'binary' },
  'binary-output': { type: 4, kind: 'binary' },
  'binary-value': { type: 5, kind: 'binary' },
  'multi-state-input': { type: 13, kind: 'multistate' },
  'multi-state-output': { type: 14, kind: 'multistate' },
  'multi-state-value': { type: 19, kind: 'multistate' },
} as const;
export type ObjectTypeName = keyof typeof OBJECT_TYPES;
export type ObjectKind = (typeof OBJECT_TYPES)[ObjectTypeName]['kind'];

/** The device object (type 8): discovery reads its object-list. */
export const DEVICE_OBJECT_TYPE = 8;

/** Property identifiers used here (clause 21, BACnetPropertyIdentifier). */
export const PROP = {
  objectList: 76,
  objectName: 77,
  presentValue: 85,
  statusFlags: 111,
  systemStatus: 112,
  units: 117,
  stateText: 110,
} as const;

export function objectTypeName(type: number): ObjectTypeName | undefined {
  for (const [name, t] of Object.entries(OBJECT_TYPES)) if (t.type === type) return name as ObjectTypeName;
  return undefined;
}

/**
 * A present-value as the reading carries it, or undefined when its type does not fit the object
 * (a device that answers a REAL for a binary input is reporting nonsense, not a value).
 */
export function presentValueOf(kind: ObjectKind, raw: unknown, scale: number, offset: number): ReadingValue | undefined {
  if (typeof raw === 'boolean') return kind === 'binary' ? raw : undefined;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return undefined;
  if (kind === 'binary') return raw === 1 ? true : raw === 0 ? false : undefined;
  if (kind === 'multistate') return Number.isInteger(raw) && raw >= 1 ? raw : undefined;
  return raw * scale + offset;
}

/** A few engineering units by their BACnetEngineeringUnits number, as people write them. */
export const UNIT_WORDS: Readonly<Record<number, string>> = {
  62: '°C',
  64: '°F',
  98: '%',
  53: 'Pa',
  54: 'kPa',
  55: 'bar',
  5: 'V',
  3: 'A',
  48: 'kW',
  19: 'kWh',
  135: 'm3/h',
  87: 'l/s',
  95: '',
};
