import type { ActingRight } from '../core/acting-right.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { CentralService } from '../cloud-sync/config.js';
import { enqueueTicket } from '../cloud-sync/outbox.js';
import { SyncSender } from '../cloud-sync/sender.js';
import type { SyncLedger } from '../cloud-sync/sync-ledger.js';
import type { Store } from './store/store.js';
import type { AttachmentStore } from './tickets/attachment-store.js';
import { centralUpdateTarget } from './tickets/central-updates.js';
import type { Ticket } from './tickets/ticket.js';
import type { TicketService } from './tickets/ticket-service.js';

/**
 * Where the gateway meets cloud-sync: its tickets go into the outbox in the same durable write as
 * their change (a hook, as notify joins it), the sender sees the store through a SyncLedger, and
 * central's updates reach the tickets through their lifecycle. cloud-sync itself knows only the
 * contract's snapshot; a gateway ticket is sent as one (every field the contract names travels).
 */
export function joinOutbox(tickets: TicketService, store: Store, clock: Clock): void {
  tickets.beforeDurable((ticket) => enqueueTicket(store.data, ticket, clock.now(), store.pendingGeneration()));
}

/** The store as sync uses it: its outbox, dead letters and cursor, and the tickets as the contract carries them. */
export function storeLedger(store: Store): SyncLedger {
  return {
    get data() {
      return store.data;
    },
    snapshot: (id): Ticket | undefined => store.data.tickets[id],
    durableGeneration: () => store.durableGeneration(),
    commit: () => store.commit(),
  };
}

export interface CentralSyncDeps {
  readonly config: CentralService | undefined;
  readonly siteId: string;
  readonly store: Store;
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the photos of tickets are kept (absent: tickets carry none). */
  readonly photos?: AttachmentStore;
  readonly acting?: ActingRight;
}

/** The sender of a gateway: its tickets' outbox joined to their durable writes, and told of each change once it is durable. */
export function centralSync(d: CentralSyncDeps): SyncSender {
  joinOutbox(d.tickets, d.store, d.clock);
  return syncSender(d);
}

/** The sender alone, for tickets whose outbox was joined already (joinOutbox). */
export function syncSender(d: CentralSyncDeps): SyncSender {
  const photos = d.photos;
  return new SyncSender({
    config: d.config,
    siteId: d.siteId,
    ledger: storeLedger(d.store),
    updates: centralUpdateTarget(d.tickets),
    clock: d.clock,
    log: d.log,
    ...(d.env === undefined ? {} : { env: d.env }),
    ...(d.acting === undefined ? {} : { acting: d.acting }),
    ...(photos === undefined ? {} : { photos: (a) => photos.read(a) }),
    changes: (notice) => {
      const listener = (t: Ticket, change: 'raised' | 'updated'): void => notice(t.tier, change);
      d.tickets.on('changed', listener);
      return () => d.tickets.off('changed', listener);
    },
  });
}
