import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import type { PendingAlert } from './pending-alert.js';

/**
 * The alerts not yet delivered on every channel they are for, kept in the store
 * (`store.data.alerts`). A record is staged in memory inside the durable write of the ticket change
 * that calls for it (so an alert never goes out about something not on disk) and shrinks as
 * channels deliver it; gone once every channel has it, or once nobody needs it any more (the
 * ticket was acknowledged), or once it expired (general and low only). A restart sends again
 * whatever is still here: an alert may arrive twice after a crash, never not at all.
 */
export class AlertBook {
  readonly #store: Store;
  readonly #log: Logger;

  constructor(deps: { store: Store; log: Logger }) {
    this.#store = deps.store;
    this.#log = deps.log;
  }

  /** Puts a record in the store's memory; the caller's commit makes it durable. */
  stage(rec: PendingAlert): void {
    this.#store.data.alerts[rec.key] = rec;
  }

  get(key: string): PendingAlert | undefined {
    return this.#store.data.alerts[key];
  }

  /** Every record, oldest first (what a restart sends again). */
  all(): PendingAlert[] {
    return Object.values(this.#store.data.alerts).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Emergency records no channel has delivered yet. */
  undeliveredEmergencies(): PendingAlert[] {
    const out: PendingAlert[] = [];
    for (const r of Object.values(this.#store.data.alerts)) if (r.tier === 'emergency' && r.channels.length === r.targets.length) out.push(r);
    return out;
  }

  /** One channel is done with the record (delivered, expired or dropped): it leaves the record. */
  done(key: string, channel: string): void {
    const rec = this.#store.data.alerts[key];
    if (rec === undefined || !rec.channels.includes(channel)) return;
    const channels = rec.channels.filter((c) => c !== channel);
    if (channels.length === 0) delete this.#store.data.alerts[key];
    else this.#store.data.alerts[key] = { ...rec, channels };
    this.#persist();
  }

  /** The records of one ticket. */
  ofTicket(ticketId: string): PendingAlert[] {
    return Object.values(this.#store.data.alerts).filter((r) => r.ticketId === ticketId);
  }

  /** Records nobody needs any more (the step they ask for was taken): gone from every channel. */
  drop(keys: readonly string[]): PendingAlert[] {
    const gone = keys.flatMap((k) => this.#store.data.alerts[k] ?? []);
    for (const r of gone) delete this.#store.data.alerts[r.key];
    if (gone.length > 0) this.#persist();
    return gone;
  }

  /**
   * Deliveries are written without holding anything up (group commit joins them to the next
   * write); if one is lost in a crash, the alert is sent once more after the restart.
   */
  #persist(): void {
    this.#store.commit().catch((err: unknown) => this.#log.debug({ event: 'notify.book_not_written', err: String(err) }, 'alert delivery not written (store closed)'));
  }
}
