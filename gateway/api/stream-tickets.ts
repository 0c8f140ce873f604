import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { User } from './users-schema.js';

/** How long a stream ticket may wait to be used: the page asks for one right before it connects. */
export const STREAM_TICKET_TTL_MS = 30_000;
/** Tickets outstanding at most; the oldest is forgotten first (a page that never connected). */
const MAX_OUTSTANDING = 1_024;

/**
 * Short-lived, single-use tickets for the live stream (GET /api/events?ticket=...). A browser's
 * EventSource cannot send an Authorization header, and a staff token in a URL would end up in
 * browser history and any proxy's log for as long as the token lives. So a page that holds a token
 * asks for a ticket (POST /api/events/ticket, with the token in the header) and opens the stream
 * with it at once: a ticket is 192 random bits, opens one stream for the user it was issued to,
 * and is gone once used or after 30 s of elapsed time. The stream runs as that user (a patrol
 * hears only the tickets of its buildings). Kept in memory: a restart forgets them, and the page
 * asks again when it reconnects.
 */
export class StreamTickets {
  readonly #byTicket = new Map<string, { readonly user: User; readonly expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = STREAM_TICKET_TTL_MS,
  ) {}

  issue(user: User): { ticket: string; expiresInSeconds: number } {
    const now = this.clock.monotonic();
    for (const [k, v] of this.#byTicket) if (v.expiresAt <= now) this.#byTicket.delete(k);
    while (this.#byTicket.size >= MAX_OUTSTANDING) {
      const oldest = this.#byTicket.keys().next();
      if (oldest.done === true) break;
      this.#byTicket.delete(oldest.value);
    }
    const ticket = randomBytes(24).toString('base64url');
    this.#byTicket.set(ticket, { user, expiresAt: now + this.ttlMs });
    return { ticket, expiresInSeconds: Math.round(this.ttlMs / 1000) };
  }

  /** The user the ticket was issued to, once: null when unknown, used already or expired. */
  take(ticket: string): User | null {
    const found = this.#byTicket.get(ticket);
    if (found === undefined) return null;
    this.#byTicket.delete(ticket);
    return found.expiresAt > this.clock.monotonic() ? found.user : null;
  }

  get outstanding(): number {
    return this.#byTicket.size;
  }
}
