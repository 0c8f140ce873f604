import { z } from 'zod';

/** The built-in faults a device may tune or switch off (DESIGN "Built-in faults"). */
export const FaultId = z.enum([
  'water-leak',
  'burst-pipe',
  'sump-high-level',
  'pump-failure',
  'elevator-entrapment',
  'elevator-out-of-service',
  'power-loss',
  'overcurrent',
  'device-offline',
  'battery-low',
]);
export type FaultId = z.infer<typeof FaultId>;

/**
 * Per-device overrides of a built-in fault's parameters (`{ "onDelaySeconds": 10 }`, see
 * docs in README), or `false` to switch the fault off for that device.
 */
export const FaultOverride = z.union([z.literal(false), z.record(z.string(), z.number())]);
export const FaultOverrides = z.partialRecord(FaultId, FaultOverride);

/**
 * Custom rules are not supported yet: refuse them rather than accept rules that would never fire.
 */
export const CustomRule = z.never({ error: 'custom rules are not supported yet; tune a built-in fault under "faults" instead' });
