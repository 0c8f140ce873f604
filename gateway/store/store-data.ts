import type { AlarmRecord } from '../alarms/alarm-record.js';
import type { PendingAlert } from '../notify/pending-alert.js';
import type { Ticket } from '../tickets/ticket.js';
import type { DeadLetter, OutboxEntry, SyncRecord } from '../../cloud-sync/sync-ledger.js';

/** The store's schema version; older files are migrated on load (store-schema.ts). */
export const STORE_SCHEMA_VERSION = 2;

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
  sync: SyncRecord;
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
