import { z } from 'zod';
import { FaultId } from '../../core/fault-catalogue.js';

/**
 * Per-device overrides of a built-in fault's parameters (`{ "onDelaySeconds": 10 }`, see
 * docs/faults.md), or `false` to switch the fault off for that device.
 */
export const FaultOverride = z.union([z.literal(false), z.record(z.string(), z.number())]);
export const FaultOverrides = z.partialRecord(FaultId, FaultOverride);

const PointId = z.string().min(1);

/** The detector kinds, as conditions on the points of one device (docs/faults.md). */
const Threshold = z
  .strictObject({
    kind: z.literal('threshold'),
    point: PointId,
    above: z.number().optional(),
    below: z.number().optional(),
    /** Once active, the value must come back past the limit by this much to clear. */
    hysteresis: z.number().min(0).default(0),
  })
  .refine((c) => (c.above === undefined) !== (c.below === undefined), { message: 'expected exactly one of "above" or "below"' });

const State = z.strictObject({ kind: z.literal('state'), point: PointId, equals: z.union([z.boolean(), z.number(), z.string()]) });

/** The value moved by at least this much within the window (a pressure that falls fast). */
const Rate = z
  .strictObject({
    kind: z.literal('rate'),
    point: PointId,
    windowSeconds: z.number().positive().max(110),
    fallsBy: z.number().positive().optional(),
    risesBy: z.number().positive().optional(),
  })
  .refine((c) => (c.fallsBy === undefined) !== (c.risesBy === undefined), { message: 'expected exactly one of "fallsBy" or "risesBy"' });

/** No good reading of the point for this long (a sensor that stopped while the device still talks). */
const NoData = z.strictObject({ kind: z.literal('no-data'), point: PointId, seconds: z.number().positive() });

export const Condition = z.union([Threshold, State, Rate, NoData]);
export type Condition = z.infer<typeof Condition>;

const Composite = z
  .strictObject({ kind: z.literal('composite'), all: z.array(Condition).min(2).optional(), any: z.array(Condition).min(2).optional() })
  .refine((c) => (c.all === undefined) !== (c.any === undefined), { message: 'expected exactly one of "all" or "any"' });

const RuleCommon = z.strictObject({
  /** The fault id on the ticket; must not be a built-in fault's. */
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,48}$/, 'expected a lower-case id such as "chiller-supply-hot"')
    .refine((id) => !(FaultId.options as readonly string[]).includes(id), 'this is a built-in fault id; tune it under "faults" instead'),
  tier: z.enum(['emergency', 'general', 'low']),
  skill: z.enum(['plumbing', 'electrical', 'elevator', 'hvac', 'fire', 'iot', 'general']),
  title: z.strictObject({ zh: z.string().min(1), en: z.string().min(1) }),
  onDelaySeconds: z.number().min(0).default(0),
  offDelaySeconds: z.number().min(0).default(0),
});

/** A custom rule: one condition (or a composite of several) with its tier, skill and words. */
export const CustomRule = RuleCommon.extend({ when: z.union([Condition, Composite]) });
export type CustomRule = z.infer<typeof CustomRule>;

/** The points a rule reads, for checking them against the device and re-evaluating on readings. */
export function conditionsOf(rule: CustomRule): Condition[] {
  const w = rule.when;
  return w.kind === 'composite' ? [...(w.all ?? w.any ?? [])] : [w];
}
