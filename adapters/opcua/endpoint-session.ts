import path from 'node:path';
import type * as OpcuaSdk from 'node-opcua-client';
import type { ClientMonitoredItem, ClientSession, ClientSubscription, DataValue, OPCUAClient } from 'node-opcua-client';
import { systemClock, type Clock, type TimerHandle } from '../../gateway/clock.js';
import { resolveSecret } from '../../gateway/config/secrets.js';
import { errorMessage } from '../../gateway/errors.js';
import type { Logger } from '../../gateway/log.js';
import type { LinkState } from '../adapter.js';
import { Backoff } from '../backoff.js';
import type { OpcuaSource } from './config.js';

export type Sdk = typeof OpcuaSdk;

export interface MonitoredPoint {
  readonly deviceId: string;
  readonly pointId: string;
  readonly nodeId: string;
  readonly samplingMs: number;
  readonly queueSize: number;
  readonly deadband?: { type: 'absolute' | 'percent'; value: number } | undefined;
}

export interface EndpointEvents {
  value(point: MonitoredPoint, dv: DataValue): void;
  state(state: LinkState, reason: string | null): void;
}

/**
 * One session and one subscription per OPC UA endpoint, shared by every device on it. Reconnects
 * with capped backoff; re-creates the session, subscription and monitored items after a server
 * restart; and a watchdog re-creates a subscription that went silent (no data, no keep-alive for
 * several publishing intervals), the most reported failure of OPC UA gateways.
 */
export class EndpointSession {
  #state: LinkState = 'idle';
  #client: OPCUAClient | null = null;
  #session: ClientSession | null = null;
  #subscription: ClientSubscription | null = null;
  #items: ClientMonitoredItem[] = [];
  #retry: TimerHandle | null = null;
  #watchdog: TimerHandle | null = null;
  #lastHeard = 0;
  /**
   * Bumped by every teardown: a connect attempt still awaiting the SDK when the session is stopped
   * or lost is stale, and must close what it opened instead of installing it (it used to install a
   * session nobody would close, whose keep-alive timer and client outlived stop()).
   */
  #attempt = 0;
  readonly #backoff = new Backoff({ baseMs: 500, capMs: 30_000 });
  reconnects = 0;
  lastError: string | null = null;

  constructor(
    private readonly sdk: Sdk,
    private readonly source: OpcuaSource,
    private readonly points: readonly MonitoredPoint[],
    private readonly events: EndpointEvents,
    private readonly deps: { clock: Clock; log: Logger; dataDir: string; env: NodeJS.ProcessEnv },
  ) {}

  get state(): LinkState {
    return this.#state;
  }

  start(): void {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#setState('stopping', null);
    this.#retry?.cancel();
    this.#retry = null;
    this.#watchdog?.cancel();
    this.#watchdog = null;
    await this.#teardown();
    this.#setState('stopped', null);
  }

