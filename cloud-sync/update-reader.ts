import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { readUpdatesAnswer, type CentralUpdate, type UpdateRead } from './central-answers.js';
import type { CentralClient, UpdateAck } from './central-client.js';
import type { SyncLedger } from './sync-ledger.js';

/** What became of one update the gateway was given: applied, already there, or not applied with the reason. */
export type UpdateOutcome = { readonly kind: 'applied' } | { readonly kind: 'duplicate' } | { readonly kind: 'refused'; readonly why: string } | { readonly kind: 'stale'; readonly why: string };

/** The gateway's tickets as central's updates reach them. */
export interface UpdateTarget {
  /**
   * Applies one update that passed the contract's checks: the ticket's lifecycle decides (a move
   * central may not make is refused; one older than the ticket's last change here is stale).
   */
  apply(u: CentralUpdate): Promise<UpdateOutcome>;
  /** A ticket's number and version, for a log line and a dead letter (undefined: not on this gateway). */
  describe(ticketId: string): { readonly number: string; readonly version: number } | undefined;
}

/** An update the gateway did not apply: refused (kept as a dead letter) or stale. */
export interface UpdateNotApplied {
  readonly ticketId: string | null;
  readonly status: string;
  readonly reason: string;
  readonly kind: 'refused' | 'stale';
}

interface UpdateReaderDeps {
  readonly client: CentralClient;
  readonly siteId: string;
  readonly ledger: SyncLedger;
  readonly target: UpdateTarget;
  readonly clock: Clock;
  readonly log: Logger;
  readonly pollMs: number;
  /** Whether the token was refused (reading waits for it to be fixed, as uploads do). */
  readonly unauthorized: () => boolean;
  readonly recordError: (message: string) => void;
  readonly notApplied: (e: UpdateNotApplied) => void;
}

/** The reader's own state: polling on a timer, a poll in flight, or stopped. */
type ReaderState = { readonly kind: 'stopped' } | { readonly kind: 'waiting'; readonly timer: TimerHandle } | { readonly kind: 'polling'; readonly done: Promise<void> };

/**
 * Reads the central service's status updates with a cursor, every `pollMs`: each update is checked
 * against the contract (central-answers.ts), a replay known by its id, then handed to the gateway.
 * A refusal is logged, counted and kept as a dead letter; the updates after it are applied all the
 * same. Acknowledges what it did when the service takes acknowledgements (contract 2.x).
 */
export class UpdateReader {
  readonly #d: UpdateReaderDeps;
  #state: ReaderState = { kind: 'stopped' };
  /** The central service answered 404 to an acknowledgement: it does not take them (contract 1.x). */
  #acksUnsupported = false;

  constructor(d: UpdateReaderDeps) {
    this.#d = d;
  }

  start(): void {
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    const s = this.#state;
    this.#state = { kind: 'stopped' };
    if (s.kind === 'waiting') s.timer.cancel();
    // A poll in flight finishes (bounded by the request timeout) so what it read is recorded.
    if (s.kind === 'polling') await s.done;
  }

