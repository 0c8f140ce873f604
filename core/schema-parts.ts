import { z } from 'zod';

/** Identifiers used in topics, URLs and file names: letters, digits, dot, dash, underscore. */
export const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected an identifier of letters, digits, ".", "-" or "_" (max 64)');

/** A secret given inline or, better, by the name of an environment variable that holds it. */
export const SecretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name') }),
  z.strictObject({ value: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof SecretRef>;

/** Optional bounds: a value outside them is a bad reading (GW_READING_INVALID), not a fault. */
export const ValueRange = z.strictObject({ min: z.number().optional(), max: z.number().optional() });

/** What staff call a point, from the site file (`{ "zh": "出水压力", "en": "Outlet pressure" }`); default: the built-in words for its id. */
export const PointName = z.strictObject({ zh: z.string().min(1), en: z.string().min(1).optional() });

/**
 * A default every parsed value shares, for `.default(sharedDefault(...))`. Given a plain object,
 * zod copies it for each value that takes it (`{ ...value }`), and each copy of a site file's
 * point or device, once frozen, got a hidden class of its own: 4,000 points made 4,000 copies of
 * the same decoder, about 0.8 MB (docs/performance.md, run K). The site file is frozen after
 * parsing, so one frozen value serves every point.
 */
export function sharedDefault<T>(value: T): () => T {
  const shared = deepFreeze(value);
  return () => shared;
}

/** Freezes a value and everything in it (a part already frozen is taken as frozen throughout). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
