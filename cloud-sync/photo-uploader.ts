import type { Logger } from '../core/log.js';
import type { CallOutcome, CentralClient } from './central-client.js';
import type { AttachmentRef, TicketSnapshot } from './ticket-snapshot.js';

/** Reads a photo's bytes from the gateway's disk (null: the file is gone). */
export type PhotoSource = (a: AttachmentRef) => Promise<Buffer | null>;

/** The snapshots to send, each naming only photos the service has; or why the photos could not be sent now. */
export type PhotoOutcome = { readonly kind: 'ok'; readonly items: TicketSnapshot[] } | Exclude<CallOutcome<null>, { kind: 'ok' | 'rejected' }>;

/**
 * Uploads the photos of a batch before the batch (the contract's order: a snapshot names only
 * photos the service already has). A photo whose file is gone, or that the service refuses for
 * good, is left out of the snapshot (logged, and said through `refused`) so the ticket itself still
 * reaches the service.
 */
export class PhotoUploader {
  /**
   * Photos the central service has (or refused for good) in this process. Uploads are idempotent,
   * so after a restart the photos of tickets still in the outbox are simply sent again.
   */
  readonly #sent = new Set<string>();
  readonly #refused = new Set<string>();
  readonly #read: PhotoSource | undefined;
  readonly #log: Logger;
  readonly #onRefused: (message: string) => void;

  constructor(o: { read: PhotoSource | undefined; log: Logger; onRefused: (message: string) => void }) {
    this.#read = o.read;
    this.#log = o.log;
    this.#onRefused = o.onRefused;
  }

  async send(client: CentralClient, siteId: string, items: readonly TicketSnapshot[]): Promise<PhotoOutcome> {
    const out: TicketSnapshot[] = [];
    for (const item of items) {
      const skip = new Set<string>();
      for (const a of item.attachments) {
        if (this.#sent.has(a.id)) continue;
        if (this.#refused.has(a.id)) {
          skip.add(a.id);
          continue;
        }
        const bytes = this.#read === undefined ? null : await this.#read(a);
        if (bytes === null) {
          this.#refuse(item, a, 'its file is missing from the gateway disk');
          skip.add(a.id);
          continue;
        }
        const r = await client.putAttachment(siteId, a, bytes);
        if (r.kind === 'ok') this.#sent.add(a.id);
        else if (r.kind === 'rejected') {
          this.#refuse(item, a, r.message);
          skip.add(a.id);
        } else return r;
      }
      out.push(skip.size === 0 ? item : { ...item, attachments: item.attachments.filter((a) => !skip.has(a.id)) });
    }
    return { kind: 'ok', items: out };
  }

  #refuse(item: TicketSnapshot, a: AttachmentRef, reason: string): void {
    this.#refused.add(a.id);
    this.#onRefused(`photo ${a.id} of ticket ${item.number} not sent: ${reason}`);
    this.#log.error(
      { event: 'sync.photo_refused', code: 'GW_SYNC_PHOTO_REFUSED', ticketId: item.id, number: item.number, attachmentId: a.id, reason },
      `a photo of ticket ${item.number} cannot be sent to the central service; the ticket goes without it`,
    );
  }
}
