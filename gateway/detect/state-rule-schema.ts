import { z } from 'zod';
import { FaultId } from '../../core/fault-catalogue.js';

/**
 * State-aware rules (docs/faults.md "Rules that know the operating state"): the shape of the
 * ASHRAE Guideline 36 fault conditions. Inputs are named by role and may be points of other
 * devices of the same system (`chw-pump-1/running`); a rule applies only while its operating
 * state holds (`appliesWhen`), judges averages over a window (`faultWhen`), must hold for
 * `persistSeconds` before it raises, and the ticket carries every input's recent values.
 */

/** `flow` (a point of the device the rule is on) or `pump-1/flow` (a point of another device). */
export const PointRef = z
  .string()
  .regex(/^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a point id ("flow") or a device and point ("pump-1/flow")');

/** A role a rule names its inputs by (`sat`, `command`). */
export const Role = z.string().regex(/^[a-z][A-Za-z0-9]{0,31}$/, 'expected a role name such as "supplyTemp"');

const HHMM = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a site-local time "HH:MM" (24:00 for the end of the day)');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** One occupied period in the site's time zone; `to` before `from` runs past midnight. */
export const Period = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
  from: HHMM,
  to: HHMM,
});
export type Period = z.infer<typeof Period>;

/** Seconds a condition must have held without a break (a start delay: the pump on for 60 s). */
const ForSeconds = z.number().min(0).optional();
/** Judged on the mean of the input's good values over this many seconds (a rolling average). */
const AverageSeconds = z.number().positive().max(86_400).optional();

const oneOf = (a: string, b: string) => (c: Record<string, unknown>) => (c[a] === undefined) !== (c[b] === undefined);

const State = z.strictObject({ kind: z.literal('state'), input: Role, equals: z.union([z.boolean(), z.number(), z.string()]), forSeconds: ForSeconds });
const Threshold = z
  .strictObject({ kind: z.literal('threshold'), input: Role, above: z.number().optional(), below: z.number().optional(), averageSeconds: AverageSeconds, forSeconds: ForSeconds })
  .refine(oneOf('above', 'below'), { message: 'expected exactly one of "above" or "below"' });
/** `a - b` (its size with `absolute`) above or below a limit: a delta-T, a supply air temperature off its setpoint. */
const Difference = z
  .strictObject({ kind: z.literal('difference'), a: Role, b: Role, absolute: z.boolean().default(false), above: z.number().optional(), below: z.number().optional(), averageSeconds: AverageSeconds, forSeconds: ForSeconds })
  .refine(oneOf('above', 'below'), { message: 'expected exactly one of "above" or "below"' });
/** Inside (`occupied: true`) or outside the rule's `schedule`, in the site's time zone. */
const Schedule = z.strictObject({ kind: z.literal('schedule'), occupied: z.boolean() });
/** More than `moreThan` starts (off to on) of the input within the window: short-cycling. */
const Starts = z.strictObject({ kind: z.literal('starts'), input: Role, windowSeconds: z.number().positive().max(86_400), moreThan: z.number().int().min(0) });
/** The input moved by no more than `within` over the whole window: a flat-lined or stuck sensor. */
const Flat = z.strictObject({ kind: z.literal('flat'), input: Role, windowSeconds: z.number().positive().max(86_400), within: z.number().min(0) });

export const StateCondition = z.union([State, Threshold, Difference, Schedule, Starts, Flat]);
export type StateCondition = z.infer<typeof StateCondition>;

const Common = {
  tier: z.enum(['emergency', 'general', 'low']),
  skill: z.enum(['plumbing', 'electrical', 'elevator', 'hvac', 'fire', 'iot', 'general']),
};

/** The fault id on the ticket: lower case, not a built-in fault's. */
export const RuleId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,48}$/, 'expected a lower-case id such as "ahu-1-sat-off-setpoint"')
  .refine((id) => !(FaultId.options as readonly string[]).includes(id), 'this is a built-in fault id; tune it under "faults" instead');

/** A site's own state-aware rule: every `faultWhen` condition holds while every `appliesWhen` does. */
export const CustomStateRule = z.strictObject({
  rule: z.literal('custom'),
  id: RuleId,
  ...Common,
  title: z.strictObject({ zh: z.string().min(1), en: z.string().min(1) }),
  inputs: z.record(Role, PointRef).refine((r) => Object.keys(r).length > 0, { message: 'expected at least one input' }),
  appliesWhen: z.array(StateCondition).default([]),
  faultWhen: z.array(StateCondition).min(1),
  /** `any`: one fault condition is enough; `all` (default): every one must hold. */
  match: z.enum(['all', 'any']).default('all'),
  /** Occupied hours for `schedule` conditions, in the site's time zone. */
  schedule: z.array(Period).min(1).optional(),
  /** Seconds the fault must hold (in its operating state) before it raises. */
  persistSeconds: z.number().min(0).default(0),
  offDelaySeconds: z.number().min(0).default(0),
}).superRefine((r, ctx) => {
  const check = (list: readonly StateCondition[], key: 'appliesWhen' | 'faultWhen'): void =>
    list.forEach((c, i) => {
      for (const role of rolesOf(c)) if (!(role in r.inputs)) ctx.addIssue({ code: 'custom', path: [key, i], message: `rule "${r.id}" reads role "${role}", which is not among its inputs (${Object.keys(r.inputs).join(', ')})` });
      if (c.kind === 'schedule' && r.schedule === undefined) ctx.addIssue({ code: 'custom', path: [key, i], message: `rule "${r.id}" judges occupied hours: give it a "schedule"` });
    });
  check(r.appliesWhen, 'appliesWhen');
  check(r.faultWhen, 'faultWhen');
});
export type CustomStateRule = z.infer<typeof CustomStateRule>;

/** The roles of every condition: what must be among a rule's inputs. */
export function rolesOf(c: StateCondition): string[] {
  switch (c.kind) {
    case 'difference':
      return [c.a, c.b];
    case 'schedule':
      return [];
    default:
      return [c.input];
  }
}
