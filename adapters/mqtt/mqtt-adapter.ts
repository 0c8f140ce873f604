import { readFileSync } from 'node:fs';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../gateway/clock.js';
import { resolveSecret } from '../../gateway/config/secrets.js';
import { errorMessage } from '../../gateway/errors.js';
import type { Logger } from '../../gateway/log.js';
import type { Adapter, AdapterEvents, AdapterStatus, LinkState, UpstreamStatus } from '../adapter.js';
import { Backoff } from '../backoff.js';
import type { Reading } from '../reading.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { BrokerConfig } from './config.js';
import { DeviceLedger } from './device-ledger.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { TopicMap, topicFilter, type MqttDeviceSpec } from './topic-map.js';

export interface MqttAdapterOptions {
  readonly broker: BrokerConfig;
  readonly devices: readonly MqttDeviceSpec[];
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
  #retry: TimerHandle | null = null;
  readonly #backoff = new Backoff({ baseMs: 500, capMs: 30_000 });
  #upstream: { state: LinkState; since: number; reconnects: number } = { state: 'idle', since: 0, reconnects: 0 };

  constructor(opts: MqttAdapterOptions, deps: MqttAdapterDeps) {
    super();
    this.#opts = opts;
    this.#deps = deps;
    this.#log = deps.log;
    this.#topics = new TopicMap(opts.devices);
    this.#ledger = new DeviceLedger(opts.devices.map((d) => d.id), deps.log);
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    this.#setState('connecting');
    const broker = this.#opts.broker;
    if (broker.mode === 'embedded') {
      const env = this.#deps.env ?? process.env;
      const credentials = this.#opts.devices.flatMap((d) => {
        const username = d.source.username ?? d.id;
        const password = resolveSecret(d.source.password, `devices[${d.id}].source.password`, env);
        return password === undefined ? [] : [{ deviceId: d.id, username, password }];
      });
      this.#embedded = new EmbeddedBroker({
        host: broker.host,
        port: broker.port,
        maxPayloadBytes: broker.maxPayloadBytes,
        allowAnonymous: broker.allowAnonymous,
        credentials,
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
      await client.endAsync(true).catch(() => undefined);
    }
    if (this.#embedded !== null) await this.#embedded.stop();
    this.#embedded = null;
    this.#setState('stopped');
  }

  address(): { host: string; port: number } | null {
    return this.#embedded?.address() ?? null;
  }

  async publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const qos = opts.qos ?? 1;
    const retain = opts.retain ?? false;
    if (this.#embedded !== null) return this.#embedded.publish(topic, payload, qos, retain);
    const client = this.#client;
    if (client === null || !client.connected) throw new Error('MQTT broker is not connected');
    await client.publishAsync(topic, payload, { qos, retain });
  }

  status(): AdapterStatus {
    const upstreams: UpstreamStatus[] = this.#opts.broker.mode === 'external' ? [this.#upstreamStatus()] : [];
    return {
      kind: 'mqtt',
      state: this.#state,
      connected: this.#state === 'online',
      lastGoodReadingTs: this.#ledger.lastGoodReadingTs(),
      readings: this.#readings,
      errors: this.#ledger.totals(),
      lastError: this.#lastError,
      upstreams,
      devices: this.#ledger.devices(),
    };
  }

  /** Hot path: one Map lookup, one decode, one emit. */
  #onMessage(topic: string, payload: Buffer, publisher: string | null): void {
    const route = this.#topics.route(topic);
    const now = this.#deps.clock.now();
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
    const ts = d.ts ?? now;
    this.#readings += 1;
    this.#ledger.good(route.deviceId, ts);
    const reading: Reading = { deviceId: route.deviceId, pointId: route.pointId, value: d.value, quality: 'good', ts };
    this.emit('reading', reading);
  }

  #bad(code: string, message: string, deviceId?: string, pointId?: string): void {
    this.#ledger.error(code, message, this.#deps.clock.now(), deviceId, pointId === undefined ? {} : { pointId });
    const err = { code, message, ...(deviceId === undefined ? {} : { deviceId }), ...(pointId === undefined ? {} : { pointId }) };
    this.emit('error', err);
  }

  #connectExternal(): void {
    const b = this.#opts.broker;
    if (b.mode !== 'external') return;
    const env = this.#deps.env ?? process.env;
    const password = resolveSecret(b.password, 'broker.password', env);
    const options: IClientOptions = {
      clientId: b.clientId ?? `gateway-${this.#opts.devices[0]?.id ?? 'site'}`,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...(b.username === undefined ? {} : { username: b.username }),
      ...(password === undefined ? {} : { password }),
      ...(b.caFile === undefined ? {} : { ca: readFileSync(b.caFile) }),
      ...(b.certFile === undefined ? {} : { cert: readFileSync(b.certFile) }),
      ...(b.keyFile === undefined ? {} : { key: readFileSync(b.keyFile) }),
    };
    const client = connect(b.url, options);
    this.#client = client;
    client.on('connect', (ack) => {
      const filters = [...new Set(this.#opts.devices.flatMap((d) => d.source.points.map((p) => (p.topic !== undefined ? p.topic.replaceAll('{deviceId}', d.id).replaceAll('{pointId}', p.id) : topicFilter(d.source.topic, d.id)))))];
      const wasDown = this.#upstream.state !== 'online' && this.#upstream.state !== 'idle';
      // With a persistent session the broker kept our subscriptions; subscribing again is harmless.
      client.subscribe(filters, { qos: 1 }, (err) => {
        if (err) this.#fail(`subscribe failed: ${errorMessage(err)}`);
      });
      this.#backoff.reset();
      this.#setUpstream('online');
      this.#setState('online');
      this.#log.info({ event: 'mqtt.connected', url: redactUrl(b.url), sessionPresent: ack.sessionPresent }, 'connected to MQTT broker');
      if (wasDown) this.emit('upstream', { upstream: this.#upstreamStatus(), up: true, ts: this.#deps.clock.now() });
    });
    client.on('message', (topic, payload) => this.#onMessage(topic, payload, null));
    client.on('error', (err) => {
      this.#lastError = errorMessage(err);
    });
    client.on('close', () => {
      if (this.#state === 'stopping' || this.#state === 'stopped') return;
      this.#fail(this.#lastError ?? 'connection closed');
    });
  }

  #fail(reason: string): void {
    if (this.#retry !== null) return;
    const wasUp = this.#upstream.state === 'online' || this.#upstream.state === 'idle';
    this.#lastError = reason;
    this.#setUpstream('backoff');
    this.#setState('backoff');
    this.#ledger.markAll('bad');
    if (wasUp) {
      const ts = this.#deps.clock.now();
      this.#log.warn({ event: 'mqtt.disconnected', code: 'GW_MQTT_CONNECTION', reason }, 'MQTT broker connection lost');
      this.emit('upstream', { upstream: this.#upstreamStatus(), up: false, ts });
      // Comm loss shows as quality bad on every point behind the broker, never as a thrown error.
      for (const d of this.#opts.devices) {
        for (const p of d.source.points) this.emit('reading', { deviceId: d.id, pointId: p.id, value: null, quality: 'bad', ts, reason: 'GW_MQTT_CONNECTION' });
      }
    }
    const delay = this.#backoff.next();
    this.#retry = this.#deps.clock.setTimeout(() => {
      this.#retry = null;
      if (this.#client === null || this.#state === 'stopping' || this.#state === 'stopped') return;
      this.#upstream.reconnects += 1;
      this.#setState('connecting');
      this.#client.reconnect();
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

/** Credentials in a URL never reach a log line. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}