  #schedule(ms: number): void {
    const timer = this.#d.clock.setTimeout(() => {
      const done = this.#pull()
        // A poll that fails inside (a store that cannot write) is said and tried again at the next poll, never left unhandled.
        .catch((err: unknown) => {
          const message = `reading central's updates failed: ${err instanceof Error ? err.message : String(err)}`;
          this.#d.recordError(message);
          this.#d.log.error({ event: 'sync.poll_failed', code: 'GW_SYNC_UNAVAILABLE', err: message }, message);
        })
        .finally(() => {
          if (this.#state.kind === 'polling') this.#schedule(this.#d.pollMs);
        });
      this.#state = { kind: 'polling', done };
    }, ms);
    this.#state = { kind: 'waiting', timer };
  }

  #stopped(): boolean {
    return this.#state.kind === 'stopped';
  }

  async #pull(): Promise<void> {
    if (this.#d.unauthorized()) return;
    const { client, ledger, siteId } = this.#d;
    const outcome = await client.updates(siteId, ledger.data.sync.cursor);
    if (this.#stopped()) return;
    if (outcome.kind === 'rejected' && ledger.data.sync.cursor !== null && /invalid_cursor/.test(outcome.message)) {
      // The service no longer knows our cursor (its log was trimmed or reset): read from the start;
      // update ids and the lifecycle drop what was applied already.
      this.#d.log.warn({ event: 'sync.cursor_reset', code: 'GW_SYNC_BAD_ANSWER', cursor: ledger.data.sync.cursor.slice(0, 100) }, 'the central service does not know the update cursor; reading its updates from the start');
      ledger.data.sync.cursor = null;
      await ledger.commit();
      return;
    }
    if (outcome.kind !== 'ok') return;
    const answer = readUpdatesAnswer(outcome.value);
    if (answer.kind === 'invalid') {
      const message = `the central service's updates break the contract: ${answer.why}`;
      this.#d.recordError(message);
      this.#d.log.error({ event: 'sync.bad_updates', code: 'GW_SYNC_BAD_ANSWER', err: answer.why }, message);
      return;
    }
    const acks: UpdateAck[] = [];
    for (const read of answer.updates) {
      const ack = await this.#apply(read);
      if (ack !== null) acks.push(ack);
    }
    if (answer.cursor !== ledger.data.sync.cursor) {
      ledger.data.sync.cursor = answer.cursor;
      await ledger.commit();
    }
    if (acks.length > 0 && !this.#acksUnsupported) {
      const r = await client.ackUpdates(siteId, acks);
      if (r.kind === 'rejected' && r.status === 404) {
        this.#acksUnsupported = true;
        this.#d.log.info({ event: 'sync.acks_unsupported' }, 'the central service does not take update acknowledgements (contract 1.x); the cursor alone acknowledges');
      }
    }
  }

  async #apply(read: UpdateRead): Promise<UpdateAck | null> {
    const id = read.kind === 'ok' ? read.update.id : read.id;
    const ack = (result: UpdateAck['result'], reason?: string): UpdateAck | null => (id === undefined ? null : { id, result, ...(reason === undefined ? {} : { reason }) });
    // A replay (a central service reading its feed out again) of an update refused before is known by its id in the dead letters.
    if (id !== undefined && this.#d.ledger.data.deadLetters.some((d) => d.update?.id === id)) return ack('duplicate');
    if (read.kind === 'invalid') {
      await this.#notApplied(read.ticketId, id, read.status, undefined, read.why, 'refused');
      return ack('refused', read.why);
    }
    const u = read.update;
    const outcome = await this.#d.target.apply(u);
    if (outcome.kind === 'applied' || outcome.kind === 'duplicate') return ack(outcome.kind);
    await this.#notApplied(u.ticketId, u.id, u.status, u.at, outcome.why, outcome.kind);
    return ack('refused', outcome.kind === 'refused' && this.#d.target.describe(u.ticketId) === undefined ? 'unknown ticket' : outcome.why);
  }

  async #notApplied(ticketId: string | null, id: string | undefined, status: string, at: string | undefined, reason: string, kind: 'refused' | 'stale'): Promise<void> {
    const ticket = ticketId === null ? undefined : this.#d.target.describe(ticketId);
    const label = ticketId === null ? 'an update' : `the update of ticket ${ticket?.number ?? ticketId}`;
    if (kind === 'stale') {
      this.#d.log.info({ event: 'sync.update_stale', ticketId, updateId: id, status, reason }, `${label} to ${status} came from before our later step; not applied`);
    } else {
      this.#d.ledger.data.deadLetters.push({ ticketId: ticketId ?? '', version: ticket?.version ?? 0, reason: `update refused: ${reason}`, at: this.#d.clock.now(), update: { status, ...(id === undefined ? {} : { id }), ...(at === undefined ? {} : { at }) } });
      this.#d.recordError(`${label} to ${status} refused: ${reason}`);
      this.#d.log.error({ event: 'sync.update_refused', code: 'GW_SYNC_UPDATE_REFUSED', ticketId, updateId: id, status, reason }, `${label} to ${status} refused: ${reason}`);
    }
    await this.#d.ledger.commit();
    this.#d.notApplied({ ticketId, status, reason, kind });
  }
}
