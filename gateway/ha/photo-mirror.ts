import type { Etcd3 } from 'etcd3';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { GatewayError, errorMessage } from '../../core/errors.js';
import { SingleFlight } from '../../core/single-flight.js';
import type { Logger } from '../../core/log.js';
import { photoFileName, photoOfFileName, type AttachmentStore, type PhotoRef, type PhotoReplica } from '../tickets/attachment-store.js';
import { withinCall, type Leadership } from './leadership.js';
import type { PairKeys } from './pair-keys.js';

/** How often a gateway looks for photos taken through the other: one read of the keys changed since the last. */
const PULL_EVERY_MS = 1_000;
/** How often it compares the photos its live tickets name with those etcd keeps (gives back, sweeps). */
const RECONCILE_EVERY_MS = 30_000;
/**
 * Reconcile passes a photo that no live ticket names stays in etcd through (about 10 minutes): an
 * upload is named by the report or step the phone sends right after it, and a photo given out and
 * named later than that is given back by the gateway that has it.
 */
const UNNAMED_PASSES = 20;
/** How long an upload waits for etcd before the phone is told to send it again (its queue does). */
const PUT_WITHIN_MS = 10_000;

export interface PhotoMirrorDeps {
  readonly client: Etcd3;
  readonly keys: PairKeys;
  readonly leadership: Leadership;
  /** This gateway's own photo folder. */
  readonly local: AttachmentStore;
  /** The photos the live tickets of this gateway's store name now. */
  readonly named: () => Iterable<PhotoRef>;
  /** Elapsed time only (pacing, the upload's wait). */
  readonly clock: Clock;
  readonly log: Logger;
  /** Reconcile passes before a photo nobody names is swept (default UNNAMED_PASSES; a test sets fewer). */
  readonly unnamedPasses?: number;
}

/**
 * The photos of a pair, kept in etcd as well as on each gateway's disk (`photos/{id}.{ext}`), so a
 * photo taken through one gateway is on the other when the first dies. A ticket change goes
 * through etcd's log; a photo is too large for a log line and never changes, so it has a key of
 * its own, put before its id is given out (the upload is answered only then), and every gateway
 * copies the photos it lacks to its own disk a second after they appear.
 *
 * The active puts a new photo under its fencing epoch, like a ticket change. Giving back (a photo
 * a live ticket names that etcd lacks, after a time alone or a sweep) is a put only where the key
 * is absent, by whichever gateway has the file: a photo is immutable bytes under a random id, so
 * a late give-back changes nothing anyone reads. etcd's space stays bounded: the active deletes a
 * photo no live ticket has named for about ten minutes (an archived ticket's photos leave etcd).
 */
export class PhotoMirror implements PhotoReplica {
  readonly #d: PhotoMirrorDeps;
  readonly #prefixEnd: Buffer;
  /** etcd's revision up to which every photo key changed has been looked at. */
  #seenRevision = 0;
  #pullTimer: TimerHandle | null = null;
  #reconcileTimer: TimerHandle | null = null;
  readonly #pull = new SingleFlight(() => this.#pullChanged());
  readonly #reconcile = new SingleFlight(() => this.#reconcilePass());
  /** Photo keys no live ticket names, with the reconcile passes they have been seen so. */
  readonly #unnamed = new Map<string, number>();
  /** What failed last, said once until a pass succeeds again. */
  #failing: string | null = null;

  constructor(d: PhotoMirrorDeps) {
    this.#d = d;
    const p = Buffer.from(d.keys.photoPrefix);
    this.#prefixEnd = Buffer.concat([p.subarray(0, p.length - 1), Buffer.from([(p[p.length - 1] ?? 0) + 1])]);
  }

