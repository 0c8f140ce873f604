import path from 'node:path';
import type * as OpcuaSdk from 'node-opcua-client';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { ClientMonitoredItem, ClientSession, ClientSubscription, DataValue, OPCUAClient } from 'node-opcua-client';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { resolveSecret } from '../../core/secrets.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { LinkState } from '../../core/adapter.js';
import { Backoff } from '../../core/backoff.js';
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
  /** The subscription went silent and is being re-created (GW_OPCUA_SUBSCRIPTION_STALLED). */
  stalled(reason: string): void;
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
  readonly #backoff: Backoff;
  /** One per endpoint for the adapter's life: it watches the PKI folders, so it is disposed on stop. */
  #certificateManager: OPCUACertificateManager | null = null;
  reconnects = 0;
  /** Subscriptions re-created by the watchdog. */
  stalls = 0;
  lastError: string | null = null;

  constructor(
    private readonly sdk: Sdk,
    private readonly source: OpcuaSource,
    private readonly points: readonly MonitoredPoint[],
    private readonly events: EndpointEvents,
    private readonly deps: { clock: Clock; log: Logger; dataDir: string; env: NodeJS.ProcessEnv; backoff?: { baseMs: number; capMs: number } | undefined },
  ) {
    this.#backoff = new Backoff(deps.backoff ?? { baseMs: 500, capMs: 30_000 });
  }

  get state(): LinkState {
    return this.#state;
  }

  start(): void {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    // Leave 'stopped' first: #connect does nothing for a stopped session (a start after stop).
    this.#setState('connecting', null);
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#setState('stopping', null);
    this.#retry?.cancel();
    this.#retry = null;
    this.#watchdog?.cancel();
    this.#watchdog = null;
    await this.#teardown();
    const cm = this.#certificateManager;
    this.#certificateManager = null;
    await cm?.dispose().catch(() => undefined);
    this.#setState('stopped', null);
  }

  async #connect(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#setState('connecting', null);
    const { OPCUAClient, MessageSecurityMode, SecurityPolicy, UserTokenType } = this.sdk;
    let client: OPCUAClient | null = null;
    try {
      const certificateManager = await this.#pki();
      if (this.#state !== 'connecting') return; // stopped while the SDK loaded
      client = OPCUAClient.create({
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
      const password = resolveSecret(this.source.password, 'opcua password', this.deps.env);
      const user = this.source.username !== undefined && password !== undefined ? this.source.username : null;
      const session = await client
        .createSession(user !== null && password !== undefined ? { type: UserTokenType.UserName, userName: user, password } : { type: UserTokenType.Anonymous })
        .catch((err: unknown) => {
          throw new Error(loginRefusal(errorMessage(err), user), { cause: err });
        });
      // stop() (or a loss) tore this attempt down while the session was being made: a session kept
      // now would belong to nobody and ping a closed channel forever (its keep-alive timer).
      if (this.#state !== 'connecting' || this.#client !== client) {
        await session.close().catch(() => undefined);
        await client.disconnect().catch(() => undefined);
        return;
      }
      this.#session = session;
      session.on('session_closed', () => this.#lost('session closed'));
      await this.#subscribe();
      this.#backoff.reset();
      this.#setState('online', null);
    } catch (err) {
      // A stale attempt (torn down by stop() or a loss, perhaps already replaced by a newer one)
      // only cleans up its own client: reporting a loss now would tear down the newer attempt.
      if (client !== null && this.#client !== client) {
        await client.disconnect().catch(() => undefined);
        return;
      }
      this.#lost(errorMessage(err));
    }
  }

  /**
   * The client certificate is created once, in `{dataDir}/pki/own/certs`, and reused on every
   * start; the server's self-signed certificate is trusted on first sight (and kept in
   * `pki/trusted`), as a site without its own CA needs.
   */
  async #pki(): Promise<OPCUACertificateManager> {
    if (this.#certificateManager !== null) return this.#certificateManager;
    const { OPCUACertificateManager } = await import('node-opcua-certificate-manager');
    this.#certificateManager = new OPCUACertificateManager({ rootFolder: path.join(this.deps.dataDir, 'pki'), automaticallyAcceptUnknownCertificate: true });
    return this.#certificateManager;
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
    this.#lastHeard = systemClock.monotonic();
    // The SDK creates the subscription in the background and emits 'error' when that fails (the
    // session closed or the connection broke with the request in flight: a server restart at the
    // wrong moment). An 'error' nobody listens to is an uncaught exception that kills the gateway
    // (test/reliability/protocol-faults.test.ts); here it is a lost session like any other.
    sub.on('error', (err: unknown) => {
      if (this.#subscription === sub) this.#lost(`subscription failed: ${errorMessage(err)}`);
    });
    sub.on('keepalive', () => {
      this.#lastHeard = systemClock.monotonic();
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
        this.#lastHeard = systemClock.monotonic();
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
      if (systemClock.monotonic() - this.#lastHeard < limit) return;
      const reason = `no data and no keep-alive for ${systemClock.monotonic() - this.#lastHeard} ms`;
      this.deps.log.warn({ event: 'opcua.subscription_stalled', code: 'GW_OPCUA_SUBSCRIPTION_STALLED', endpoint: this.source.endpoint, reason }, 'subscription stopped delivering; re-creating it');
      this.stalls += 1;
      this.events.stalled(reason);
      const old = this.#subscription;
      this.#subscription = null;
      void (old?.terminate().catch(() => undefined) ?? Promise.resolve())
        .then(() => this.#subscribe())
        .catch((err: unknown) => this.#lost(`re-creating the subscription failed: ${errorMessage(err)}`));
    }, Math.max(1000, limit / 3));
  }

  #lost(reason: string): void {
    // Already in backoff: this loss is being handled. A second report (the closing session's own
    // 'session_closed', a failed subscription) would schedule a second reconnect, and the client of
    // the first would be overwritten by the second: never disconnected, its session pinging forever.
    if (this.#state === 'stopping' || this.#state === 'stopped' || this.#state === 'backoff' || this.#retry !== null) return;
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

/** ActivateSession refusals (OPC UA Part 4, 5.6.3) in words a site engineer can act on; the password is never in them. */
const LOGIN_REFUSED = /Bad(UserAccessDenied|IdentityTokenInvalid|IdentityTokenRejected|UserSignatureInvalid)/;

function loginRefusal(message: string, user: string | null): string {
  const status = LOGIN_REFUSED.exec(message)?.[0];
  if (status === undefined) return message;
  return user === null ? `the server refused an anonymous login (${status}): set username and password` : `the server refused the login of user "${user}" (${status})`;
}
