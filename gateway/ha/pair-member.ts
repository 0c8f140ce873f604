import { Etcd3 } from 'etcd3';
import type { ActingRight } from '../../core/acting-right.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { buildGateway, type Gateway } from '../app.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { StopBy } from '../liveness/index.js';
import { fileBudget, openFileLimit } from '../open-files.js';
import { createColdSensing, createSensing, readByActiveOnly, type Sensing } from '../sensing.js';
import { STORE_SCHEMA_VERSION } from '../store/store-data.js';
import { AttachmentStore } from '../tickets/attachment-store.js';
import { FileStore } from '../store/store.js';
import { gatewayVersion } from '../version.js';
import type { HaConfig } from './ha-config.js';
import { ETCD_ATTEMPT_MS, Leadership, withinCall } from './leadership.js';
import { LeaseRenewal } from './lease-renewal.js';
import { PhotoMirror } from './photo-mirror.js';
import { fetchStoreCopy, installStoreCopy, pairSecret, type StoreCopy } from './store-copy.js';
import { pairKeys, type LeaderInfo, type PairKeys } from './pair-keys.js';
import { ReplicaFollower, ReplicaWriter } from './replica-log.js';
import { AlonePeriod } from './alone-period.js';
import { mergeTimeApart } from './merge-time-apart.js';
import { readCommand } from './pair-command.js';
import { aloneIdentity } from '../tickets/ticket-identity.js';
import { StandbyHttp } from './standby-http.js';

export type PairRole = 'starting' | 'standby' | 'promoting' | 'active' | 'demoting' | 'alone' | 'reuniting' | 'stopped';

export interface PairMemberDeps {
  /** The domain's clock (a scenario's fast clock); leadership is always judged on the real monotonic clock. */
  readonly clock: Clock;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly requestStop: (by: StopBy, code: number) => void;
  /** Tests and the bench: the store format this process says it writes (a mixed-version pair). */
  readonly storeFormat?: number;
}

/**
 * One gateway of a pair (docs/high-availability.md). Its sensing (adapters and detection) runs
 * from start to stop whatever its role; its store follows the active's changes through etcd while
 * it is the standby, and is the active's store, every change committed through etcd under its
 * fencing epoch, once it is promoted. The acting parts (tickets, alarms, alerts, sync, the API) are
 * the single gateway's own (app.ts), built at promotion on the replicated store and the warm
 * sensing, and stopped when it loses leadership; the store is then read again from disk, so what
 * it had in memory and never committed is dropped, not carried into the next promotion.
 */
export class PairMember {
  readonly #site: SiteConfig;
  readonly #ha: HaConfig;
  readonly #d: PairMemberDeps;
  readonly #log: Logger;
  readonly #keys: PairKeys;
  readonly #client: Etcd3;
  readonly #renewal: LeaseRenewal;
  /** The pair's photos, in etcd and copied to this gateway's disk, in every role. */
  readonly #photos: PhotoMirror;
  readonly #leadership: Leadership;
  readonly #writer: ReplicaWriter;
  readonly #me: LeaderInfo;
  readonly #http: StandbyHttp;
  #sensing: Sensing | null = null;
  #store: FileStore | null = null;
  #follower: ReplicaFollower | null = null;
  #gateway: Gateway | null = null;
  #role: PairRole = 'starting';
  /** Role changes run one after the other: a loss during a promotion waits for it, then demotes. */
  #turn: Promise<void> = Promise.resolve();
  #formatProblem: string | null = null;
  #promotedAt: number | null = null;
  #commands: TimerHandle | null = null;
  #commandBusy = false;
  /** The time acting alone (no quorum), while it lasts. */
  #alone: AlonePeriod | null = null;
  readonly #coldIds: ReadonlySet<string>;
  /** The cold sources' adapters while this gateway acts (active or alone). */
  #cold: Sensing | null = null;
  #quorumWatch: TimerHandle | null = null;
  #secret: string | null = null;
  #copyPending = false;
  #copyNotBefore = 0;

