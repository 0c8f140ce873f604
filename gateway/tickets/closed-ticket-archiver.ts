import type { Clock, TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import type { Ticket } from './ticket.js';
import type { TicketArchive } from './ticket-archive.js';

export interface ArchiverOptions {
  /** A closed ticket stays live this long after its last change (the day's pages still show it). */
  readonly afterMs: number;
  /** How often to look for tickets to move. */
  readonly everyMs?: number;
  /** Month files of the archive older than this many years are removed (at start, then daily). */
  readonly retentionYears?: number;
}

const DAY_MS = 86_400_000;

export interface ArchiverDeps {
  readonly store: Store;
  readonly archive: TicketArchive;
  /** Told which tickets left the live store once that is durable (the tickets' durable view). */
  readonly tickets: { forget(ids: readonly string[]): void };
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * Moves closed tickets out of the live store into the archive, so the store (memory, snapshot,
 * replay at start) holds what is still being worked on. A ticket moves once it is closed, synced
 * (no outbox entry: the central service has its last version), unchanged for `afterMs`, and its
 * incident and the tickets it groups are closed too (a family moves together). It is appended to
 * the archive and synced first, and only then removed from the store; a ticket changed meanwhile
 * stays live and moves at a later sweep.
 */
export class ClosedTicketArchiver {
  readonly #deps: ArchiverDeps;
  readonly #afterMs: number;
  readonly #everyMs: number;
  readonly #retentionYears: number | null;
  #timer: TimerHandle | null = null;
  #retentionTimer: TimerHandle | null = null;
  #pruning: Promise<string[]> | null = null;
  #running: Promise<number> | null = null;

  constructor(deps: ArchiverDeps, opts: ArchiverOptions) {
    this.#deps = deps;
    this.#afterMs = opts.afterMs;
    this.#everyMs = opts.everyMs ?? 10 * 60_000;
    this.#retentionYears = opts.retentionYears ?? null;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = this.#deps.clock.setInterval(() => void this.sweep(), this.#everyMs);
    void this.sweep();
    if (this.#retentionYears !== null) {
      this.#retentionTimer = this.#deps.clock.setInterval(() => void this.prune(), DAY_MS);
      void this.prune();
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    this.#retentionTimer?.cancel();
    this.#retentionTimer = null;
    await this.#running;
    await this.#pruning;
  }

  /** Removes the archive's month files older than the retention; a failure is logged and tried the next day. */
  prune(): Promise<string[]> {
    const years = this.#retentionYears;
    if (years === null) return Promise.resolve([]);
    this.#pruning ??= this.#deps.archive
      .removeExpired(this.#deps.clock.now(), years)
      .catch((err: unknown) => {
        this.#deps.log.error({ event: 'archive.retention_failed', code: 'GW_STORE_WRITE_FAILED', err: errorMessage(err) }, 'could not remove expired archive months; tried again tomorrow');
        return [];
      })
      .finally(() => {
        this.#pruning = null;
      });
    return this.#pruning;
  }

  /** One pass; resolves with how many tickets moved. A failed pass is logged and moves nothing. */
  sweep(): Promise<number> {
    this.#running ??= this.#move()
      .catch((err: unknown) => {
        this.#deps.log.error({ event: 'tickets.archive_failed', code: 'GW_STORE_WRITE_FAILED', err: errorMessage(err) }, 'could not archive closed tickets; they stay in the store');
        return 0;
      })
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  async #move(): Promise<number> {
    const { store, archive, clock, log } = this.#deps;
    const candidates = this.#candidates(clock.now());
    if (candidates.length === 0) return 0;
    await archive.add(candidates);
    const data = store.data;
    const pending = new Set(data.outbox.map((e) => e.ticketId));
    const moved: string[] = [];
    for (const t of candidates) {
      // Changed while it was being archived (a note, a late status): keep the live one.
      if (data.tickets[t.id] !== t || pending.has(t.id)) continue;
      delete data.tickets[t.id];
      moved.push(t.id);
    }
    if (moved.length > 0) {
      await store.commit();
      this.#deps.tickets.forget(moved);
    }
    log.info({ event: 'tickets.archived', moved: moved.length, kept: candidates.length - moved.length }, `${moved.length} closed tickets moved to the archive`);
    return moved.length;
  }

  #candidates(now: number): Ticket[] {
    const data = this.#deps.store.data;
    const pending = new Set(data.outbox.map((e) => e.ticketId));
    const done = (id: string): boolean => {
      const t = data.tickets[id];
      return t === undefined || t.status === 'closed';
    };
    return Object.values(data.tickets).filter(
      (t) =>
        t.status === 'closed' &&
        !pending.has(t.id) &&
        now - Date.parse(t.updatedAt) >= this.#afterMs &&
        !awaitingCallback(t, now) &&
        (t.parentId === null || done(t.parentId)) &&
        t.childIds.every(done),
    );
  }
}

/** A week past its due time an unmade callback has been told and reported; the ticket no longer waits for it in the live store. */
const CALLBACK_KEPT_MS = 7 * 86_400_000;

/** A closed in-unit repair whose callback (回访) is still to be made stays live, where the desk works it. */
function awaitingCallback(t: Ticket, now: number): boolean {
  return t.callback?.state === 'due' && now - Date.parse(t.callback.dueBy) < CALLBACK_KEPT_MS;
}
