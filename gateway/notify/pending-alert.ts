import { z } from 'zod';
import { Tier } from '../config/site-schema.js';
import type { Alert } from './alert-message.js';

/**
 * An alert that has not reached every channel it is for yet, kept in the store so a restart
 * keeps it (issue 13: an undelivered emergency alert stays queued until it is delivered or its
 * ticket is acknowledged). It is written in the same durable write as the ticket change that
 * caused it, so nothing is alerted that is not on disk, and nothing on disk is forgotten.
 * Immutable: a delivery replaces the record (the store's journal sees it changed by reference).
 */
export interface PendingAlert {
  /** `{ticketId}/raised`, `{ticketId}/escalated-{n}`, `system/{code}`. */
  readonly key: string;
  readonly ticketId: string | null;
  readonly tier: Alert['tier'];
  readonly alert: Alert;
  /** Channel ids it was for. */
  readonly targets: readonly string[];
  /** Channel ids it has not been delivered on yet. */
  readonly channels: readonly string[];
  /** Wall time it was made (epoch ms): shown to people, and the base of expiry after a restart. */
  readonly createdAt: number;
}

const Bilingual = z.object({ zh: z.string(), en: z.string() });
const Iso = z.string();

const AlertSchema = z.object({
  kind: z.enum(['ticket', 'system']),
  ticketId: z.string(),
  number: z.string(),
  tier: Tier,
  fault: z.string(),
  title: Bilingual,
  where: z.string(),
  deadlines: z.object({ acknowledgeBy: Iso, dispatchBy: Iso, onSiteBy: Iso.nullable(), resolveBy: Iso }).nullable(),
  link: z.string(),
  children: z.number().int().min(0),
  to: z.object({ level: z.string(), name: Bilingual }).nullable(),
  escalated: z.boolean(),
});

export const PendingAlertSchema = z.object({
  key: z.string().min(1),
  ticketId: z.string().nullable(),
  tier: Tier,
  alert: AlertSchema,
  targets: z.array(z.string()),
  channels: z.array(z.string()),
  createdAt: z.number(),
});

// The schema and the types describe the same record.
const _check = (p: z.output<typeof PendingAlertSchema>): PendingAlert => p;
void _check;
