import type { Ticket } from '../tickets/ticket.js';
import type { ChannelQueue } from './channel-queue.js';
import type { PendingAlert } from './pending-alert.js';

/** An emergency alert no channel has delivered, every channel having tried: staff must be told in words. */
export interface UndeliveredAlert {
  readonly number: string;
  readonly ticketId: string | null;
  readonly title: Ticket['title'];
  readonly where: string;
  /** Wall time the alert was made (epoch ms). */
  readonly since: number;
  readonly channels: readonly { readonly id: string; readonly error: string }[];
}

export interface AlertHealth {
  readonly undelivered: readonly UndeliveredAlert[];
}

/**
 * The emergencies of `candidates` that no channel has delivered, every channel having failed at
 * least once (one that has not tried yet is not given up on), oldest first: what /readyz and the
 * pages show so that staff are told by phone.
 */
export function undeliveredEmergencies(candidates: readonly PendingAlert[], queues: ReadonlyMap<string, ChannelQueue>, siteName: string): UndeliveredAlert[] {
  const failing = new Map([...queues].map(([id, q]) => [id, q.failingKeys()]));
  const undelivered: UndeliveredAlert[] = [];
  for (const rec of candidates) {
    const errors = rec.channels.map((id) => ({ id, error: failing.get(id)?.get(rec.key) }));
    if (errors.some((e) => e.error === undefined)) continue;
    const w = rec.alert.where;
    undelivered.push({
      number: rec.alert.number,
      ticketId: rec.ticketId,
      title: rec.alert.title,
      where: w === null ? siteName : `${w.building} ${w.floor} ${w.place.zh}`,
      since: rec.createdAt,
      channels: errors.map((e) => ({ id: e.id, error: e.error ?? '' })),
    });
  }
  return undelivered.sort((a, b) => a.since - b.since);
}
