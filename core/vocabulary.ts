import { z } from 'zod';
import { byTier, TIERS } from './shared-words.js';

/**
 * The words every floor speaks: a ticket's tier, the skill a repair needs, the kinds of device, a
 * place on the site, text in both languages. Facts only, so that a module needing a word imports the
 * ground, not the site schema or the ticket above it.
 */

export const Tier = z.enum(TIERS);
export type Tier = z.infer<typeof Tier>;

/** Sorts the more urgent tier first: the one order of tiers, shared with the pages (core/shared-words.js). */
export { byTier };

export const Skill = z.enum(['plumbing', 'electrical', 'elevator', 'hvac', 'fire', 'iot', 'general']);
export type Skill = z.infer<typeof Skill>;

export const DeviceKind = z.enum(['leak-sensor', 'water-main', 'pump', 'sump', 'elevator', 'power-meter', 'ups', 'hvac-unit', 'generic', 'fire-panel']);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const Location = z.strictObject({
  building: z.string().min(1),
  floor: z.string().min(1),
  unit: z.string().optional(),
  /** Where, in words a patrol can walk to: `B1 pump room, north wall by the riser`. */
  description: z.string().min(1),
  descriptionEn: z.string().optional(),
  publicArea: z.boolean().default(true),
});
export type Location = z.infer<typeof Location>;

/** Text a person reads, in both languages the pages and alerts speak. */
export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

export type TicketStatus = 'raised' | 'acknowledged' | 'dispatched' | 'arrived' | 'in_progress' | 'on_hold' | 'resolved' | 'reopened' | 'closed' | 'rejected';

export const TICKET_STATUSES: readonly TicketStatus[] = ['raised', 'acknowledged', 'dispatched', 'arrived', 'in_progress', 'on_hold', 'resolved', 'reopened', 'closed', 'rejected'];

/** The owner's satisfaction with the repair, asked on the callback (1 very unhappy to 5 very happy). */
export type Satisfaction = 1 | 2 | 3 | 4 | 5;
