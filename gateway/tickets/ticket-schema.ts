import { z } from 'zod';
import { Skill, Tier } from '../../core/vocabulary.js';
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

const Words = z.object({ zh: z.string(), en: z.string() });
const EvidenceSeries = z.object({
  deviceId: z.string(),
  pointId: z.string(),
  name: Words.optional(),
  states: z.object({ on: Words, off: Words }).optional(),
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

export const TicketStatusSchema = z.enum(['raised', 'acknowledged', 'dispatched', 'arrived', 'in_progress', 'on_hold', 'resolved', 'reopened', 'closed', 'rejected']);

const Step = z.enum(['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy', 'grab', 'stalled']);
const Resolution = z.object({
  cause: z.string().nullable(),
  action: z.string().nullable(),
  materials: z.array(z.object({ name: z.string(), quantity: z.number(), unit: z.string().optional() })),
  workers: z.array(z.string()),
  offSite: z.object({ reason: z.string() }).nullable(),
});

const Satisfaction = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]);
const CallbackCall = z.discriminatedUnion('reached', [
  z.object({ at: Iso, by: Actor, reached: z.literal(false), words: z.string().nullable() }),
  z.object({ at: Iso, by: Actor, reached: z.literal(true), satisfaction: Satisfaction.nullable(), words: z.string().nullable(), fixed: z.boolean() }),
]);
const Callback = z.object({ state: z.enum(['due', 'done']), dueBy: Iso, calls: z.array(CallbackCall), overdueTold: z.boolean().default(false) });

const Attachment = z.object({
  id: z.string().min(1),
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  bytes: z.number().int().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  purpose: z.enum(['report', 'resolve', 'recheck']),
  at: Iso,
  by: z.string(),
});

/**
 * Tickets written before on-site verification became a fact of its own had `status: confirmed`
 * (a confirm used to move the work along): the patrol's confirm becomes `verification`, and the
 * status goes back to where the engineers' work was (taken, or not yet).
 */
function migrate(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || 'verification' in raw) return raw;
  const t = raw as Record<string, unknown>;
  const history = Array.isArray(t['history']) ? (t['history'] as { status?: unknown; actor?: unknown; at?: unknown; note?: unknown }[]) : [];
  const decided = history.find((h) => h.status === 'confirmed' || h.status === 'rejected');
  const verification =
    decided === undefined
      ? { state: 'pending', by: null, at: null, note: null }
      : { state: decided.status, by: typeof decided.actor === 'string' ? decided.actor.replace(/^user:/, '') : null, at: typeof decided.at === 'string' ? decided.at : null, note: typeof decided.note === 'string' ? decided.note : null };
  const status = t['status'] === 'confirmed' ? (history.some((h) => h.status === 'acknowledged') ? 'acknowledged' : 'raised') : t['status'];
  // The confirm stays in the history as what happened (its action), no longer as a status.
  const entries = history.map((h) => {
    if (h.status !== 'confirmed') return h;
    const { status: _dropped, ...rest } = h;
    void _dropped;
    return rest;
  });
  return { ...t, status, verification, history: entries };
}

export const TicketSchema = z.preprocess(migrate, z.object({
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
  source: z.enum(['sensor', 'patrol']),
  reporter: z.object({ id: z.string(), name: z.string(), ref: z.string().optional(), role: z.string().optional() }).nullable().default(null),
  status: TicketStatusSchema,
  verification: z.object({ state: z.enum(['pending', 'confirmed', 'rejected']), by: z.string().nullable(), at: Iso.nullable(), note: z.string().nullable() }),
  condition: z.enum(['active', 'normal']),
  chattering: z.boolean(),
  deadlines: z.object({ acknowledgeBy: Iso, dispatchBy: Iso, onSiteBy: Iso.nullable(), resolveBy: Iso }),
  parentId: z.string().nullable(),
  childIds: z.array(z.string()),
  /** Added with issue 13: tickets written before it repeat nothing. */
  repeatOf: z.string().nullable().default(null),
  rework: z.boolean().default(false),
  assignee: z.string().nullable(),
  assigneeId: z.string().optional(),
  complexity: z.enum(['simple', 'general', 'complex']).optional(),
  resolution: Resolution.optional(),
  paused: z.object({ since: Iso, reason: z.string() }).optional(),
  pausedMs: z.number().min(0).optional(),
  centralNumber: z.string().optional(),
  attachments: z.array(Attachment).default([]),
  recheck: z.object({ state: z.enum(['none', 'due', 'passed', 'failed']), dueBy: Iso.nullable() }).default({ state: 'none', dueBy: null }),
  callback: Callback.optional(),
  history: z.array(
    z.object({
      at: Iso,
      actor: Actor,
      action: z.string().min(1),
      status: TicketStatusSchema.optional(),
      note: z.string().optional(),
      step: Step.optional(),
      level: z.enum(['leader', 'supervisor', 'manager']).optional(),
      photos: z.array(z.string()).optional(),
      updateId: z.string().optional(),
    }),
  ),
}));

// The schema and the Ticket type must describe the same thing: each is assignable to the other.
type Parsed = z.output<typeof TicketSchema>;
const _toTicket = (p: Parsed): Ticket => p;
void _toTicket;


/** A ticket read from disk, checked (and migrated), or a message that names what is wrong. */
export function readTicket(raw: unknown): { ok: true; ticket: Ticket } | { ok: false; problem: string } {
  const r = TicketSchema.safeParse(raw);
  if (r.success) return { ok: true, ticket: r.data };
  const issue = r.error.issues[0];
  return { ok: false, problem: issue === undefined ? 'not a ticket' : `${issue.path.join('.') || '(ticket)'}: ${issue.message}` };
}
