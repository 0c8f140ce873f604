import type { Etcd3, Lease } from 'etcd3';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { GatewayError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { LeaseRenewal } from './lease-renewal.js';
import { readLeaderInfo, type LeaderInfo, type PairKeys } from './pair-keys.js';

export type LeadershipEvents = {
  /** This gateway holds the site's leadership from now on, with this fencing epoch. */
  elected: [epoch: number];
  /** It no longer does (lease expired, renewal refused or late, resigned): stop acting at once. */
  lost: [why: string];
  /** Another gateway is the active (or none is): where to forward staff writes. */
  leader: [LeaderInfo | null];
};

export interface LeadershipDeps {
  readonly client: Etcd3;
  /** Renews the lease at every member at once (one member cut from etcd's leader must not let it lapse). */
  readonly renewal: LeaseRenewal;
  readonly keys: PairKeys;
  readonly me: LeaderInfo;
  readonly leaseSeconds: number;
  /** Elapsed time only: leases are judged on the monotonic clock (never the wall clock, which steps). */
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * How often a gateway that does not lead looks whether the leader key is free: one linearizable
 * read, a quarter of a second at most added to a failover.
 */
const CAMPAIGN_EVERY_MS = 250;
/** How long one renewal may take before it counts as lost (the next ones are already on their way). */
const RENEW_MS = 1_000;

/** How long one etcd call may take before it counts as failed (a member that is down, a lost quorum). */
export const ETCD_CALL_MS = 1_500;
/** One attempt of a call at one member: short enough that the client's retry at another member fits in ETCD_CALL_MS. */
export const ETCD_ATTEMPT_MS = 600;

/** Bounds an etcd call on the monotonic clock (its own gRPC deadline is the library's business). */
export function withinCall<T>(clock: Clock, what: string, p: Promise<T>, ms = ETCD_CALL_MS): Promise<T> {
  let timer: TimerHandle | null = null;
  const late = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new Error(`etcd gave no answer to ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => timer?.cancel());
}

/**
 * The site's leadership as an etcd lease on the leader key, taken only when the key is absent
 * (a transaction comparing its create revision with 0), so two gateways can never both hold it.
 * Its create revision is the fencing epoch every durable change is checked against.
 *
 * It is judged here on the monotonic clock: held until (send time of the last renewal that etcd
 * answered) + the TTL it answered, minus nothing and plus nothing. A renewal that comes back late
 * extends from when it was sent, not from when it arrived; a process paused past that instant
 * (SIGSTOP, a stalled VM) finds on waking that it no longer holds, before it acts on anything.
 * No election helper is used: the transaction is the whole election.
 */
export class Leadership extends TypedEmitter<LeadershipEvents> {
  readonly #d: LeadershipDeps;
  #lease: Lease | null = null;
  /** The held lease's id, as etcd granted it. */
  #leaseId: string | null = null;
  #epoch: number | null = null;
  /** Monotonic instant the lease may have expired at, by the last answered renewal. */
  #validUntil = 0;
  #renew: TimerHandle | null = null;
  #expiry: TimerHandle | null = null;
  #campaign: TimerHandle | null = null;
  #stopped = true;
  /** A campaign is not tried before this monotonic instant (after resigning: the other gateway goes first). */
  #notBefore = 0;
  #busy = false;
  #leader: LeaderInfo | null = null;
  /** Monotonic instant of the last answer etcd gave that needed a quorum (a read, a renewal, a commit). */
  #contactAt: number;
  /** The newest leadership epoch seen (this gateway's or the other's): what both name the time apart by. */
  #epochSeen = 0;

  constructor(d: LeadershipDeps) {
    super();
    this.#d = d;
    this.#contactAt = d.clock.monotonic();
  }

  /** When etcd last answered with a quorum behind it (monotonic). */
  lastContact(): number {
    return this.#contactAt;
  }

  lastEpochSeen(): number {
    return this.#epochSeen;
  }

  #contact(): void {
    this.#contactAt = this.#d.clock.monotonic();
  }

  /** Whether this gateway may act now, as the active of the pair. */
  holds(): boolean {
    return this.#epoch !== null && this.#d.clock.monotonic() < this.#validUntil;
  }

  epoch(): number | null {
    return this.holds() ? this.#epoch : null;
  }

  /** The active as last seen (this gateway's own info while it leads). */
  leader(): LeaderInfo | null {
    return this.#leader;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#scheduleCampaign(0);
  }

  /** Stops campaigning; a held lease is revoked so the other gateway takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#campaign?.cancel();
    this.#campaign = null;
    await this.resign('stopping', 0);
  }

  /** Gives leadership up (an operator's switchover, a stop) and keeps out of the next election for `holdOffMs`. */
  async resign(why: string, holdOffMs: number): Promise<void> {
    this.#notBefore = this.#d.clock.monotonic() + holdOffMs;
    const lease = this.#lease;
    this.#drop(why, false);
    if (lease !== null) await withinCall(this.#d.clock, 'revoke', lease.revoke()).catch(() => undefined);
    if (!this.#stopped) this.#scheduleCampaign(Math.max(holdOffMs, 200));
  }

  /**
   * Commits operations to etcd only while this gateway's epoch holds: the fenced write. Throws
   * GW_HA_FENCED when the epoch is gone (another gateway leads), and a plain error when etcd did
   * not answer (the caller retries; nothing is told meanwhile).
   */
  async fenced(what: string, ops: Parameters<ReturnType<Etcd3['if']>['then']>): Promise<void> {
    const epoch = this.#epoch;
    if (epoch === null || !this.holds()) throw new GatewayError('GW_HA_FENCED', `this gateway is not the active of the pair: ${what} is not written`, {});
    const res = await withinCall(this.#d.clock, what, this.#d.client.if(this.#d.keys.leader, 'Create', '==', epoch).then(...ops).commit());
    this.#contact();
    if (!res.succeeded) {
      this.#drop('the fencing epoch is gone: another gateway leads', true);
      throw new GatewayError('GW_HA_FENCED', `epoch ${epoch} no longer holds: ${what} is not written`, { epoch });
    }
  }

  #scheduleCampaign(ms: number): void {
    if (this.#stopped) return;
    this.#campaign?.cancel();
    this.#campaign = this.#d.clock.setTimeout(() => {
      this.#campaign = null;
      void this.#tryCampaign();
    }, ms);
  }

  /** Tries to take the leader key; else learns who holds it. Runs every CAMPAIGN_EVERY_MS while not leading. */
  async #tryCampaign(): Promise<void> {
    if (this.#stopped || this.#epoch !== null || this.#busy) return;
    const now = this.#d.clock.monotonic();
    if (now < this.#notBefore) {
      this.#scheduleCampaign(this.#notBefore - now);
      return;
    }
    this.#busy = true;
    let lease: Lease | null = null;
    try {
      const { client, keys } = this.#d;
      // Who leads now: a gateway that sees a leader does not try (it would only make a lease to revoke).
      const read = await withinCall(this.#d.clock, 'read the leader', client.get(keys.leader).exec());
      this.#contact();
      const kv = read.kvs[0];
      if (kv !== undefined) this.#epochSeen = Math.max(this.#epochSeen, Number(kv.create_revision));
      const current = readLeaderInfo(kv === undefined ? null : kv.value.toString());
      this.#setLeader(current);
      if (current === null) {
        lease = client.lease(this.#d.leaseSeconds, { autoKeepAlive: false });
        const sent = this.#d.clock.monotonic();
        const leaseId = await withinCall(this.#d.clock, 'grant a lease', lease.grant());
        const res = await withinCall(this.#d.clock, 'take the leader key', client.if(keys.leader, 'Create', '==', 0).then(lease.put(keys.leader).value(JSON.stringify(this.#d.me))).commit());
        if (res.succeeded && !this.#stopped) {
          // The key was created by this transaction: its revision is the key's create revision.
          this.#epoch = Number(res.header?.revision ?? 0);
          this.#epochSeen = Math.max(this.#epochSeen, this.#epoch);
          this.#contact();
          this.#lease = lease;
          this.#leaseId = leaseId;
          lease = null;
          this.#validUntil = sent + this.#d.leaseSeconds * 1000;
          this.#setLeader(this.#d.me);
          this.#armExpiry();
          this.#scheduleRenew();
          this.#d.log.info({ event: 'ha.elected', epoch: this.#epoch, gatewayId: this.#d.me.gatewayId }, `this gateway is the active of the pair (epoch ${this.#epoch})`);
          this.emit('elected', this.#epoch);
        }
      }
    } catch (err) {
      this.#d.log.debug({ event: 'ha.campaign_failed', err: errorMessage(err) }, 'could not reach etcd to campaign');
    } finally {
      this.#busy = false;
      if (lease !== null) void withinCall(this.#d.clock, 'revoke', lease.revoke()).catch(() => undefined);
      if (this.#epoch === null) this.#scheduleCampaign(CAMPAIGN_EVERY_MS);
    }
  }

  #setLeader(info: LeaderInfo | null): void {
    if (info?.gatewayId === this.#leader?.gatewayId && info?.url === this.#leader?.url) return;
    this.#leader = info;
    this.emit('leader', info);
  }

  /**
   * Renewals go out every quarter lease whether the last one has answered or not, each to every
   * member at once: one member that hangs (cut from etcd's leader) must neither hold the next
   * renewal back nor fail it.
   */
  #scheduleRenew(): void {
    this.#renew?.cancel();
    this.#renew = this.#d.clock.setInterval(() => void this.#renewOnce(), (this.#d.leaseSeconds * 1000) / 4);
    void this.#renewOnce();
  }

  async #renewOnce(): Promise<void> {
    const lease = this.#lease;
    const id = this.#leaseId;
    if (lease === null || id === null || this.#epoch === null) return;
    const sent = this.#d.clock.monotonic();
    try {
      // The streams' own deadline ends each member's call; ours bounds the wait on the monotonic clock.
      const res = await withinCall(this.#d.clock, 'renew the lease', this.#d.renewal.renew(id, RENEW_MS), RENEW_MS + 200);
      const ttl = res.ttlSeconds;
      this.#contact();
      if (this.#lease !== lease) return;
      if (ttl <= 0) {
        this.#drop('etcd says the lease has expired', true);
        return;
      }
      // From when the renewal was sent: an answer that arrives late extends nothing by its lateness.
      this.#validUntil = Math.max(this.#validUntil, sent + ttl * 1000);
      this.#armExpiry();
    } catch (err) {
      const why = err instanceof AggregateError ? err.errors.map(errorMessage).join('; ') : errorMessage(err);
      this.#d.log.warn({ event: 'ha.renew_failed', err: why }, 'could not renew the leadership lease at any etcd member');
    }
  }

  /** Drops leadership the instant the lease may have expired, renewal or not. */
  #armExpiry(): void {
    this.#expiry?.cancel();
    const left = this.#validUntil - this.#d.clock.monotonic();
    this.#expiry = this.#d.clock.setTimeout(() => {
      this.#expiry = null;
      if (!this.holds()) this.#drop('the lease ran out without a renewal', true);
      else this.#armExpiry();
    }, Math.max(1, left));
  }

  #drop(why: string, tell: boolean): void {
    this.#renew?.cancel();
    this.#renew = null;
    this.#expiry?.cancel();
    this.#expiry = null;
    const lease = this.#lease;
    this.#lease = null;
    this.#leaseId = null;
    const epoch = this.#epoch;
    this.#epoch = null;
    this.#validUntil = 0;
    if (lease !== null) lease.release();
    if (epoch !== null && tell) {
      this.#d.log.error({ event: 'ha.fenced', code: 'GW_HA_FENCED', epoch, why }, `this gateway is no longer the active of the pair (${why}): it writes, alerts and syncs nothing more`);
      this.#leader = null;
      this.emit('lost', why);
    } else if (epoch !== null) {
      this.#d.log.info({ event: 'ha.resigned', epoch, why }, `this gateway gave up being the active (${why})`);
      this.#leader = null;
      this.emit('lost', why);
    }
    if (!this.#stopped && this.#campaign === null) this.#scheduleCampaign(Math.max(CAMPAIGN_EVERY_MS, this.#notBefore - this.#d.clock.monotonic()));
  }
}
