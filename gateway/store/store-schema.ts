import { z } from 'zod';
import { AlarmRecordSchema } from '../alarms/alarm-record.js';
import { Tier } from '../../core/vocabulary.js';
import { PendingAlertSchema } from '../notify/pending-alert.js';
import { TicketSchema } from '../tickets/ticket-schema.js';
import type { Ticket } from '../tickets/ticket.js';
import { STORE_SCHEMA_VERSION, type StoreData } from './store-data.js';
import type { JournalRecord } from './store-delta.js';

/**
 * One schema for everything the store reads back (DESIGN "The local store"): the snapshot and
 * every journal line. Valid JSON of the wrong shape (`null`, `[]`, `"tickets": null`, a ticket
 * without a status) is a bad generation, set aside like unparsable bytes, never loaded as an
 * empty or half-broken store. Older schema versions migrate here (v1 had no `alerts`).
 */
const OutboxEntrySchema = z.object({
  ticketId: z.string().min(1),
  version: z.number().int().min(1),
  tier: Tier,
  enqueuedAt: z.number(),
  attempts: z.number().int().min(0),
  bytes: z.number().min(0),
  // Whatever was read from disk is durable: generation 0 is durable in every process.
  generation: z.number().optional().transform(() => 0),
});

const DeadLetterSchema = z.object({
  ticketId: z.string(),
  version: z.number().int(),
  reason: z.string(),
  at: z.number(),
  update: z.object({ id: z.string().optional(), status: z.string(), at: z.string().optional() }).optional(),
});
const SyncStateSchema = z.object({
  cursor: z.string().nullable(),
  lastSuccessAt: z.number().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.number().nullable(),
});
const AuditEntrySchema = z.object({ at: z.number(), actor: z.string(), action: z.string(), detail: z.record(z.string(), z.unknown()) });
const Counters = z.record(z.string(), z.number().int().min(0));
const Extra = z.record(z.string(), z.unknown());

/** A map whose keys must be the id its values carry (a ticket under another ticket's id is damage). */
const keyedBy = <S extends z.ZodType<object>>(schema: S, id: (v: z.output<S>) => string) =>
  z.record(z.string(), schema).superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) if (id(v as z.output<S>) !== k) ctx.addIssue({ code: 'custom', path: [k], message: `filed under "${k}" but is "${id(v as z.output<S>)}"` });
  });

const SnapshotSchema = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(2)]),
  counters: Counters,
  tickets: keyedBy(TicketSchema, (t) => t.id),
  alarms: keyedBy(AlarmRecordSchema, (a) => a.key),
  outbox: z.array(OutboxEntrySchema),
  deadLetters: z.array(DeadLetterSchema),
  sync: SyncStateSchema,
  audit: z.array(AuditEntrySchema),
  alerts: keyedBy(PendingAlertSchema, (a) => a.key).default({}),
  extra: Extra,
  /** The last journal line the snapshot holds. */
  journalSeq: z.number().int().min(0).default(0),
});

const nullable = <S extends z.ZodType>(s: S) => z.record(z.string(), s.nullable());

const TicketPatchSchema = z.object({
  from: z.number().int().min(1),
  set: z.record(z.string(), z.unknown()).optional(),
  unset: z.array(z.string()).optional(),
  append: z.record(z.string(), z.array(z.unknown())).optional(),
});

const JournalRecordSchema = z.object({
  seq: z.number().int().min(1),
  tickets: nullable(TicketSchema).optional(),
  ticketPatches: z.record(z.string(), TicketPatchSchema).optional(),
  outbox: nullable(OutboxEntrySchema).optional(),
  alarms: nullable(AlarmRecordSchema).optional(),
  alerts: nullable(PendingAlertSchema).optional(),
  sections: z
    .object({ counters: Counters, deadLetters: z.array(DeadLetterSchema), sync: SyncStateSchema, audit: z.array(AuditEntrySchema), extra: Extra })
    .partial()
    .optional(),
});

export type ReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'does not match the store schema';
  const where = issue.path.length === 0 ? '(top level)' : issue.path.join('.');
  return `${where}: ${issue.message}`;
}

/** A snapshot file's parsed JSON, checked and migrated to the current schema version. */
export function readSnapshot(raw: unknown): ReadResult<{ data: StoreData; seq: number }> {
  const r = SnapshotSchema.safeParse(raw);
  if (!r.success) return { ok: false, problem: problemOf(r.error) };
  const { journalSeq, ...data } = r.data;
  return { ok: true, value: { data: { ...data, schemaVersion: STORE_SCHEMA_VERSION }, seq: journalSeq } };
}

/** One journal line's parsed JSON, checked. */
export function readJournalRecord(raw: unknown): ReadResult<JournalRecord> {
  const r = JournalRecordSchema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: problemOf(r.error) };
}

/** A ticket made by replaying a change onto the one before it, read back through the schema; throws in words. */
export function checkedTicket(t: Ticket): Ticket {
  const r = TicketSchema.safeParse(t);
  if (!r.success) throw new Error(`ticket ${t.id} after a replayed change: ${problemOf(r.error)}`);
  return r.data as Ticket;
}
