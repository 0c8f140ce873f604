import { hostname } from 'node:os';
import path from 'node:path';
import type { AdapterEvents, AdapterStatus } from '../core/adapter.js';
import { singleGateway, type ActingRight } from '../core/acting-right.js';
import { createSensing, type Sensing } from './sensing.js';
import type { Reading } from '../core/reading.js';
import type { MqttAdapter } from '../adapters/mqtt/index.js';
import type { MqttPresence } from '../adapters/mqtt/mqtt-adapter.js';
import type { SyncSender } from '../cloud-sync/sender.js';
import { joinOutbox, syncSender } from './central-sync.js';
import { createFaultPipeline, type FaultPipeline } from './alarms/index.js';
import { buildHttpServer, type PairHealth } from './api/index.js';
import { LiveValues } from './api/live-values.js';
import { GatewayMetrics } from './api/metrics.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ClockStepWatch } from './clock-step-watch.js';
import type { SiteConfig } from './config/site-schema.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { Liveness, type StopBy } from './liveness/index.js';
import { createNotifier, type Notifier } from './notify/index.js';
import { fileBudget, openFileLimit } from './open-files.js';
import { FileStore } from './store/store.js';
import { ClosedTicketArchiver } from './tickets/closed-ticket-archiver.js';
import { StormMode } from './tickets/storm-mode.js';
import { AttachmentStore, type PhotoReplica } from './tickets/attachment-store.js';
import { TicketArchive } from './tickets/ticket-archive.js';
import { TicketService } from './tickets/ticket-service.js';
import type { TicketIdentity } from './tickets/ticket-identity.js';

export interface GatewayDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Sees every reading as the adapters deliver it (the recorder of `--record`). */
  readonly onReading?: (r: Reading) => void;
  /** This gateway among others of the company (statuses to central, the broker's will): default GATEWAY_ID, else the host name. */
  readonly gatewayId?: string;
  /**
   * The gateway must stop on its own (its UPS runs low): main.ts stops it and exits with `code`.
   * Without it (a test, a scenario in-process) the gateway stops itself.
   */
  readonly requestStop?: (by: StopBy, code: number) => void;
  /** One of a pair: its right to act (leadership), its store (replicated), its sensing (kept warm across roles). */
  readonly acting?: ActingRight;
  readonly sensing?: Sensing;
  readonly store?: FileStore;
  readonly pair?: () => PairHealth;
  /** One of a pair: the secret the other gateway shows to copy this one's store (GET /api/pair/store). */
  readonly pairSecret?: string;
  /** One of a pair while it leads: photos are kept in etcd too before their ids are given out. */
  readonly photoReplica?: PhotoReplica;
  /** One of a pair acting alone: ids and numbers the other gateway cannot give too (tickets/ticket-identity.ts). */
  readonly identity?: TicketIdentity;
}

export type GatewayState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface Gateway {
  readonly site: SiteConfig;
  readonly tickets: TicketService;
  readonly store: FileStore;
  readonly mqtt: MqttAdapter;
  readonly pipeline: FaultPipeline;
  readonly sync: SyncSender;
  readonly notifier: Notifier;
  readonly archiver: ClosedTicketArchiver;
  readonly clockWatch: ClockStepWatch;
  readonly liveness: Liveness;
  state(): GatewayState;
  /** Base URL of the HTTP server once started. */
  httpUrl(): string | null;
  adapterStatuses(): AdapterStatus[];
  start(): Promise<void>;
  /** The ordered stop; `by` is who stopped it, as the next start tells staff (default: the program that hosts it). */
  stop(by?: StopBy): Promise<void>;
}

/** How long each shutdown step may take before we log and go on (STYLE: ordered, bounded shutdown). */
const STOP_STEP_MS = 5_000;

/**
 * The composition root as a factory: config -> adapters -> detect -> alarms -> tickets ->
 * notify / sync / api. No signals, no process exit: main.ts owns those, tests call this directly.
 */
