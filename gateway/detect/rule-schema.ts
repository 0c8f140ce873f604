import { z } from 'zod';

/**
 * Per-device overrides of built-in fault parameters, and custom rules. Owned by gateway/detect;
 * the built-in fault table decides which keys each fault accepts.
 */
export const FaultOverride = z.union([z.literal(false), z.record(z.string(), z.unknown())]);
export const FaultOverrides = z.record(z.string(), FaultOverride);

export const CustomRule = z.record(z.string(), z.unknown());
export type CustomRule = z.infer<typeof CustomRule>;