  start(): void {
    if (this.#pullTimer !== null) return;
    this.#pullTimer = this.#d.clock.setInterval(() => void this.pullOnce().catch(() => undefined), PULL_EVERY_MS);
    this.#reconcileTimer = this.#d.clock.setInterval(() => void this.reconcileOnce().catch(() => undefined), RECONCILE_EVERY_MS);
  }

  async stop(): Promise<void> {
    this.#pullTimer?.cancel();
    this.#pullTimer = null;
    this.#reconcileTimer?.cancel();
    this.#reconcileTimer = null;
    // Passes in flight end before the caller closes the etcd client under them.
    await this.#pull.settled();
    await this.#reconcile.settled();
  }

  /** The active's upload: committed under its epoch before the id is given out. */
  async put(a: PhotoRef, bytes: Buffer): Promise<void> {
    const key = this.#key(a);
    const until = this.#d.clock.monotonic() + PUT_WITHIN_MS;
    for (;;) {
      try {
        await this.#d.leadership.fenced(`photo ${a.id}`, [this.#d.client.put(key).value(bytes)]);
        return;
      } catch (err) {
        // A gateway that no longer leads says so at once; etcd out of reach is tried again a while.
        if (err instanceof GatewayError && err.code === 'GW_HA_FENCED') throw err;
        if (this.#d.clock.monotonic() >= until) throw err;
        await new Promise<void>((resolve) => this.#d.clock.setTimeout(resolve, 250));
      }
    }
  }

  get(a: PhotoRef): Promise<Buffer | null> {
    return withinCall(this.#d.clock, `read photo ${a.id}`, this.#d.client.get(this.#key(a)).buffer(), 5_000);
  }

  /** Copies to this disk every photo put in etcd since the last pass that is not here yet. */
  pullOnce(): Promise<void> {
    return this.#pull.run();
  }

  async #pullChanged(): Promise<void> {
    try {
      const res = await withinCall(
        this.#d.clock,
        'list new photos',
        this.#d.client.kv.range({ key: Buffer.from(this.#d.keys.photoPrefix), range_end: this.#prefixEnd, keys_only: true, min_mod_revision: String(this.#seenRevision + 1) }),
      );
      let copied = 0;
      for (const kv of res.kvs) {
        const a = photoOfFileName(kv.key.toString().slice(this.#d.keys.photoPrefix.length));
        if (a === null || (await this.#d.local.has(a))) continue;
        const bytes = await this.get(a);
        if (bytes === null) continue; // swept meanwhile: nobody names it
        await this.#d.local.keep(a, bytes);
        copied += 1;
      }
      this.#seenRevision = Math.max(this.#seenRevision, Number(res.header?.revision ?? 0));
      if (copied > 0) this.#d.log.debug({ event: 'ha.photos_copied', photos: copied }, `copied ${copied} photo(s) taken through the other gateway`);
      this.#ok();
    } catch (err) {
      this.#failed(`cannot copy the pair's photos from etcd: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Gives back the photos live tickets name that etcd lacks; the active sweeps those nobody names. */
  reconcileOnce(): Promise<void> {
    return this.#reconcile.run();
  }

  async #reconcilePass(): Promise<void> {
    try {
      const keys = await withinCall(this.#d.clock, 'list the photos', this.#d.client.getAll().prefix(this.#d.keys.photoPrefix).keys(), 5_000);
      const inEtcd = new Set(keys);
      const named = new Map<string, PhotoRef>();
      for (const a of this.#d.named()) named.set(this.#key(a), a);
      let given = 0;
      for (const [key, a] of named) {
        if (inEtcd.has(key)) continue;
        const bytes = await this.#d.local.read(a);
        if (bytes === null) continue;
        const res = await withinCall(this.#d.clock, `give back photo ${a.id}`, this.#d.client.if(key, 'Create', '==', 0).then(this.#d.client.put(key).value(bytes)).commit(), 5_000);
        if (res.succeeded) given += 1;
      }
      if (given > 0) this.#d.log.info({ event: 'ha.photos_given_back', photos: given }, `${given} photo(s) of live tickets were only on this gateway: now kept in etcd too`);
      await this.#sweep(keys.filter((k) => !named.has(k)));
      this.#ok();
    } catch (err) {
      this.#failed(`cannot compare the pair's photos with etcd: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Only the active deletes, under its epoch, a photo unnamed for UNNAMED_PASSES passes in a row. */
  async #sweep(unnamedNow: readonly string[]): Promise<void> {
    const still = new Set(unnamedNow);
    for (const k of [...this.#unnamed.keys()]) if (!still.has(k)) this.#unnamed.delete(k);
    for (const k of unnamedNow) this.#unnamed.set(k, (this.#unnamed.get(k) ?? 0) + 1);
    if (!this.#d.leadership.holds()) return;
    const due = [...this.#unnamed].filter(([, passes]) => passes >= (this.#d.unnamedPasses ?? UNNAMED_PASSES)).map(([k]) => k);
    for (const k of due) {
      await this.#d.leadership.fenced(`sweep ${k}`, [this.#d.client.delete().key(k)]);
      this.#unnamed.delete(k);
    }
    if (due.length > 0) this.#d.log.info({ event: 'ha.photos_swept', photos: due.length }, `${due.length} photo(s) no live ticket names left etcd (each stays on the gateways' disks)`);
  }

  #key(a: PhotoRef): string {
    return `${this.#d.keys.photoPrefix}${photoFileName(a)}`;
  }

  #ok(): void {
    if (this.#failing === null) return;
    this.#failing = null;
    this.#d.log.info({ event: 'ha.photos_ok' }, "the pair's photos are copied again");
  }

  #failed(why: string): void {
    if (this.#failing !== null) return;
    this.#failing = why;
    this.#d.log.warn({ event: 'ha.photos_failed', err: why }, why);
  }
}
