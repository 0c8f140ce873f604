import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { Clock } from '../../core/clock.js';
import type { AlarmRecord } from '../alarms/alarm-record.js';
import type { PendingAlert } from '../notify/pending-alert.js';
import { fsyncDir } from '../store/fsync-dir.js';
import type { JournalRecord } from '../store/store-delta.js';
import type { FileStore } from '../store/store.js';
import type { Ticket } from '../tickets/ticket.js';
import { withinCall } from './leadership.js';
import { STORE_FILES } from './store-copy.js';
import type { AloneTicket } from './alone-merge.js';

const BASE = 'pair-base';

/** What a ticket from the time alone is published with (the key `alone/{gatewayId}/{ticketId}`). */
export interface AloneRecord extends AloneTicket {
  /** Alerts of it not delivered on every channel yet: the leader sends them (never zero times). */
  readonly alerts: readonly PendingAlert[];
}

/**
 * One pair member's time acting alone (no quorum, docs/high-availability.md). At its start the
 * store's files, as replicated up to change `baseSeq`, are copied aside; every change made alone
 * is journaled locally as usual and remembered here (which tickets it touched). When the pair meets
 * again, the tickets it touched are published to etcd for the leader to merge, the store's files
 * from the time alone are kept in `pair-alone-{n}/` (never deleted: they are the record of what this
 * gateway did alone) and the copy is put back, so the member follows the pair's log again from
 * `baseSeq` as a standby.
 */
export class AlonePeriod {
  readonly baseSeq: number;
  /** The last leadership epoch the pair had: both gateways derive the ids of fault tickets raised alone from it. */
  readonly sinceEpoch: number;
  readonly startedAt: number;
  readonly #dataDir: string;
  readonly #touched = new Set<string>();

  private constructor(dataDir: string, baseSeq: number, sinceEpoch: number, startedAt: number) {
    this.#dataDir = dataDir;
    this.baseSeq = baseSeq;
    this.sinceEpoch = sinceEpoch;
    this.startedAt = startedAt;
  }

  /** Copies the store's files aside; the store must not be writing (a standby's store, its follower stopped). */
  static async begin(store: FileStore, sinceEpoch: number, clock: Clock): Promise<AlonePeriod> {
    const base = path.join(store.dir, BASE);
    await rm(base, { recursive: true, force: true });
    await mkdir(base, { recursive: true });
    for (const f of STORE_FILES) await copyFile(path.join(store.dir, f), path.join(base, f)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    await fsyncDir(base);
    return new AlonePeriod(store.dir, store.seq, sinceEpoch, clock.monotonic());
  }

  /** The store's replicate hook while alone: the change is written locally only; which tickets it touched is noted. */
  keep(record: JournalRecord): Promise<void> {
    for (const id of Object.keys(record.tickets ?? {})) this.#touched.add(id);
    for (const id of Object.keys(record.ticketPatches ?? {})) this.#touched.add(id);
    return Promise.resolve();
  }

  /** Tickets raised or changed while alone, as they are now, with their alarms and undelivered alerts. */
  records(store: FileStore, gatewayId: string): AloneRecord[] {
    const data = store.data;
    const alarmOf = new Map<string, AlarmRecord>(Object.values(data.alarms).flatMap((a) => (a.ticketId === null ? [] : [[a.ticketId, a] as const])));
    return [...this.#touched].flatMap((id) => {
      const ticket: Ticket | undefined = data.tickets[id];
      if (ticket === undefined) return [];
      const alerts = Object.values(data.alerts).filter((a) => a.ticketId === id);
      return [{ gatewayId, ticket, alarm: alarmOf.get(id) ?? null, alerts }];
    });
  }

  /** Publishes them to etcd (one key each), for whichever gateway leads to merge; resolves once all are there. */
  async publish(client: Etcd3, prefix: string, records: readonly AloneRecord[], clock: Clock): Promise<void> {
    for (const r of records) await withinCall(clock, 'publish a ticket from the time alone', client.put(`${prefix}${r.gatewayId}/${r.ticket.id}`).value(JSON.stringify(r)).exec(), 5_000);
  }

  /** With the store closed: its files from the time alone kept aside, the copy from its start put back. */
  async restoreBase(): Promise<string> {
    const kept = path.join(this.#dataDir, `pair-alone-${Date.now()}`);
    await mkdir(kept, { recursive: true });
    for (const f of STORE_FILES) await rename(path.join(this.#dataDir, f), path.join(kept, f)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    const base = path.join(this.#dataDir, BASE);
    for (const f of STORE_FILES) await rename(path.join(base, f), path.join(this.#dataDir, f)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    await fsyncDir(this.#dataDir);
    await rm(base, { recursive: true, force: true });
    return kept;
  }
}
