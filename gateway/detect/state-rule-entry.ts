import { z } from 'zod';
import { RULE_PACK, type PackRule } from './rule-pack.js';
import { CustomStateRule, Period, PointRef, RuleId } from './state-rule-schema.js';

/**
 * A device's `stateRules`: a pack rule turned on by naming its points by role, or the site's own
 * state-aware rule (`"rule": "custom"`). One discriminated union on `rule`, so a wrong rule name is
 * one clear problem, and every pack rule's own parameters are checked by name.
 */
function packEntry(r: PackRule) {
  const roles = Object.fromEntries(Object.entries(r.roles).map(([k, v]) => [k, PointRef.optional().describe(`${v.words.en} (${v.words.zh})${v.required ? '' : ', optional'}`)]));
  const params = Object.fromEntries(Object.entries(r.params).map(([k, p]) => [k, z.number().min(0).optional().describe(`${p.words}; ${p.unit}, default ${p.default}`)]));
  return z
    .strictObject({
      rule: z.literal(r.id),
      /** The fault id on the ticket when one device runs the same pack rule twice (two sensors). */
      id: RuleId.optional(),
      points: z.strictObject(roles),
      tier: z.enum(['emergency', 'general', 'low']).optional(),
      skill: z.enum(['plumbing', 'electrical', 'elevator', 'hvac', 'fire', 'iot', 'general']).optional(),
      schedule: z.array(Period).min(1).optional(),
      ...params,
    })
    .describe(`${r.title.en} (${r.title.zh}), from the rule pack`)
    .superRefine((e, ctx) => {
      const points = e.points as Record<string, string | undefined>;
      for (const [k, v] of Object.entries(r.roles)) {
        if (v.required && points[k] === undefined) ctx.addIssue({ code: 'custom', path: ['points', k], message: `${r.id} needs the point of its "${k}" role (${v.words.en}): name it, e.g. "${k}": "pointId" or "deviceId/pointId"` });
      }
      if (r.oneOf !== undefined && r.oneOf.every((k) => points[k] === undefined)) ctx.addIssue({ code: 'custom', path: ['points'], message: `${r.id} needs at least one of the roles ${r.oneOf.map((k) => `"${k}"`).join(' or ')}` });
      if (r.needsSchedule === true && e.schedule === undefined) ctx.addIssue({ code: 'custom', path: ['schedule'], message: `${r.id} judges the site's occupied hours: give a schedule such as [{ "days": ["mon","tue","wed","thu","fri"], "from": "08:00", "to": "18:00" }]` });
    });
}

export const StateRuleEntry = z.discriminatedUnion('rule', [CustomStateRule, ...RULE_PACK.map(packEntry)]);
export type StateRuleEntry = z.infer<typeof StateRuleEntry>;
/** A pack rule's entry (its parameters are numbers under their own names). */
export type PackEntry = Exclude<StateRuleEntry, CustomStateRule>;

export const isCustomEntry = (e: StateRuleEntry): e is CustomStateRule => e.rule === 'custom';

/** The fault id an entry raises: its own id, else the pack rule's. */
export const entryFault = (e: { rule: string; id?: string | undefined }): string => e.id ?? e.rule;

/** Every point an entry reads, by role: `{ role: "device/point" or "point" }`. */
export function entryInputs(e: StateRuleEntry): Record<string, string> {
  const named: Record<string, string | undefined> = isCustomEntry(e) ? e.inputs : e.points;
  return Object.fromEntries(Object.entries(named).filter((x): x is [string, string] => x[1] !== undefined));
}
