import type { AlarmRecord } from '../alarms/alarm-record.js';
import type { PendingAlert } from '../notify/pending-alert.js';
import type { Ticket, Tier } from '../tickets/ticket.js';

/** The store's schema version; older files are migrated on load (store-schema.ts). */
export const STORE_SCHEMA_VERSION = 2;

/**
 * One pending upload: the sender always sends the ticket's latest snapshot, so entries collapse per
 * ticket. Immutable: a change replaces the entry, which is how the store's journal sees it changed.
 */
export interface OutboxEntry {
  readonly ticketId: string;
  /** Latest version that must reach the central service. */
  readonly version: number;
  readonly tier: Tier;
  /** When the oldest unsent change of this ticket was made (epoch ms): "oldest first". */
  readonly enqueuedAt: number;
  readonly attempts: number;
  /** Approximate bytes of the snapshot, for the outbox quota. */
  readonly bytes: number;
  /**
   * Store generation of the commit that makes this entry's latest change durable. The uploader
   * sends only entries whose generation is durable: nothing leaves the site before it is on disk.
   */
  readonly generation: number;
}

export interface DeadLetter {
  readonly ticketId: string;
  /** The ticket's version the central service refused; for a refused update, the version it was read against. */
  readonly version: number;
  readonly reason: string;
  readonly at: number;
  /** Set when what was refused is an update from the central service (the gateway refused it), not an upload. */
  readonly update?: { readonly id?: string; readonly status: string; readonly at?: string };
}

export interface SyncState {
  cursor: string | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface AuditEntry {
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/**
 * Everything the gateway must not lose, in one file so one durable write covers a ticket change,
 * its outbox entry, its alerts and the alarm state together.
 */
export interface StoreData {
  schemaVersion: typeof STORE_SCHEMA_VERSION;
  /** Last ticket sequence per site-local day, 'YYYYMMDD' -> seq. */
  counters: Record<string, number>;
  tickets: Record<string, Ticket>;
  /** Alarm state by `${deviceId}/${fault}`, owned by gateway/alarms. */
  alarms: Record<string, AlarmRecord>;
  outbox: OutboxEntry[];
  deadLetters: DeadLetter[];
  sync: SyncState;
  audit: AuditEntry[];
  /** Alerts not yet delivered on every channel, by key (gateway/notify). */
  alerts: Record<string, PendingAlert>;
  /** Free-form state of other components that must survive restarts (shelves, escalations...). */
  extra: Record<string, unknown>;
}

export function emptyStoreData(): StoreData {
  return {
    schemaVersion: STORE_SCHEMA_VERSION,
    counters: {},
    tickets: {},
    alarms: {},
    outbox: [],
    deadLetters: [],
    sync: { cursor: null, lastSuccessAt: null, lastError: null, lastErrorAt: null },
    audit: [],
    alerts: {},
    extra: {},
  };
}
