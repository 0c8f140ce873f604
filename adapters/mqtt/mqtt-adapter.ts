import type { IClientOptions, MqttClient, connect as MqttConnect } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { resolveSecret } from '../../core/secrets.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Adapter, AdapterEvents, AdapterStatus, LinkState, StatusOptions, UpstreamStatus } from '../../core/adapter.js';
import { Backoff } from '../../core/backoff.js';
import type { Reading } from '../../core/reading.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { BrokerConfig } from './config.js';
import { DeviceLedger } from './device-ledger.js';
import { EmbeddedBroker, type ConnectionCap } from './embedded-broker.js';
import { brokerLogins } from './broker-logins.js';
import { classifyLinkError, clientOptions, readTlsFiles, redactUrl, refusedFilters, type LinkErrorCode } from './external-link.js';
import { TopicMap, topicFilter, type MqttDeviceSpec } from './topic-map.js';

export interface MqttAdapterOptions {
  readonly broker: BrokerConfig;
  readonly devices: readonly MqttDeviceSpec[];
  /** Reconnect backoff to an external broker (full jitter). Defaults 500 ms base, 30 s cap. */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
  /** How long a publish to an external broker may wait for its acknowledgement (default 10 s). */
  readonly publishTimeoutMs?: number;
  /** Connections the embedded broker may hold, from the process's open-file limit (gateway/open-files.ts); null: unknown, no cap. */
  readonly connectionCap?: ConnectionCap | null;
  /**
   * The gateway's presence on an external broker, retained on `topic`: `online()` once connected,
   * `offline(null)` as the connection's last will (the broker publishes it when the gateway dies),
   * `offline(why)` at a clean stop. Ignored on the embedded broker, which dies with the gateway.
   */
  readonly presence?: MqttPresence;
}

export interface MqttPresence {
  readonly topic: string;
  online(): string;
  offline(stoppedBy: string | null): string;
}

export interface MqttAdapterDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

export interface MqttAdapter extends Adapter {
  readonly kind: 'mqtt';
  /** Publishes on the site's broker (alerts); goes through the embedded broker directly when hosted. */
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  /** The embedded broker's bound address (port 0 in config picks a free port). */
  address(): { host: string; port: number } | null;
  /** Before a clean stop: the retained presence says offline and why (the will is for a death). */
  sayOffline(stoppedBy: string): Promise<void>;
}

export async function createMqttAdapter(opts: MqttAdapterOptions, deps: MqttAdapterDeps): Promise<MqttAdapter> {
  return new MqttAdapterImpl(opts, deps);
}

/**
 * Readings from MQTT. Embedded mode hosts aedes and consumes device publishes in-process;
 * external mode is a client of the site's broker with a persistent session (clean: false, QoS 1),
 * reconnecting with capped exponential backoff and jitter.
 */
class MqttAdapterImpl extends TypedEmitter<AdapterEvents> implements MqttAdapter {
  readonly kind = 'mqtt' as const;
  readonly #opts: MqttAdapterOptions;
  readonly #deps: MqttAdapterDeps;
  readonly #log: Logger;
  readonly #topics: TopicMap;
  readonly #ledger: DeviceLedger;
  #state: LinkState = 'idle';
  #readings = 0;
  #lastError: string | null = null;
  #embedded: EmbeddedBroker | null = null;
  #client: MqttClient | null = null;
  /** The mqtt client library, loaded on the first start with an external broker. */
  #mqttConnect: typeof MqttConnect | null = null;
  #retry: TimerHandle | null = null;
  readonly #backoff: Backoff;
  /** Link failures by code (refused login, TLS, lost connection), beside the per-device counts. */
  readonly #linkErrors: Record<string, number> = {};
  #upstream: { state: LinkState; since: number; reconnects: number } = { state: 'idle', since: 0, reconnects: 0 };