  constructor(site: SiteConfig, ha: HaConfig, d: PairMemberDeps) {
    // Each of the pair is its own client of the site broker (one client id would throw the other off).
    this.#site = { ...site, broker: site.broker.mode === 'external' ? { ...site.broker, clientId: `${site.broker.clientId ?? `gw-${site.site.id}`}-${ha.gatewayId}` } : site.broker };
    this.#ha = ha;
    this.#d = d;
    this.#log = d.log.child({ siteId: site.site.id, gatewayId: ha.gatewayId, component: 'ha' });
    this.#keys = pairKeys(ha.prefix, site.site.id);
    this.#coldIds = new Set(site.devices.filter(readByActiveOnly).map((d) => d.id));
    // Every unary call carries a deadline (gRPC makes it a timer once, at the call): a member cut
    // from etcd's leader then fails the call, the client's per-member breaker counts it, and the
    // retry goes to another member, instead of the call hanging on the one it picked.
    this.#client = new Etcd3({ hosts: ha.etcd, dialTimeout: 1_500, defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + ETCD_ATTEMPT_MS }) });
    const host = site.http.host === '0.0.0.0' || site.http.host === '::' ? '127.0.0.1' : site.http.host;
    this.#me = { gatewayId: ha.gatewayId, url: ha.peerUrl ?? `http://${host}:${site.http.port}`, version: gatewayVersion(), storeFormat: d.storeFormat ?? STORE_SCHEMA_VERSION };
    this.#renewal = new LeaseRenewal(ha.etcd, 1_500);
    this.#leadership = new Leadership({ client: this.#client, renewal: this.#renewal, keys: this.#keys, me: this.#me, leaseSeconds: ha.leaseSeconds, clock: systemClock, log: this.#log });
    this.#writer = new ReplicaWriter({
      keptLines: ha.keptChanges,
      client: this.#client,
      keys: this.#keys,
      leadership: this.#leadership,
      clock: systemClock,
      onSpace: (problem) => {
        if (problem === null) this.#log.info({ event: 'ha.etcd_space_ok' }, 'etcd takes writes again');
        else this.#log.error({ event: 'ha.etcd_space', code: 'GW_HA_ETCD_SPACE', err: problem }, `etcd refuses writes, its space quota is used up: nothing is made durable until it is compacted, defragmented and its alarm disarmed (docs/high-availability.md): ${problem}`);
      },
    });
    this.#photos = new PhotoMirror({
      client: this.#client,
      keys: this.#keys,
      leadership: this.#leadership,
      local: new AttachmentStore(site.dataDir, site.attachments.maxBytes),
      named: () => Object.values(this.#store?.data.tickets ?? {}).flatMap((t) => t.attachments),
      clock: systemClock,
      log: this.#log,
    });
    this.#http = new StandbyHttp({ host: site.http.host, port: site.http.port, log: this.#log, leader: () => this.#leadership.leader(), health: () => this.#standbyHealth() });
  }

  role(): PairRole {
    return this.#role;
  }

  /** The acting gateway while this member is the active. */
  gateway(): Gateway | null {
    return this.#gateway;
  }

  async start(): Promise<void> {
    const store = await this.#openStore();
    const files = fileBudget(openFileLimit(), this.#site.http.maxConnections);
    const presence = pairPresence(this.#site.site.id, this.#ha.gatewayId, this.#d.clock, () => this.#role);
    // Cold sources (one client only) are read by the active alone; the standby's detection does not judge their silence.
    this.#sensing = await createSensing(this.#site, { clock: this.#d.clock, log: this.#d.log.child({ siteId: this.#site.site.id }), env: this.#d.env, connectionCap: files.known ? { max: files.mqttConnections, fileLimit: files.fileLimit } : null, presence, skip: (id) => this.#coldIds.has(id) });
    this.#sensing.detect.setUnread(this.#coldIds);
    await this.#sensing.start();
    this.#leadership.on('elected', (epoch) => this.#queue(() => this.#promote(epoch)));
    this.#leadership.on('lost', (why) => this.#queue(() => this.#demote(why)));
    this.#leadership.on('leader', (l) => this.#checkFormat(l));
    await this.#becomeStandby(store);
    this.#leadership.start();
    this.#photos.start();
    // Read now, so a promotion never waits for it (it names the other gateway's store copy).
    void this.#pairSecret().catch(() => undefined);
    this.#quorumWatch = systemClock.setInterval(() => this.#checkQuorum(), 500);
    this.#log.info({ event: 'gateway.started', role: 'standby', http: this.#me.url, etcd: this.#ha.etcd.length }, `pair member ${this.#ha.gatewayId} started as the standby; it takes over when no gateway holds the lease`);
  }

  /** Stops in order: the acting parts (if active) with their last writes, leadership (revoked, so the other takes over at once), sensing, etcd. */
  async stop(by: StopBy = 'program'): Promise<void> {
    await this.#turn;
    const was = this.#role;
    this.#role = 'stopped';
    this.#commands?.cancel();
    this.#commands = null;
    this.#quorumWatch?.cancel();
    this.#quorumWatch = null;
    if (this.#gateway !== null) await this.#gateway.stop(by);
    this.#gateway = null;
    await this.#stopCold();
    await this.#leadership.stop();
    await this.#photos.stop();
    await this.#follower?.stop();
    await this.#http.stop();
    await this.#sensing?.mqtt.sayOffline(by).catch(() => undefined);
    await this.#sensing?.stop();
    if (was !== 'active' && was !== 'alone') await this.#store?.close();
    this.#client.close();
    this.#renewal.close();
    this.#log.info({ event: 'gateway.stopped', stoppedBy: by }, 'pair member stopped');
  }

  /** An operator's switchover: the active makes everything durable, stops acting and lets the standby lead. */
  async switchover(): Promise<boolean> {
    if (this.#role !== 'active') return false;
    this.#queue(async () => {
      this.#log.info({ event: 'ha.switchover' }, 'switching over to the other gateway on command');
      await this.#stopActing('switchover');
      await this.#leadership.resign('switchover on command', this.#ha.leaseSeconds * 3_000);
    });
    await this.#turn;
    return true;
  }

  #queue(fn: () => Promise<void>): void {
    this.#turn = this.#turn.then(fn).catch((err: unknown) => {
      this.#log.error({ event: 'ha.role_change_failed', err: errorMessage(err) }, `a role change failed: ${errorMessage(err)}`);
    });
  }

  async #openStore(): Promise<FileStore> {
    const store = await FileStore.open({ dataDir: this.#site.dataDir, clock: systemClock, log: this.#d.log.child({ component: 'store' }), compactAfterBytes: this.#site.store.compactAfterBytes, replicate: (line, seq, record) => (this.#alone !== null ? this.#alone.keep(record) : this.#writer.commit(line, seq)) });
    this.#store = store;
    return store;
  }

  async #becomeStandby(store: FileStore): Promise<void> {
    this.#role = 'standby';
    this.#follow(store);
    await this.#http.start();
  }

  #follow(store: FileStore): void {
    this.#follower = new ReplicaFollower({
      client: this.#client,
      keys: this.#keys,
      store,
      clock: systemClock,
      log: this.#log,
      onBehind: (why) => {
        if (this.#copyPending) return;
        this.#copyPending = true;
        this.#queue(() => this.#copyFromActive(why).finally(() => (this.#copyPending = false)));
      },
    });
    if (this.#formatProblem === null) this.#follower.start();
  }

  /** The pair's secret, read from etcd once (made there by the first member that asks). */
  async #pairSecret(): Promise<string> {
    this.#secret ??= await pairSecret(this.#client, this.#keys, systemClock);
    return this.#secret;
  }

  /**
   * A standby away for more changes than etcd keeps: it copies the active's store (its files as on
   * its disk, only committed changes) in place of its own, set aside, then follows from there.
   * Tried again at most every 10 s while the active cannot be reached.
   */
  async #copyFromActive(why: string): Promise<void> {
    const leader = this.#leadership.leader();
    const old = this.#store;
    if (this.#role !== 'standby' || old === null || leader === null || leader.gatewayId === this.#ha.gatewayId) return;
    if (performance.now() < this.#copyNotBefore) return;
    this.#copyNotBefore = performance.now() + 10_000;
    const had = old.seq;
    this.#log.warn({ event: 'ha.store_behind', seq: had, why }, `etcd no longer holds the changes after ${had} (${why}): copying the active's store`);
    let copy: StoreCopy;
    try {
      // Bounded well under a takeover's patience: an election waits behind this in the queue.
      copy = await fetchStoreCopy(leader.url, await this.#pairSecret(), 10_000);
    } catch (err) {
      this.#log.warn({ event: 'ha.store_copy_failed', err: errorMessage(err) }, `could not copy the active's store yet: ${errorMessage(err)}`);
      return;
    }
    if (this.#role !== 'standby' || this.#store !== old) return;
    await this.#follower?.stop();
    this.#follower = null;
    await old.close();
    const kept = await installStoreCopy(this.#site.dataDir, copy);
    const store = await this.#openStore();
    this.#follow(store);
    this.#log.info({ event: 'ha.store_copied', from: had, to: store.seq, kept }, `copied the active's store (change ${had} -> ${store.seq}); this gateway's own is kept in ${kept}`);
  }

  async #promote(epoch: number): Promise<void> {
    // Elected while acting alone: the time apart ends first (its tickets published for the merge below).
    if (this.#role === 'alone') await this.#reunite();
    if (this.#role !== 'standby' || !this.#leadership.holds()) return;
    const store = this.#store;
    const follower = this.#follower;
    const sensing = this.#sensing;
    if (store === null || follower === null || sensing === null) return;
    if (this.#formatProblem !== null) {
      await this.#leadership.resign(this.#formatProblem, this.#ha.leaseSeconds * 2_000);
      return;
    }
    this.#role = 'promoting';
    const started = performance.now();
    await follower.stop();
    try {
      // Everything the old active committed is in etcd below this epoch: read to the end before acting.
      await follower.catchUp();
    } catch (err) {
      this.#log.error({ event: 'ha.promote_failed', epoch, err: errorMessage(err) }, `could not read the old active's last changes; not taking over: ${errorMessage(err)}`);
      this.#role = 'standby';
      follower.start();
      await this.#leadership.resign('could not catch up before taking over', this.#ha.leaseSeconds * 1_000);
      return;
    }
    this.#follower = null;
    await this.#http.stop();
    const acting: ActingRight = { gatewayId: this.#ha.gatewayId, mayAct: () => this.#leadership.holds(), epoch: () => this.#leadership.epoch(), role: () => 'active' };
    const pair = () => ({ gatewayId: this.#ha.gatewayId, role: this.#role, epoch: this.#leadership.epoch(), appliedChange: store.seq, problems: this.#activeProblems() });
    // Read at start, so this is the cached value; without it the other cannot copy this store.
    const pairSecret = await this.#pairSecret().catch(() => null);
    try {
      const gateway = await buildGateway(this.#site, { clock: this.#d.clock, log: this.#d.log, env: this.#d.env, requestStop: this.#d.requestStop, acting, sensing: await this.#withCold(sensing), store, gatewayId: this.#ha.gatewayId, pair, photoReplica: this.#photos, ...(pairSecret === null ? {} : { pairSecret }) });
      this.#gateway = gateway;
      // What either gateway did alone while the pair was apart is taken in before anything reacts to it.
      await mergeTimeApart({ client: this.#client, keys: this.#keys, gateway, store, log: this.#log });
      await gateway.start();
    } catch (err) {
      // Holding the lease without acting would leave the site with nobody: hand it on and be the standby.
      this.#log.error({ event: 'ha.promote_failed', epoch, err: errorMessage(err) }, `could not take over; the other gateway may: ${errorMessage(err)}`);
      await this.#stopActing('the takeover failed');
      await this.#leadership.resign('the takeover failed', this.#ha.leaseSeconds * 2_000);
      return;
    }
    this.#role = 'active';
    this.#promotedAt = performance.now();
    this.#watchCommands();
    this.#log.info({ event: 'ha.promoted', epoch, seq: store.seq, ms: Math.round(performance.now() - started) }, `this gateway is now the active (epoch ${epoch}, change ${store.seq})`);
  }

  /** While active: an operator's command in etcd (`npm run ha -- switchover`), looked at twice a second. */
  #watchCommands(): void {
    this.#commands?.cancel();
    this.#commands = systemClock.setInterval(() => {
      if (this.#role !== 'active' || this.#commandBusy) return;
      this.#commandBusy = true;
      void withinCall(systemClock, 'read commands', this.#client.get(this.#keys.command).string())
        .then(async (text) => {
          // Tickets the other gateway published from a time alone after this one took over: taken in now.
          const late = await withinCall(systemClock, 'look for tickets from a time apart', this.#client.getAll().prefix(this.#keys.alonePrefix).count());
          const gateway = this.#gateway;
          const store = this.#store;
          if (late > 0 && gateway !== null && store !== null) await mergeTimeApart({ client: this.#client, keys: this.#keys, gateway, store, log: this.#log });
          const cmd = readCommand(text);
          if (cmd === null || cmd.to === this.#ha.gatewayId) return;
          // Taken once: deleted only if it is still this command, then acted on.
          const res = await withinCall(systemClock, 'take the command', this.#client.if(this.#keys.command, 'Value', '==', text ?? '').then(this.#client.delete().key(this.#keys.command)).commit());
          if (res.succeeded) await this.switchover();
        })
        .catch(() => undefined)
        .finally(() => {
          this.#commandBusy = false;
        });
    }, 500);
  }

  async #demote(why: string): Promise<void> {
    if (this.#role !== 'active' && this.#role !== 'promoting') return;
    // Fenced: what waits to be written never will be; refusing it at once lets the acting parts
    // stop without waiting on commits (their callers tell nobody of a refused change).
    await this.#store?.abandon(why);
    await this.#stopActing(why);
  }

  /** Stops the acting parts and reads the store again from disk: only what etcd holds carries on. */
  async #stopActing(why: string): Promise<void> {
    this.#role = 'demoting';
    this.#commands?.cancel();
    this.#commands = null;
    const gateway = this.#gateway;
    this.#gateway = null;
    if (gateway !== null) await gateway.stop('program');
    else await this.#store?.close();
    await this.#stopCold();
    this.#log.warn({ event: 'ha.demoted', why }, `this gateway is the standby again (${why})`);
    const store = await this.#openStore();
    await this.#becomeStandby(store);
  }

  /**
   * No quorum for longer than ha.aloneAfterSeconds: a standby acts alone (an active has already
   * stood down, its lease gone). Quorum back: a gateway acting alone rejoins the pair.
   */
  #checkQuorum(): void {
    const quiet = systemClock.monotonic() - this.#leadership.lastContact();
    if (this.#role === 'standby' && this.#formatProblem === null && quiet > this.#ha.aloneAfterSeconds * 1000) this.#queue(() => this.#goAlone(quiet));
    else if (this.#role === 'alone' && quiet < 1_500) this.#queue(() => this.#reunite());
  }

  async #goAlone(quiet: number): Promise<void> {
    const store = this.#store;
    const sensing = this.#sensing;
    if (this.#role !== 'standby' || store === null || sensing === null) return;
    await this.#follower?.stop();
    this.#follower = null;
    await this.#http.stop();
    const alone = await AlonePeriod.begin(store, this.#leadership.lastEpochSeen(), systemClock);
    this.#alone = alone;
    this.#role = 'alone';
    const why = `no quorum of the pair's etcd members for ${Math.round(quiet / 1000)} s`;
    this.#log.error({ event: 'ha.alone', code: 'GW_HA_NO_QUORUM', baseChange: alone.baseSeq, sinceEpoch: alone.sinceEpoch }, `${why}: this gateway acts alone (raises, alerts and syncs every fault); the pair merges what both did when it meets again`);
    const acting: ActingRight = { gatewayId: this.#ha.gatewayId, mayAct: () => this.#role === 'alone', epoch: () => null, role: () => 'alone' };
    const pair = () => ({ gatewayId: this.#ha.gatewayId, role: this.#role, epoch: null, appliedChange: alone.baseSeq, problems: [`acting alone: ${why} (GW_HA_NO_QUORUM); the other gateway may be acting alone too`] });
    const gateway = await buildGateway(this.#site, { clock: this.#d.clock, log: this.#d.log, env: this.#d.env, requestStop: this.#d.requestStop, acting, sensing: await this.#withCold(sensing), store, gatewayId: this.#ha.gatewayId, pair, identity: aloneIdentity(this.#site.site.id, alone.sinceEpoch, this.#ha.place) });
    this.#gateway = gateway;
    await gateway.start();
    void gateway.notifier.system('GW_HA_NO_QUORUM', { zh: `双机失去多数派，网关 ${this.#ha.gatewayId} 独自运行：每个故障照常报修和告警，可能重复收到`, en: `The pair lost its quorum: gateway ${this.#ha.gatewayId} acts alone; every fault is still raised and alerted, you may hear some twice` });
  }

  /** Quorum is back: what was done alone goes to etcd for the leader, the store returns to the pair's, and this gateway is a standby again. */
  async #reunite(): Promise<void> {
    const alone = this.#alone;
    const store = this.#store;
    if (this.#role !== 'alone' || alone === null || store === null) return;
    this.#role = 'reuniting';
    const records = alone.records(store, this.#ha.gatewayId);
    try {
      await alone.publish(this.#client, this.#keys.alonePrefix, records, systemClock);
    } catch (err) {
      this.#log.warn({ event: 'ha.reunite_failed', err: errorMessage(err) }, `could not hand what was done alone to the pair yet; still acting alone: ${errorMessage(err)}`);
      this.#role = 'alone';
      return;
    }
    const gateway = this.#gateway;
    this.#gateway = null;
    if (gateway !== null) await gateway.stop('program');
    await this.#stopCold();
    this.#alone = null;
    const kept = await alone.restoreBase();
    this.#log.info({ event: 'ha.reunited', tickets: records.length, kept }, `the pair has a quorum again: ${records.length} tickets from the time alone handed to the pair; this gateway's store from then kept in ${kept}`);
    const reopened = await this.#openStore();
    await this.#becomeStandby(reopened);
  }

  /** Why the active is not ready, beyond what the single gateway's /readyz says already (its store's failing writes). */
  #activeProblems(): string[] {
    const problems: string[] = [];
    if (this.#role === 'active' && !this.#leadership.holds()) problems.push('this gateway lost its leadership and is stopping (GW_HA_FENCED)');
    const space = this.#writer.spaceProblem();
    if (space !== null) problems.push(`etcd refuses writes, its space quota is used up (GW_HA_ETCD_SPACE): compact and defragment etcd and disarm its alarm (docs/high-availability.md): ${space}`);
    return problems;
  }

  /** The sensing an acting gateway reads: the warm one, and the cold sources started beside it (none: the warm one alone). */
  async #withCold(warm: Sensing): Promise<Sensing> {
    if (this.#coldIds.size === 0) return warm;
    const cold = await createColdSensing(this.#site, warm, { clock: this.#d.clock, log: this.#d.log.child({ siteId: this.#site.site.id }), env: this.#d.env });
    await cold.start();
    this.#cold = cold;
    return cold;
  }

  async #stopCold(): Promise<void> {
    const cold = this.#cold;
    this.#cold = null;
    await cold?.stop();
  }

  #checkFormat(leader: LeaderInfo | null): void {
    if (leader === null || leader.gatewayId === this.#ha.gatewayId) return;
    const problem = leader.storeFormat === this.#me.storeFormat ? null : `the active (${leader.gatewayId}, version ${leader.version}) writes store format ${leader.storeFormat}; this gateway (version ${this.#me.version}) knows ${this.#me.storeFormat}: it does not replicate and does not take over until both run the same version`;
    if (problem === this.#formatProblem) return;
    this.#formatProblem = problem;
    if (problem !== null) {
      this.#log.error({ event: 'ha.store_format', code: 'GW_HA_STORE_FORMAT', theirs: leader.storeFormat, ours: this.#me.storeFormat }, problem);
      void this.#follower?.stop();
    } else if (this.#role === 'standby') this.#follower?.start();
  }

  #standbyHealth(): { ready: boolean; body: Record<string, unknown> } {
    const leader = this.#leadership.leader();
    const follow = this.#follower?.state() ?? null;
    const following = follow?.kind === 'following' && this.#formatProblem === null;
    // A standby is worth its name only while it reads the devices: its detection is what a promotion inherits.
    const adapters = this.#sensing?.adapters.map((a) => a.status({ devices: false })) ?? [];
    const reading = adapters.length > 0 && adapters.every((a) => a.state === 'online');
    const ready = following && leader !== null && reading;
    return {
      ready,
      body: {
        status: ready ? 'standby' : 'not ready',
        adapters: adapters.map((a) => ({ kind: a.kind, state: a.state })),
        pair: { role: this.#role, gatewayId: this.#ha.gatewayId, active: leader?.gatewayId ?? null, appliedChange: this.#store?.seq ?? 0, follow: follow?.kind ?? null, ...(follow !== null && follow.kind !== 'following' ? { why: follow.why } : {}), ...(this.#formatProblem === null ? {} : { code: 'GW_HA_STORE_FORMAT', why: this.#formatProblem }) },
      },
    };
  }

  /** For the health of the active: how long since it took over (the pair's part of /readyz). */
  promotedAt(): number | null {
    return this.#promotedAt;
  }

  /** Reads who leads from etcd directly (the `ha` command). */
  async leaderNow(): Promise<LeaderInfo | null> {
    const { readLeaderInfo } = await import('./pair-keys.js');
    return readLeaderInfo(await withinCall(systemClock, 'read the leader', this.#client.get(this.#keys.leader).string()));
  }
}

/** `status/gateway/{siteId}/{gatewayId}` on the site broker: each of a pair says it is up, and which role it has. */
function pairPresence(siteId: string, gatewayId: string, clock: Clock, role: () => PairRole) {
  const at = (): string => new Date(clock.now()).toISOString();
  return {
    topic: `status/gateway/${siteId}/${gatewayId}`,
    online: () => JSON.stringify({ state: 'online', gatewayId, siteId, role: role(), at: at() }),
    offline: (stoppedBy: string | null) => JSON.stringify({ state: 'offline', gatewayId, siteId, ...(stoppedBy === null ? { cause: 'no clean stop: the broker published the last will' } : { stoppedBy, at: at() }) }),
  };
}
