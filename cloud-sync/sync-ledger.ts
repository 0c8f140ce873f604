import type { Tier } from '../core/vocabulary.js';
import type { TicketSnapshot } from './ticket-snapshot.js';

/**
 * What sync keeps in the gateway's durable store, and how it reaches it: the gateway's store holds
 * these fields beside its tickets, so a ticket change and its outbox entry are one durable write.
 * Sync sees the store only through the SyncLedger the gateway hands it.
 */

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

/** Where reading central's updates stands, and how the last upload went (health, the operator page). */
export interface SyncRecord {
  cursor: string | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

/** Sync's part of the durable store. */
export interface SyncData {
  outbox: OutboxEntry[];
  deadLetters: DeadLetter[];
  sync: SyncRecord;
}

/** The gateway's durable store as sync uses it. */
export interface SyncLedger {
  /** Sync's fields of the store as they are now (the object may be replaced: read it each time). */
  readonly data: SyncData;
  /** The snapshot of a ticket to send (the gateway's ticket, as the contract carries it). */
  snapshot(ticketId: string): TicketSnapshot | undefined;
  /** The generation of the last commit on disk: an entry of a later one is not sent yet. */
  durableGeneration(): number;
  /** Makes what sync changed in `data` durable. */
  commit(): Promise<void>;
}