  constructor(opts: MqttAdapterOptions, deps: MqttAdapterDeps) {
    super();
    this.#opts = opts;
    this.#deps = deps;
    this.#log = deps.log;
    this.#topics = new TopicMap(opts.devices);
    this.#ledger = new DeviceLedger(opts.devices.map((d) => d.id), deps.log);
    this.#backoff = new Backoff(opts.backoff ?? { baseMs: 500, capMs: 30_000 });
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    this.#setState('connecting');
    // mqtt-packet (aedes and mqtt.js both write through it) fills a table of 65,536 two-byte
    // Buffers, one per packet id, on its first write: 6 MB of heap for good, on every site, to
    // save a 2-byte allocation per acknowledged packet. Off before anything is written.
    mqttPacket.writeToStream.cacheNumbers = false;
    const broker = this.#opts.broker;
    if (broker.mode === 'embedded') {
      const credentials = brokerLogins(broker, this.#opts.devices, this.#deps.env ?? process.env);
      const cap = this.#opts.connectionCap ?? null;
      if (cap !== null && credentials.length > cap.max) {
        // Every device holds its connection for good: those beyond the cap would never be heard.
        const message = `the site has ${credentials.length} MQTT logins but the open-file limit of ${cap.fileLimit} leaves the broker ${cap.max} connections: devices beyond them are refused; raise the limit (LimitNOFILE, docker --ulimit nofile)`;
        this.#log.error({ event: 'mqtt.connection_cap', logins: credentials.length, maxConnections: cap.max, fileLimit: cap.fileLimit }, message);
        this.emit('error', { code: 'GW_MQTT_CONNECTION_LIMIT', message });
      }
      this.#embedded = new EmbeddedBroker({
        host: broker.host,
        port: broker.port,
        maxPayloadBytes: broker.maxPayloadBytes,
        maxPacketBytes: broker.maxPacketBytes ?? broker.maxPayloadBytes + 4096,
        pendingLogins: { max: broker.maxPendingLogins ?? 256, perAddress: broker.maxPendingLoginsPerAddress ?? 64, timeoutMs: (broker.loginTimeoutSeconds ?? 10) * 1000 },
        connectionCap: cap,
        allowAnonymous: broker.allowAnonymous,
        credentials,
        ...(broker.tls === undefined ? {} : { tls: broker.tls }),
        clock: this.#deps.clock,
        // Only its own topics: never `$SYS/...`, where a forged `$SYS/{id}/new/clients` would make aedes close another client.
        mayPublish: (deviceId, topic) => this.#topics.mayPublish(deviceId, topic),
        onDevicePublish: (deviceId, packet) => this.#onMessage(packet.topic, packet.payload as Buffer, deviceId),
        onRefused: (code, message, deviceId) => this.#bad(code, message, deviceId),
        log: this.#log,
      });
      const addr = await this.#embedded.start();
      this.#log.info({ event: 'mqtt.broker_started', host: addr.host, port: addr.port, devices: credentials.length }, `embedded MQTT broker listening on ${addr.host}:${addr.port}`);
      this.#setState('online');
      return;
    }
    // The client library is loaded only for an external broker: a site on the embedded broker
    // does not pay its ~15 MB of memory.
    this.#mqttConnect ??= (await import('mqtt')).connect;
    this.#connectExternal();
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#setState('stopping');
    this.#retry?.cancel();
    this.#retry = null;
    const client = this.#client;
    this.#client = null;
    if (client !== null) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      // A DISCONNECT first, so the broker does not publish our last will for a clean stop (MQTT
      // 3.1.1, 3.14.4); bounded in real time (the sockets' own, whatever clock the domain runs
      // on: mqtt.js waits for unacknowledged publishes first), then the socket is closed.
      const clean = client.connected && (await Promise.race([client.endAsync(false).then(() => true, () => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DISCONNECT_WAIT_MS).unref())]));
      // mqtt.js calls back once per client: a second end() after one that finished would wait for good.
      if (!clean) await Promise.race([client.endAsync(true).catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, DISCONNECT_WAIT_MS).unref())]);
    }
    if (this.#embedded !== null) await this.#embedded.stop();
    this.#embedded = null;
    this.#setState('stopped');
  }

  address(): { host: string; port: number } | null {
    return this.#embedded?.address() ?? null;
  }

  async sayOffline(stoppedBy: string): Promise<void> {
    const presence = this.#opts.presence;
    const client = this.#client;
    if (presence === undefined || client === null || !client.connected) return;
    await this.#publishAcked(client, presence.topic, presence.offline(stoppedBy), 1, true).catch((e: unknown) =>
      this.#log.warn({ event: 'mqtt.presence_failed', topic: presence.topic, err: errorMessage(e) }, 'the gateway could not say it is going offline on the site broker'),
    );
  }

  async publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const qos = opts.qos ?? 1;
    const retain = opts.retain ?? false;
    if (this.#embedded !== null) return this.#embedded.publish(topic, payload, qos, retain);
    const client = this.#client;
    if (client === null || !client.connected) throw new Error('MQTT broker is not connected');
    await this.#publishAcked(client, topic, payload, qos, retain);
  }

  /**
   * A QoS 1 publish written just before the broker went away waits for a PUBACK that only a
   * reconnect brings, which may be hours: an alert would sit "sending" and nobody would be told.
   * So a publish not acknowledged in time is a failure (the alert's own retry takes it from
   * there), and it is taken out of the client's outgoing map so its callback does not linger on
   * a client that lives through many reconnects.
   */
  #publishAcked(client: MqttClient, topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      // mqtt.js calls back with null, not undefined, on success.
      const done = (err?: Error | null): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        if (err === undefined || err === null) resolve();
        else reject(err);
      };
      const ms = this.#opts.publishTimeoutMs ?? 10_000;
      const timer = this.#deps.clock.setTimeout(() => {
        done(new Error(`MQTT broker did not acknowledge within ${ms / 1000} s`));
        const outgoing = (client as unknown as { outgoing: Record<number, { cb: unknown }> }).outgoing;
        for (const [id, entry] of Object.entries(outgoing)) if (entry.cb === onAck) client.removeOutgoingMessage(Number(id));
      }, ms);
      const onAck = (err?: Error | null): void => done(err);
      client.publish(topic, payload, { qos, retain }, onAck);
    });
  }

  status(opts: StatusOptions = {}): AdapterStatus {
    const upstreams: UpstreamStatus[] = this.#opts.broker.mode === 'external' ? [this.#upstreamStatus()] : [];
    return {
      kind: 'mqtt',
      state: this.#state,
      connected: this.#state === 'online',
      lastGoodReadingTs: this.#ledger.lastGoodReadingTs(),
      readings: this.#readings,
      errors: addCounts(this.#ledger.totals(), this.#linkErrors),
      lastError: this.#lastError,
      upstreams,
      devices: opts.devices === false ? [] : this.#ledger.devices(),
    };
  }

  /** Hot path: one Map lookup, one decode, one emit. */
  #onMessage(topic: string, payload: Buffer, publisher: string | null): void {
    const route = this.#topics.route(topic);
    if (route === undefined) {
      if (!topic.startsWith('$') && !topic.startsWith('alerts/')) this.#bad('GW_MQTT_UNKNOWN_TOPIC', `no point is mapped to topic ${topic.slice(0, 200)}`, publisher ?? undefined);
      return;
    }
    if (payload.length > this.#opts.broker.maxPayloadBytes) {
      this.#bad('GW_MQTT_PAYLOAD_TOO_LARGE', `payload of ${payload.length} bytes on ${topic} exceeds ${this.#opts.broker.maxPayloadBytes}`, route.deviceId, route.pointId);
      return;
    }
    const d = route.decode(payload);
    if (!d.ok) {
      this.#bad('GW_MQTT_DECODE', `${route.deviceId}/${route.pointId}: ${d.reason}`, route.deviceId, route.pointId);
      return;
    }
    if (typeof d.value === 'number' && ((route.min !== undefined && d.value < route.min) || (route.max !== undefined && d.value > route.max))) {
      this.#bad('GW_READING_INVALID', `${route.deviceId}/${route.pointId}: ${d.value} is outside [${route.min ?? '-inf'}, ${route.max ?? 'inf'}]`, route.deviceId, route.pointId);
      return;
    }
    // The time of receipt, read only when the device sent no time of its own.
    const ts = d.ts ?? this.#deps.clock.now();
    this.#readings += 1;
    this.#ledger.good(route.deviceId, ts);
    const reading: Reading = { deviceId: route.deviceId, pointId: route.pointId, value: d.value, quality: 'good', ts };
    this.emit('reading', reading);
  }

  #bad(code: string, message: string, deviceId?: string, pointId?: string): void {
    // The log window is elapsed time: a clock step must neither silence nor flood the log.
    this.#ledger.error(code, message, this.#deps.clock.monotonic(), deviceId, pointId === undefined ? {} : { pointId });
    const err = { code, message, ...(deviceId === undefined ? {} : { deviceId }), ...(pointId === undefined ? {} : { pointId }) };
    this.emit('error', err);
  }

  #connectExternal(): void {
    const b = this.#opts.broker;
    const connect = this.#mqttConnect;
    if (b.mode !== 'external' || connect === null) return;
    const env = this.#deps.env ?? process.env;
    // A missing secret is a site-file error: it throws out of start() before anything connects.
    const password = resolveSecret(b.password, 'broker.password', env);
    let tlsFiles: Pick<IClientOptions, 'ca' | 'cert' | 'key'>;
    try {
      tlsFiles = readTlsFiles(b);
    } catch (err) {
      // Read at each new client, so a certificate put in place later is picked up by a retry.
      this.#fail('GW_MQTT_CONNECTION', errorMessage(err));
      return;
    }
    const clientId = b.clientId ?? `gateway-${this.#opts.devices[0]?.id ?? 'site'}`;
    const presence = this.#opts.presence;
    const options = clientOptions(b, { clientId, password, tlsFiles, presence, env });
    const client = connect(b.url, options);
    this.#client = client;
    // The reason for the next 'close', classified when the client reports it.
    let failure: { code: LinkErrorCode; reason: string } | null = null;
    client.on('connect', (ack) => {
      failure = null;
      const filters = [...new Set(this.#opts.devices.flatMap((d) => d.source.points.map((p) => (p.topic !== undefined ? p.topic.replaceAll('{deviceId}', d.id).replaceAll('{pointId}', p.id) : topicFilter(d.source.topic, d.id)))))];
      // With a persistent session the broker kept our subscriptions; subscribing again is harmless.
      // Online only once the SUBACK is in: before it, a device's publish may not reach us.
      client.subscribe(filters, { qos: 1 }, (err) => {
        // A SUBACK failure code (0x80, MQTT 3.1.1 3.9.3) comes as an error carrying the SUBACK; the
        // connection is up all the same. Any other error: the connection went down under the
        // SUBACK, and its 'close' reports the loss.
        const refused = refusedFilters(err, filters);
        if (err !== null && refused === null) {
          this.#log.warn({ event: 'mqtt.subscribe_failed', code: 'GW_MQTT_CONNECTION', reason: errorMessage(err) }, 'MQTT subscribe failed');
          return;
        }
        if (this.#client !== client || this.#state === 'stopping' || this.#state === 'stopped') return;
        const wasDown = this.#upstream.state !== 'online' && this.#upstream.state !== 'idle';
        this.#backoff.reset();
        this.#lastError = null;
        this.#setUpstream('online');
        this.#setState('online');
        this.#log.info({ event: 'mqtt.connected', url: redactUrl(b.url), clientId, sessionPresent: ack.sessionPresent }, 'connected to MQTT broker');
        if (presence !== undefined) {
          // Retained: a console or a second gateway that subscribes later reads it at once.
          this.#publishAcked(client, presence.topic, presence.online(), 1, true).catch((e: unknown) => this.#log.warn({ event: 'mqtt.presence_failed', topic: presence.topic, err: errorMessage(e) }, 'the gateway could not say it is online on the site broker'));
        }
        if (wasDown) this.emit('upstream', { upstream: this.#upstreamStatus(), up: true, ts: this.#deps.clock.now() });
        if (refused !== null) {
          const reason = `the broker refused the subscription to ${refused.join(', ')}`;
          this.#lastError = reason;
          this.#linkErrors['GW_MQTT_NOT_AUTHORIZED'] = (this.#linkErrors['GW_MQTT_NOT_AUTHORIZED'] ?? 0) + 1;
          this.#log.warn({ event: 'mqtt.subscribe_refused', code: 'GW_MQTT_NOT_AUTHORIZED', reason }, reason);
          this.emit('error', { code: 'GW_MQTT_NOT_AUTHORIZED', message: reason });
        }
      });
    });
    client.on('message', (topic, payload) => this.#onMessage(topic, payload, null));
    client.on('error', (err) => {
      failure = classifyLinkError(err, b, clientId);
    });
    client.on('close', () => {
      if (this.#state === 'stopping' || this.#state === 'stopped' || this.#client !== client) return;
      const f = failure ?? { code: 'GW_MQTT_CONNECTION', reason: 'connection closed' };
      failure = null;
      this.#fail(f.code, f.reason);
    });
  }

  /** Comm loss: status and quality bad, never a throw; retry after a capped, jittered delay. */
  #fail(code: LinkErrorCode, reason: string): void {
    if (this.#retry !== null) return;
    const wasUp = this.#upstream.state === 'online' || this.#upstream.state === 'idle';
    const changed = this.#lastError !== reason;
    this.#lastError = reason;
    this.#linkErrors[code] = (this.#linkErrors[code] ?? 0) + 1;
    this.#setUpstream('backoff');
    this.#setState('backoff');
    this.#ledger.markAll('bad');
    const ts = this.#deps.clock.now();
    // One log line and one error event per outage or change of reason, not one per retry.
    if (wasUp || changed) {
      this.#log.warn({ event: 'mqtt.disconnected', code, reason, url: redactUrl(this.#opts.broker.mode === 'external' ? this.#opts.broker.url : '') }, `MQTT broker connection failed: ${reason}`);
      this.emit('error', { code, message: reason });
    }
    if (wasUp) {
      this.emit('upstream', { upstream: this.#upstreamStatus(), up: false, ts });
      // Comm loss shows as quality bad on every point behind the broker, never as a thrown error.
      for (const d of this.#opts.devices) {
        for (const p of d.source.points) this.emit('reading', { deviceId: d.id, pointId: p.id, value: null, quality: 'bad', ts, reason: code });
      }
    }
    const delay = this.#backoff.next();
    this.#retry = this.#deps.clock.setTimeout(() => {
      this.#retry = null;
      if (this.#state === 'stopping' || this.#state === 'stopped') return;
      this.#upstream.reconnects += 1;
      this.#setState('connecting');
      if (this.#client === null) this.#connectExternal();
      else this.#client.reconnect();
    }, delay);
  }

  #setState(s: LinkState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('status', this.status());
  }

  #setUpstream(s: LinkState): void {
    if (this.#upstream.state === s) return;
    this.#upstream = { ...this.#upstream, state: s, since: this.#deps.clock.now() };
  }

  #upstreamStatus(): UpstreamStatus {
    const b = this.#opts.broker;
    return {
      id: 'mqtt-broker',
      kind: 'mqtt-broker',
      address: b.mode === 'external' ? redactUrl(b.url) : 'embedded',
      state: this.#upstream.state,
      deviceIds: this.#opts.devices.map((d) => d.id),
      since: this.#upstream.since,
      lastError: this.#lastError,
      reconnects: this.#upstream.reconnects,
    };
  }
}

/** How long a clean stop waits for the broker to take our DISCONNECT. */
const DISCONNECT_WAIT_MS = 1_000;

function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [k, n] of Object.entries(b)) sum[k] = (sum[k] ?? 0) + n;
  return sum;
}
