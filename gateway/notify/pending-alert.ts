import { z } from 'zod';
import { Tier } from '../../core/vocabulary.js';
import type { AlertFacts } from './alert-facts.js';

/**
 * An alert that has not reached every channel it is for yet, kept in the store so a restart
 * keeps it (issue 13: an undelivered emergency alert stays queued until it is delivered or its
 * ticket is acknowledged). It is written in the same durable write as the ticket change that
 * caused it, so nothing is alerted that is not on disk, and nothing on disk is forgotten.
 * Immutable: a delivery replaces the record (the store's journal sees it changed by reference).
 */
export interface PendingAlert {
  /** `{ticketId}/raised`, `{ticketId}/escalated-{n}`, `{incidentId}/summary-{n}`, `system/{code}`. */
  readonly key: string;
  readonly ticketId: string | null;
  readonly tier: AlertFacts['tier'];
  /** What it is about; each channel words it in its own language when it sends. */
  readonly alert: AlertFacts;
  /** Channel ids it was for. */
  readonly targets: readonly string[];
  /** Channel ids it has not been delivered on yet. */
  readonly channels: readonly string[];
  /** Wall time it was made (epoch ms): shown to people, and the base of expiry after a restart. */
  readonly createdAt: number;
}

const Bilingual = z.object({ zh: z.string(), en: z.string() });
const Step = z.enum(['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy']);
/** What an escalation was about: a deadline, the grab rule, a stalled repair. */
const Stage = z.enum(['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy', 'grab', 'stalled']);

const AlertFactsSchema = z.object({
  kind: z.enum(['raised', 'escalated', 'summary', 'reopened', 'assigned', 'system', 'recheck-overdue', 'callback-overdue']),
  ticketId: z.string(),
  number: z.string(),
  tier: Tier,
  fault: z.string(),
  title: Bilingual,
  where: z.object({ building: z.string(), floor: z.string(), place: Bilingual }).nullable(),
  reading: z
    .object({ point: Bilingual, value: Bilingual, unit: z.string().nullable(), before: z.object({ value: Bilingual, secondsAgo: z.number() }).nullable() })
    .nullable(),
  detail: Bilingual.nullable(),
  deadline: z.object({ step: Step, at: z.number() }).nullable(),
  deadlines: z.object({ acknowledgeBy: z.string(), dispatchBy: z.string(), onSiteBy: z.string().nullable(), resolveBy: z.string() }).nullable(),
  link: z.string(),
  to: z
    .object({
      level: z.string(),
      name: Bilingual,
      mention: z.object({ names: z.array(z.string()), mobiles: z.array(z.string()), wecom: z.array(z.string()), dingtalk: z.array(z.string()), feishu: z.array(z.string()), all: z.boolean() }),
    })
    .nullable(),
  escalation: z.object({ missed: Bilingual, step: Stage, minutes: z.number(), to: Bilingual }).nullable(),
  summary: z
    .object({ alarms: z.number().int().min(0), byBuilding: z.record(z.string(), z.number()), emergencies: z.array(z.object({ number: z.string(), title: Bilingual, where: z.string() })) })
    .nullable(),
  reopenedBy: z.enum(['central', 'recheck', 'callback']).optional(),
  resentAfterFailover: z.literal(true).optional(),
});

export const PendingAlertSchema = z.object({
  key: z.string().min(1),
  ticketId: z.string().nullable(),
  tier: Tier,
  alert: AlertFactsSchema,
  targets: z.array(z.string()),
  channels: z.array(z.string()),
  createdAt: z.number(),
});

// The schema and the types describe the same record.
const _check = (p: z.output<typeof PendingAlertSchema>): PendingAlert => p;
void _check;
