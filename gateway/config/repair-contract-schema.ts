import { z } from 'zod';
import { sharedDefault } from '../../core/schema-parts.js';

/**
 * The site's repair contract, apart from the rest of the site file so that the deadline and
 * escalation code reads it without the devices, adapters and channels: each tier's deadlines, the
 * chain that hears about a missed one, and the repair loop's windows.
 */

const minutes = z.number().positive();

/**
 * Deadlines in minutes from creation; `onSiteMinutes: null` where a site wants none. A repair
 * inside a unit may have its own on-site time (`onSiteInUnitMinutes`; absent: the tier's).
 */
const TierDeadlines = (d: { ack: number; dispatch: number; onSite: number; inUnit?: number; resolve: number }) =>
  z
    .strictObject({
      acknowledgeMinutes: minutes.default(d.ack),
      dispatchMinutes: minutes.default(d.dispatch),
      onSiteMinutes: minutes.nullable().default(d.onSite),
      onSiteInUnitMinutes: d.inUnit === undefined ? minutes.optional() : minutes.default(d.inUnit),
      resolveMinutes: minutes.default(d.resolve),
    })
    .prefault({});

/**
 * The property-service contract (README, "The repair procedures' numbers"): take, dispatch, on
 * site and resolve per tier, the on-site time per fault, and the grab rule. Sources: the three-
 * level after-sales response standard (dispatch / close: 15 min / 4 h, 2 h / 24 h, 4 h / 48 h),
 * the standard operating procedures (on site: burst water and sudden emergencies at once, at most
 * 5 min; ordinary repairs 10 min), the project repair rules (public facilities: 15 min), and the
 * grab-order flow (nobody takes an order in 5 min: the engineering supervisor assigns it).
 */
export const Contract = z
  .strictObject({
    emergency: TierDeadlines({ ack: 5, dispatch: 15, onSite: 15, resolve: 240 }),
    general: TierDeadlines({ ack: 30, dispatch: 120, onSite: 15, inUnit: 10, resolve: 1440 }),
    low: TierDeadlines({ ack: 120, dispatch: 240, onSite: 240, resolve: 2880 }),
    /** On-site minutes per fault, whatever the tier (sudden emergencies with water: at most 5 min). */
    onSiteByFault: z.record(z.string(), minutes).default(sharedDefault({ 'water-leak': 5, 'burst-pipe': 5, 'sump-high-level': 5 })),
    /**
     * On-site minutes for a person trapped in an elevator (elevator-entrapment): the rescue arrival
     * limit of the site's district, 30 in city districts and 60 elsewhere under local rules (the
     * 96333 platforms). `onSiteByFault` naming the fault wins over it.
     */
    entrapmentRescueMinutes: minutes.default(30),
    /** The grab rule: an order nobody takes in this many minutes goes to the engineering supervisor to assign, whatever its tier. */
    grabMinutes: minutes.default(5),
  })
  .prefault({});
export type Contract = z.infer<typeof Contract>;

/**
 * Who hears about a deadline that passes without its step: the engineering supervisor at once,
 * then the site manager `managerAfterMinutes` later (default: the tier's acknowledge time, so an
 * untaken emergency reaches the supervisor at 5 min and the manager at 10). With `levels:
 * ["manager"]` the manager hears at the deadline itself.
 */
const TierEscalation = z
  .strictObject({
    /** The chain above the team for this tier, in order (e.g. `["supervisor"]` to keep low tickets off the manager's phone). */
    levels: z
      .array(z.enum(['leader', 'supervisor', 'manager']))
      .min(1)
      .refine((l) => new Set(l).size === l.length && l.every((x, i) => i === 0 || LEVEL_ORDER[l[i - 1] ?? 'leader'] < LEVEL_ORDER[x]), { message: 'each level once, in order: the team leader, the supervisor, the manager' })
      .default(['supervisor', 'manager']),
    /** How long after one level the next hears (default: the tier's acknowledge time). */
    managerAfterMinutes: z.number().positive().optional(),
  })
  .prefault({});
const LEVEL_ORDER = { leader: 0, supervisor: 1, manager: 2 } as const;

export const Escalation = z.strictObject({ emergency: TierEscalation, general: TierEscalation, low: TierEscalation }).prefault({});
export type Escalation = z.infer<typeof Escalation>;

/** The repair loop: a repeat repair's window, and how soon a resolved public-area repair is re-checked. */
export const Repairs = z
  .strictObject({
    /** A ticket on a device and fault repaired within this many days is a repeat repair (返修). */
    reworkWithinDays: z.number().positive().default(30),
    /** A resolved public-area repair waits this long for a patrol's re-check (复查; procedures: within 3 days). */
    recheckWithinHours: z.number().positive().default(72),
    /** A repair taken and not moved on (on site, resolved) for this long chases the team leader (the grab-order flow: 2 h); 0: never. */
    chaseLeaderAfterMinutes: z.number().min(0).default(120),
    /** A repaired in-unit repair is due a callback to the owner (回访) within this many hours (the standard operating procedures: 24 h). */
    callbackWithinHours: z.number().positive().max(168).default(24),
  })
  .prefault({});