export async function buildGateway(site: SiteConfig, deps: GatewayDeps): Promise<Gateway> {
  const { clock } = deps;
  const log = deps.log.child({ siteId: site.site.id });
  const env = deps.env ?? process.env;

  // Write retries run in real time whatever clock the domain runs on.
  const store = deps.store ?? await FileStore.open({ dataDir: site.dataDir, clock: systemClock, log: log.child({ component: 'store' }), compactAfterBytes: site.store.compactAfterBytes });
  const archive = new TicketArchive(path.join(site.dataDir, 'archive'), log.child({ component: 'archive' }));
  const attachments = new AttachmentStore(site.dataDir, site.attachments.maxBytes, deps.photoReplica ?? null);
  const tickets = await TicketService.open({ store, site, clock, log, archive, ...(deps.identity === undefined ? {} : { identity: deps.identity }) });
  // Every ticket change carries its outbox entry in the same durable write, from the first change on.
  joinOutbox(tickets, store, clock);
  const archiver = new ClosedTicketArchiver({ store, archive, tickets, clock, log: log.child({ component: 'archive' }) }, { afterMs: site.store.archiveClosedAfterHours * 3_600_000, retentionYears: site.store.archiveRetentionYears });
  const clockWatch = new ClockStepWatch({ clock, log: log.child({ component: 'clock' }), timeZone: site.site.timeZone });
  // The process's open files shared out once: HTTP clients and MQTT devices each get a cap, and the store its reserve.
  const files = fileBudget(openFileLimit(), site.http.maxConnections);
  const connectionCap = files.known ? { max: files.mqttConnections, fileLimit: files.fileLimit } : null;
  const gatewayId = deps.acting?.gatewayId ?? deps.gatewayId ?? (env['GATEWAY_ID'] || hostname());
  const acting = deps.acting ?? singleGateway(gatewayId);
  // One of a pair brings its sensing, already running: it outlives this gateway's acting parts.
  const sensing = deps.sensing ?? (await createSensing(site, { clock, log, env, connectionCap, presence: gatewayPresence(site.site.id, gatewayId, clock) }));
  const ownSensing = deps.sensing === undefined;
  const { mqtt, push } = sensing;
  const adapters = [...sensing.adapters];
  const pipeline = createFaultPipeline({ site, store, tickets, clock, log: log.child({ component: 'alarms' }), detect: sensing.detect });

  const metrics = new GatewayMetrics({
    sync: () => sync.status(),
    adapters: () => adapters.map((a) => a.status({ devices: false })),
    alerts: () => ({ pending: Object.keys(store.data.alerts).length, undeliveredEmergencies: notifier.health().undelivered.length }),
  });
  const live = new LiveValues(site);
  // Detection is fed by the sensing itself; these listeners go with this gateway at its stop.
  const onReading = (r: Reading): void => {
    metrics.reading();
    liveness.reading(r);
    live.update(r);
    deps.onReading?.(r);
  };
  const onUpstream: AdapterEvents['upstream'] extends [infer C] ? (c: C) => void : never = (c) => pipeline.upstream(c);
  const onStatus = (st: AdapterStatus): void => pipeline.upstreamStates(st.upstreams);
  const onError: AdapterEvents['error'] extends [infer E] ? (e: E) => void : never = (e) => metrics.badInput(e.deviceId ?? 'unknown', e.code);
  for (const adapter of adapters) {
    adapter.on('reading', onReading);
    adapter.on('upstream', onUpstream);
    adapter.on('status', onStatus);
    adapter.on('error', onError);
  }

  const notifier = createNotifier({ site, tickets, store, clock, log: log.child({ component: 'notify' }), publishMqtt: (topic, payload, opts) => mqtt.publish(topic, payload, opts), env, acting });
  const sync = syncSender({ config: site.central, siteId: site.site.id, store, tickets, clock, log: log.child({ component: 'sync' }), env, photos: attachments, acting });
  notifier.on('alert', (a) => metrics.alert(a.channel, a.ok ? 'sent' : 'failed'));
  mqtt.on('status', (st) => {
    if (st.state === 'online') notifier.mqttUp();
  });
  notifier.on('givenUp', (g) => metrics.alertGivenUp(g.channel, g.alert.tier, g.why));
  notifier.on('escalated', (e) => metrics.escalation(e.step, e.ticket.tier));
  sync.on('updateRefused', (u) => metrics.updateNotApplied(u.kind));
  // The gateway's own trouble reaches staff on the same channels as tickets.
  sync.on('unauthorized', () => void notifier.system('GW_SYNC_UNAUTHORIZED', { zh: '总部报修系统拒绝了网关令牌，工单暂停上传', en: 'The central repair service refuses the gateway token; uploads are stopped' }));
  // Told once a run: a device retrying beyond the cap every few seconds must not alert each time.
  let connectionLimitTold = false;
  mqtt.on('error', (e) => {
    if (e.code !== 'GW_MQTT_CONNECTION_LIMIT' || connectionLimitTold) return;
    connectionLimitTold = true;
    void notifier.system(e.code, { zh: '网关可打开的文件数不够，部分 MQTT 设备连不上；请提高 LimitNOFILE', en: 'The gateway may open too few files: some MQTT devices cannot connect; raise LimitNOFILE' });
  });
  sync.on('nearQuota', () => void notifier.system('GW_OUTBOX_QUOTA', { zh: '待上传队列接近磁盘配额', en: 'The outbox is near its disk quota' }));
  tickets.on('durable', (t, ms) => metrics.ticket(t, ms));
  const storm = new StormMode({
    store,
    tickets,
    clock,
    log: log.child({ component: 'storm' }),
    timeZone: site.site.timeZone,
    tell: (key, title, detail) => void notifier.system('GW_STORM_DIGEST', title, detail, key),
  });
  const liveness = new Liveness({
    acting,
    site,
    gatewayId,
    clock,
    log: log.child({ component: 'liveness' }),
    store,
    tickets,
    notifier,
    env,
    adapters: () => adapters.map((a) => a.status({ devices: false })),
    sync: () => sync.status(),
    clockHealth: () => clockWatch.health(),
    storm: () => storm.current(),
    requestStop: deps.requestStop ?? ((by) => void gateway.stop(by)),
  });
  const http = buildHttpServer(
    {
      site,
      tickets,
      archive,
      store,
      clock,
      log: log.child({ component: 'api' }),
      adapters: () => adapters.map((a) => a.status()),
      adapterSummaries: () => adapters.map((a) => a.status({ devices: false })),
      sync: () => sync.status(),
      metrics,
      live,
      pipeline,
      alerts: notifier,
      clockWatch,
      liveness,
      storm,
      attachments,
      ...(push === null ? {} : { push }),
      files,
      ...(deps.pair === undefined ? {} : { pair: deps.pair }),
      ...(deps.pairSecret === undefined ? {} : { pairStore: { dataDir: site.dataDir, secret: deps.pairSecret } }),
    },
    site.http,
  );

  let state: GatewayState = 'idle';
  let url: string | null = null;

  async function step(name: string, fn: () => Promise<void> | void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_STEP_MS);
      timer.unref();
    });
    try {
      const result = await Promise.race([Promise.resolve().then(fn), timeout]);
      if (result === 'timeout') log.warn({ event: 'gateway.stop_step_timeout', step: name, ms: STOP_STEP_MS }, `stopping ${name} took too long; going on`);
    } catch (err) {
      log.error({ event: 'gateway.stop_step_failed', step: name, err: errorMessage(err) }, `stopping ${name} failed; going on`);
    } finally {
      clearTimeout(timer);
    }
  }

  const gateway: Gateway = {
    site,
    tickets,
    store,
    mqtt,
    pipeline,
    sync,
    notifier,
    archiver,
    clockWatch,
    liveness,
    state: () => state,
    httpUrl: () => url,
    adapterStatuses: () => adapters.map((a) => a.status()),
    async start() {
      if (state !== 'idle') return;
      state = 'starting';
      // Consumers before producers: everything that reacts to tickets is listening before any reading arrives.
      clockWatch.start();
      pipeline.start();
      await notifier.start();
      await sync.start();
      archiver.start();
      storm.start();
      // Before any reading: the return report hears every ticket the readings at start raise.
      await liveness.start();
      url = await http.start();
      if (ownSensing) await sensing.start();
      state = 'running';
      // stateRules: the state-aware rules the site turned on (the rule pack's and its own), so a log says what is judged.
      log.info({ event: 'gateway.started', http: url, devices: site.devices.length, adapters: adapters.map((a) => a.kind), stateRules: site.devices.reduce((n, d) => n + d.stateRules.length, 0) }, 'gateway started');
    },
    async stop(by: StopBy = 'program') {
      if (state === 'stopping' || state === 'stopped') return;
      state = 'stopping';
      // The last status to central and the broker while everything still runs (each bounded); then
      // HTTP intake, adapters, detection, the senders, the store (STYLE 4); the stamp that says it
      // was a clean stop goes last, once the store is closed.
      await step('status', () => liveness.stopReporting(by));
      // A pair member's broker link outlives this gateway's acting parts: it says offline at its own stop.
      if (ownSensing) await step('presence', () => mqtt.sayOffline(by));
      await step('http', () => http.stop());
      if (ownSensing) for (const a of [...adapters].reverse()) await step(`adapter.${a.kind}`, () => a.stop());
      for (const a of adapters) {
        a.off('reading', onReading);
        a.off('upstream', onUpstream);
        a.off('status', onStatus);
        a.off('error', onError);
      }
      await step('pipeline', () => pipeline.stop());
      await step('notify', () => notifier.stop());
      await step('sync', () => sync.stop());
      await step('archive', () => archiver.stop());
      storm.stop();
      await step('store', () => store.close());
      liveness.recordStop(by);
      clockWatch.stop();
      state = 'stopped';
      log.info({ event: 'gateway.stopped', stoppedBy: by }, 'gateway stopped');
    },
  };
  return gateway;
}

/** `status/gateway/{siteId}` on an external site broker: retained online, and offline as the last will or at a clean stop. */
function gatewayPresence(siteId: string, gatewayId: string, clock: Clock): MqttPresence {
  const at = (): string => new Date(clock.now()).toISOString();
  return {
    topic: `status/gateway/${siteId}`,
    online: () => JSON.stringify({ state: 'online', gatewayId, siteId, at: at() }),
    offline: (stoppedBy) => JSON.stringify({ state: 'offline', gatewayId, siteId, ...(stoppedBy === null ? { cause: 'no clean stop: the broker published the last will' } : { stoppedBy, at: at() }) }),
  };
}