  async #connect(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#setState('connecting', null);
    const attempt = this.#attempt;
    const { OPCUAClient, MessageSecurityMode, SecurityPolicy, UserTokenType } = this.sdk;
    try {
      const { OPCUACertificateManager } = await import('node-opcua-certificate-manager');
      if (attempt !== this.#attempt) return;
      // The client certificate is created once and kept in the data folder.
      const certificateManager = new OPCUACertificateManager({ rootFolder: path.join(this.deps.dataDir, 'pki'), automaticallyAcceptUnknownCertificate: true });
      const client = OPCUAClient.create({
        applicationName: 'building-fault-gateway',
        clientCertificateManager: certificateManager,
        securityMode: MessageSecurityMode[this.source.securityMode],
        securityPolicy: SecurityPolicy[this.source.securityPolicy],
        endpointMustExist: false,
        // We own reconnection (backoff + full re-creation), so the SDK gives up fast.
        connectionStrategy: { maxRetry: 0, initialDelay: 200, maxDelay: 1000 },
        keepSessionAlive: true,
        requestedSessionTimeout: 60_000,
      });
      this.#client = client;
      client.on('connection_lost', () => this.#lost('connection lost'));
      await client.connect(this.source.endpoint);
      if (attempt !== this.#attempt) return await abandon(client, null);
      const password = resolveSecret(this.source.password, 'opcua password', this.deps.env);
      const session =
        this.source.username !== undefined && password !== undefined
          ? await client.createSession({ type: UserTokenType.UserName, userName: this.source.username, password })
          : await client.createSession({ type: UserTokenType.Anonymous });
      if (attempt !== this.#attempt) return await abandon(client, session);
      this.#session = session;
      session.on('session_closed', () => this.#lost('session closed'));
      await this.#subscribe();
      if (attempt !== this.#attempt) return;
      this.#backoff.reset();
      this.#setState('online', null);
    } catch (err) {
      if (attempt === this.#attempt) this.#lost(errorMessage(err));
    }
  }

  async #subscribe(): Promise<void> {
    const session = this.#session;
    if (session === null) return;
    const { ClientSubscription, ClientMonitoredItem, AttributeIds, TimestampsToReturn, DataChangeFilter, DataChangeTrigger, DeadbandType } = this.sdk;
    const sub = ClientSubscription.create(session, {
      requestedPublishingInterval: this.source.publishingMs,
      requestedLifetimeCount: 60,
      requestedMaxKeepAliveCount: 3,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.#subscription = sub;
    // The SDK creates the subscription in the background and emits 'error' when that fails (the
    // session closed or the connection broke with the request in flight: a server restart at the
    // wrong moment). An 'error' nobody listens to is an uncaught exception that kills the gateway
    // (test/reliability/protocol-faults.test.ts); here it is a lost session like any other.
    sub.on('error', (err: unknown) => {
      if (this.#subscription === sub) this.#lost(`subscription failed: ${errorMessage(err)}`);
    });
    this.#lastHeard = systemClock.now();
    sub.on('keepalive', () => {
      this.#lastHeard = systemClock.now();
    });
    this.#items = this.points.map((p) => {
      const filter =
        p.deadband === undefined
          ? undefined
          : new DataChangeFilter({ trigger: DataChangeTrigger.StatusValue, deadbandType: p.deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent, deadbandValue: p.deadband.value });
      const item = ClientMonitoredItem.create(
        sub,
        { nodeId: p.nodeId, attributeId: AttributeIds.Value },
        { samplingInterval: p.samplingMs, queueSize: p.queueSize, discardOldest: true, ...(filter === undefined ? {} : { filter }) },
        TimestampsToReturn.Both,
      );
      item.on('changed', (dv: DataValue) => {
        this.#lastHeard = systemClock.now();
        this.events.value(p, dv);
      });
      item.on('err', (msg: string) => {
        this.lastError = `${p.nodeId}: ${msg}`;
        this.deps.log.warn({ event: 'opcua.item_error', deviceId: p.deviceId, pointId: p.pointId, nodeId: p.nodeId, err: msg }, 'monitored item refused');
      });
      return item;
    });
    this.#armWatchdog();
  }

  #armWatchdog(): void {
    this.#watchdog?.cancel();
    // Keep-alives come at most every publishingMs * maxKeepAliveCount (3); five of those is dead.
    // The server keeps real time, so the watchdog does too, whatever clock the gateway runs on.
    const limit = this.source.publishingMs * 3 * 5;
    this.#watchdog = systemClock.setInterval(() => {
      if (this.#state !== 'online') return;
      if (systemClock.now() - this.#lastHeard < limit) return;
      this.deps.log.warn({ event: 'opcua.subscription_stalled', code: 'GW_OPCUA_SUBSCRIPTION_STALLED', endpoint: this.source.endpoint }, 'subscription stopped delivering; re-creating it');
      const old = this.#subscription;
      this.#subscription = null;
      void (old?.terminate().catch(() => undefined) ?? Promise.resolve()).then(() => this.#subscribe());
    }, Math.max(1000, limit / 3));
  }

  #lost(reason: string): void {
    if (this.#state === 'stopping' || this.#state === 'stopped' || this.#retry !== null) return;
    this.lastError = reason;
    this.#setState('backoff', reason);
    this.#watchdog?.cancel();
    this.#watchdog = null;
    const delay = this.#backoff.next();
    void this.#teardown().finally(() => {
      if (this.#state !== 'backoff') return;
      this.#retry = this.deps.clock.setTimeout(() => {
        this.#retry = null;
        this.reconnects += 1;
        void this.#connect();
      }, delay);
    });
  }

  async #teardown(): Promise<void> {
    this.#attempt += 1;
    const client = this.#client;
    const session = this.#session;
    const sub = this.#subscription;
    this.#client = null;
    this.#session = null;
    this.#subscription = null;
    this.#items = [];
    client?.removeAllListeners();
    await sub?.terminate().catch(() => undefined);
    await session?.close().catch(() => undefined);
    await client?.disconnect().catch(() => undefined);
  }

  #setState(s: LinkState, reason: string | null): void {
    if (this.#state === s) return;
    if (s === 'online' || (s === 'backoff' && this.#state === 'online')) {
      this.deps.log.info({ event: s === 'online' ? 'opcua.online' : 'opcua.lost', code: s === 'online' ? undefined : 'GW_OPCUA_CONNECTION', endpoint: this.source.endpoint, reason }, s === 'online' ? 'OPC UA session and subscription up' : 'OPC UA connection lost');
    }
    this.#state = s;
    this.events.state(s, reason);
  }
}

/** Closes what a stale connect attempt opened: the session first, then its client. */
async function abandon(client: OPCUAClient, session: ClientSession | null): Promise<void> {
  client.removeAllListeners();
  await session?.close().catch(() => undefined);
  await client.disconnect().catch(() => undefined);
}
