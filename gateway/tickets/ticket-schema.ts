import { z } from 'zod';
import { Skill, Tier } from '../config/site-schema.js';
import type { Ticket } from './ticket.js';

/**
 * The shape of a ticket as read back from disk (snapshot, journal, archive). The store trusts
 * nothing it reads (DESIGN "The local store"): a ticket that does not match is a bad generation,
 * never a 500 on every later request. Fields added after a ticket was written get their default
 * here, which is how older tickets migrate.
 */
const Iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected a date-time');
const Bilingual = z.object({ zh: z.string(), en: z.string() });

const Location = z.object({
  building: z.string().min(1),
  floor: z.string().min(1),
  unit: z.string().optional(),
  description: z.string().min(1),
  descriptionEn: z.string().optional(),
  publicArea: z.boolean(),
});

const EvidenceSeries = z.object({
  deviceId: z.string(),
  pointId: z.string(),
  unit: z.string().optional(),
  samples: z.array(
    z.object({
      ts: z.number(),
      value: z.union([z.number(), z.boolean(), z.string(), z.null()]),
      quality: z.enum(['good', 'bad', 'uncertain']),
    }),
  ),
});

const Actor = z.custom<Ticket['history'][number]['actor']>((v) => v === 'gateway' || v === 'central' || (typeof v === 'string' && v.startsWith('user:')), 'expected gateway, central or user:ID');

export const TicketStatusSchema = z.enum(['raised', 'acknowledged', 'confirmed', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed']);

export const TicketSchema = z.object({
  id: z.string().min(1).max(64),
  number: z.string().min(1),
  siteId: z.string().min(1),
  version: z.number().int().min(1),
  kind: z.enum(['fault', 'incident']),
  createdAt: Iso,
  updatedAt: Iso,
  tier: Tier,
  fault: z.string().min(1),
  deviceId: z.string().min(1),
  deviceName: z.string(),
  location: Location,
  skill: Skill,
  publicArea: z.boolean(),
  title: Bilingual,
  description: Bilingual,
  evidence: z.array(EvidenceSeries),
  occurrences: z.array(z.object({ at: Iso, clearedAt: Iso.optional() })).min(1),
  source: z.literal('sensor'),
  status: TicketStatusSchema,
  condition: z.enum(['active', 'normal']),
  chattering: z.boolean(),
  deadlines: z.object({ acknowledgeBy: Iso, dispatchBy: Iso, onSiteBy: Iso.nullable(), resolveBy: Iso }),
  parentId: z.string().nullable(),
  childIds: z.array(z.string()),
  /** Added with issue 13: tickets written before it repeat nothing. */
  repeatOf: z.string().nullable().default(null),
  assignee: z.string().nullable(),
  history: z.array(
    z.object({
      at: Iso,
      actor: Actor,
      action: z.string().min(1),
      status: TicketStatusSchema.optional(),
      note: z.string().optional(),
    }),
  ),
});

// The schema and the Ticket type must describe the same thing: each is assignable to the other.
type Parsed = z.output<typeof TicketSchema>;
const _toTicket = (p: Parsed): Ticket => p;
const _fromTicket = (t: Ticket): Parsed => ({ ...t, location: { ...t.location }, evidence: t.evidence.map((e) => ({ ...e, samples: [...e.samples] })), occurrences: [...t.occurrences], childIds: [...t.childIds], history: [...t.history] });
void _toTicket;
void _fromTicket;

/** A ticket read from disk, checked (and migrated), or a message that names what is wrong. */
export function readTicket(raw: unknown): { ok: true; ticket: Ticket } | { ok: false; problem: string } {
  const r = TicketSchema.safeParse(raw);
  if (r.success) return { ok: true, ticket: r.data };
  const issue = r.error.issues[0];
  return { ok: false, problem: issue === undefined ? 'not a ticket' : `${issue.path.join('.') || '(ticket)'}: ${issue.message}` };
}
