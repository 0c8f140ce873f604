import { z } from 'zod';

/** Who acts: the runner signs in one member of staff for each role (staff-actions.ts). */
export const STAFF_ROLES = ['patrol', 'engineer', 'supervisor', 'desk', 'operator'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const STAFF_ACTIONS = ['report', 'take', 'arrive', 'resolve', 'confirm', 'reject', 'recheck-pass', 'recheck-fail', 'assign', 'retier', 'storm-on', 'storm-off', 'callback'] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

/** Storm mode is switched for the site (or a building), never for a device. */
const STORM_ACTIONS: ReadonlySet<StaffAction> = new Set(['storm-on', 'storm-off']);

/** The steps whose API takes photos (gateway/api/ticket-routes.ts, patrol-routes.ts). */
const WITH_PHOTOS: ReadonlySet<StaffAction> = new Set(['report', 'resolve', 'confirm', 'reject', 'recheck-pass', 'recheck-fail']);

const Material = z.strictObject({ name: z.string().min(1), quantity: z.number().positive(), unit: z.string().min(1).optional() });

const Fields = z.strictObject({
  as: z.enum(STAFF_ROLES),
  do: z.enum(STAFF_ACTIONS),
  /** The device whose newest ticket the step acts on (for `report`, the device the fault is found at). */
  device: z.string().min(1).optional(),
  /** The words: a report's or resolve's note, the reason of a reject, re-check failure, assignment, re-tier or storm, a callback's words. */
  note: z.string().min(1).optional(),
  photos: z.number().int().min(0).max(6).default(0),
  /** For `report`: the fault picked from the list and whether it is in a public area. */
  fault: z.string().min(1).optional(),
  publicArea: z.boolean().optional(),
  /** For `report` the tier it is raised at; for `retier` the tier it changes to. */
  tier: z.enum(['emergency', 'general', 'low']).optional(),
  /** For `assign`: the user id of the engineer the supervisor gives the repair to. */
  engineer: z.string().min(1).optional(),
  /** For `retier`: the complexity judged on site. */
  complexity: z.enum(['simple', 'general', 'complex']).optional(),
  /** For `storm-on`: how long it lasts at most (it ends by itself), and one building instead of the site. */
  hours: z.number().positive().max(24).optional(),
  building: z.string().min(1).optional(),
  /** For `callback`: whether the call reached the owner, their satisfaction (1-5) and whether it is fixed. */
  reached: z.boolean().optional(),
  satisfaction: z.number().int().min(1).max(5).optional(),
  fixed: z.boolean().optional(),
  /** For `resolve`: what the engineer records beside the note (the cause, what was done, materials, who worked on it), or why it was fixed without coming on site. */
  cause: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  materials: z.array(Material).max(30).optional(),
  workers: z.array(z.string().min(1)).max(10).optional(),
  offSiteReason: z.string().min(1).optional(),
});

type Field = keyof z.infer<typeof Fields>;

/**
 * Fields one action needs and the others have no use for: given on another action, the step is
 * refused, so a satisfaction written on a take does not vanish without a word.
 */
const ONLY_FOR: Partial<Record<Field, readonly StaffAction[]>> = {
  fault: ['report'],
  publicArea: ['report'],
  tier: ['report', 'retier'],
  engineer: ['assign'],
  complexity: ['retier'],
  hours: ['storm-on'],
  building: ['storm-on'],
  reached: ['callback'],
  satisfaction: ['callback'],
  fixed: ['callback'],
  cause: ['resolve'],
  action: ['resolve'],
  materials: ['resolve'],
  workers: ['resolve'],
  offSiteReason: ['resolve'],
};

/** What an action cannot go without (the API would refuse it). */
const NEEDS: Partial<Record<StaffAction, readonly Field[]>> = {
  assign: ['engineer'],
  retier: ['note'],
  'storm-on': ['hours', 'note'],
  callback: ['reached'],
};

/** Every problem of one staff step, each at its field. */
function problems(s: z.infer<typeof Fields>): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  for (const [field, actions] of Object.entries(ONLY_FOR)) {
    if (s[field as Field] !== undefined && !actions.includes(s.do)) out.push({ path: [field], message: `"${field}" is for ${actions.join(' or ')}, not ${s.do}` });
  }
  for (const field of NEEDS[s.do] ?? []) {
    if (s[field] === undefined) out.push({ path: [field], message: `${s.do} needs "${field}"${field === 'note' ? ' (the reason)' : ''}` });
  }
  if (STORM_ACTIONS.has(s.do) && s.device !== undefined) out.push({ path: ['device'], message: `${s.do} is for the site or a building, not a device` });
  if (!STORM_ACTIONS.has(s.do) && s.device === undefined) out.push({ path: ['device'], message: `${s.do} needs "device"` });
  if (s.photos > 0 && !WITH_PHOTOS.has(s.do)) out.push({ path: ['photos'], message: `${s.do} takes no photos` });
  if (s.do === 'report' && s.photos === 0) out.push({ path: ['photos'], message: 'a report carries one to six photos' });
  if (s.do === 'retier' && s.tier === undefined && s.complexity === undefined) out.push({ path: ['tier'], message: 'retier needs "tier" or "complexity"' });
  if (s.reached === false && (s.satisfaction !== undefined || s.fixed !== undefined)) out.push({ path: [s.satisfaction === undefined ? 'fixed' : 'satisfaction'], message: 'only a call that reached the owner says it' });
  return out;
}

/**
 * A staff member acting through the gateway's API, as on the pages: a patrol-found `report` on
 * `device`; take, arrive, resolve, confirm, reject, re-check, assign, re-tier or call back on the
 * newest ticket of `device`; storm mode on and off for the site.
 */
export const StaffStep = Fields.superRefine((s, ctx) => {
  for (const p of problems(s)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
});
export type StaffStep = z.infer<typeof StaffStep>;
