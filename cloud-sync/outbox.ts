import type { OutboxEntry, SyncData } from './sync-ledger.js';
import type { TicketSnapshot } from './ticket-snapshot.js';
import { byTier } from '../core/vocabulary.js';

/**
 * Records that a ticket's latest version must reach the central service. Called inside the same
 * store mutation as the ticket change, so the change and its upload intent are one durable write.
 * Entries collapse per ticket: the sender always sends the newest snapshot.
 */
export function enqueueTicket(data: Pick<SyncData, 'outbox'>, ticket: TicketSnapshot, now: number, generation: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(ticket));
  const i = data.outbox.findIndex((e) => e.ticketId === ticket.id);
  const existing = data.outbox[i];
  if (existing !== undefined) {
    data.outbox[i] = { ...existing, version: ticket.version, tier: ticket.tier, bytes, generation };
    return;
  }
  data.outbox.push({ ticketId: ticket.id, version: ticket.version, tier: ticket.tier, enqueuedAt: now, attempts: 0, bytes, generation });
}

/** Emergency first, then oldest first. */
export function compareOutbox(a: OutboxEntry, b: OutboxEntry): number {
  return byTier(a.tier, b.tier) || a.enqueuedAt - b.enqueuedAt;
}

/** Removes the entry if the central service now has the version it asked for (or newer). */
export function markDelivered(data: Pick<SyncData, 'outbox'>, ticketId: string, version: number): boolean {
  const i = data.outbox.findIndex((e) => e.ticketId === ticketId);
  const entry = data.outbox[i];
  if (entry === undefined || entry.version > version) return false;
  data.outbox.splice(i, 1);
  return true;
}

export function outboxBytes(data: Pick<SyncData, 'outbox'>): number {
  let n = 0;
  for (const e of data.outbox) n += e.bytes;
  return n;
}
