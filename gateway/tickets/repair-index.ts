import type { TicketArchive } from './ticket-archive.js';
import type { Ticket } from './ticket.js';

interface Repair {
  readonly ticketId: string;
  /** Wall time it was resolved or closed (epoch ms). */
  readonly at: number;
}

/**
 * The last repair of each device and fault, so a new ticket on the same device and fault within
 * the site's window (default 30 days) is flagged as a repeat repair (返修) and linked to it,
 * without reading the archive on the raise path: the index is built once at start (live tickets and
 * the archive months the window reaches) and kept up to date as tickets are resolved or closed.
 */
export class RepairIndex {
  readonly #last = new Map<string, Repair>();
  readonly #withinMs: number;

  private constructor(withinMs: number) {
    this.#withinMs = withinMs;
  }

  static async load(live: readonly Ticket[], archive: TicketArchive | null, now: number, withinMs: number): Promise<RepairIndex> {
    const index = new RepairIndex(withinMs);
    const archived = archive === null ? [] : await archive.createdBetween(now - withinMs - 31 * 86_400_000, now + 1);
    for (const t of [...archived, ...live]) {
      const at = repairedAt(t);
      if (at !== null) index.repaired(t, at);
    }
    return index;
  }

  /** A ticket was resolved or closed at `at`. */
  repaired(t: Pick<Ticket, 'id' | 'deviceId' | 'fault' | 'kind'>, at: number): void {
    if (t.kind !== 'fault') return;
    const key = `${t.deviceId}/${t.fault}`;
    const known = this.#last.get(key);
    if (known === undefined || known.at <= at || known.ticketId === t.id) this.#last.set(key, { ticketId: t.id, at });
  }

  /** The repair a new ticket on this device and fault repeats, if one was done within the window. */
  recent(deviceId: string, fault: string, now: number): Repair | undefined {
    const r = this.#last.get(`${deviceId}/${fault}`);
    return r !== undefined && now - r.at <= this.#withinMs ? r : undefined;
  }
}

/** When a ticket was last repaired (resolved, closed, or passed its re-check), or null. */
export function repairedAt(t: Pick<Ticket, 'history'>): number | null {
  const h = t.history.findLast((e) => e.action === 'resolved' || e.action === 'closed' || e.action === 'recheck-passed');
  return h === undefined ? null : Date.parse(h.at);
}
