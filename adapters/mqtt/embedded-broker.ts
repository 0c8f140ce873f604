import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from '../../gateway/log.js';
import { errorMessage } from '../../gateway/errors.js';

export interface DeviceCredential {
  readonly deviceId: string;
  readonly username: string;
  readonly password: string;
}

export interface EmbeddedBrokerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxPayloadBytes: number;
  readonly allowAnonymous: boolean;
  readonly credentials: readonly DeviceCredential[];
  /** ACL: may this device publish to this topic? */
  readonly mayPublish: (deviceId: string, topic: string) => boolean;
  /** Every accepted publish from a device client, consumed in-process (no loopback client). */
  readonly onDevicePublish: (deviceId: string | null, packet: PublishPacket) => void;
  readonly onRefused: (code: 'GW_MQTT_NOT_AUTHORIZED' | 'GW_MQTT_PAYLOAD_TOO_LARGE', message: string, deviceId?: string) => void;
  readonly log: Logger;
}

/**
 * The aedes broker the gateway hosts when the site has none. Devices authenticate with their own
 * credentials; the ACL lets each publish only to its own topics; subscriptions are refused for
 * devices except to the alert topics (`alerts/#`), which staff consoles may read.
 */
export class EmbeddedBroker {
  readonly #opts: EmbeddedBrokerOptions;
  readonly #byUser = new Map<string, DeviceCredential>();
  readonly #deviceOf = new WeakMap<Client, string>();
  readonly #sockets = new Set<Socket>();
  #broker: Aedes | null = null;
  #server: Server | null = null;

  constructor(opts: EmbeddedBrokerOptions) {
    this.#opts = opts;
    for (const c of opts.credentials) this.#byUser.set(c.username, c);
  }

  async start(): Promise<{ host: string; port: number }> {
    const o = this.#opts;
    const broker = await Aedes.createBroker({
      // Packets a client may send before its CONNECT is authenticated.
      queueLimit: 1000,
      // No mqemitter concurrency limit, on purpose. With a limit (aedes default 100), once that many
      // deliveries wait on a slow subscriber's socket (waitForDrain) every further publish is queued
      // inside mqemitter, without bound. When the subscriber disconnects, mqemitter's `released()`
      // drains that queue recursively: released -> _do -> fastparallel -> (no subscriber on a device
      // topic, so done runs synchronously) -> released -> ... one stack frame chain per queued
      // message, and a flood of QoS 0 readings overflows the stack ("Maximum call stack size
      // exceeded" thrown out of whatever callback is deepest: the process dies). aedes 1.2.0 and
      // mqemitter 7.1.0 are the latest; there is no fixed version to pin. Without the limit nothing
      // is queued in mqemitter: the bound is each connection's own backpressure (aedes reads a
      // client's next socket chunk only when every packet of the last one is done) and drainTimeout
      // below, which cuts a subscriber that stops reading. test/reliability/broker-flood.test.ts.
      concurrency: 0,
      drainTimeout: 10_000,
      authenticate: (client, username, password, done) => {
        const cred = username === undefined ? undefined : this.#byUser.get(username);
        if (cred !== undefined && password !== undefined && samePassword(password, cred.password)) {
          this.#deviceOf.set(client, cred.deviceId);
          done(null, true);
          return;
        }
        if (cred === undefined && username === undefined && o.allowAnonymous) {
          done(null, true);
          return;
        }
        o.onRefused('GW_MQTT_NOT_AUTHORIZED', `MQTT login refused for user "${username ?? '(none)'}"`);
        const err = Object.assign(new Error('bad username or password'), { returnCode: 4 });
        done(err, false);
      },
      authorizePublish: (client, packet, done) => {
        if (client === null) return done(null);
        const deviceId = this.#deviceOf.get(client);
        if (packet.payload.length > o.maxPayloadBytes) {
          o.onRefused('GW_MQTT_PAYLOAD_TOO_LARGE', `payload of ${packet.payload.length} bytes on ${packet.topic} exceeds ${o.maxPayloadBytes}`, deviceId);
          return done(new Error('payload too large'));
        }
        if (deviceId === undefined) {
          if (o.allowAnonymous) return done(null);
          return done(new Error('not authorized'));
        }
        if (!o.mayPublish(deviceId, packet.topic)) {
          o.onRefused('GW_MQTT_NOT_AUTHORIZED', `device ${deviceId} may not publish to ${packet.topic}`, deviceId);
          return done(new Error('not authorized'));
        }
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const deviceId = client === null ? undefined : this.#deviceOf.get(client);
        if (deviceId === undefined || sub.topic.startsWith('alerts/')) return done(null, sub);
        o.onRefused('GW_MQTT_NOT_AUTHORIZED', `device ${deviceId} may not subscribe to ${sub.topic}`, deviceId);
        done(new Error('not authorized'), null);
      },
    });
    broker.on('publish', (packet, client) => {
      if (client === null) return;
      o.onDevicePublish(this.#deviceOf.get(client) ?? null, packet);
    });
    // One bad client never takes the broker down: its error closes that client only.
    broker.on('clientError', (client, err) => o.log.debug({ event: 'mqtt.client_error', clientId: client.id, err: errorMessage(err) }, 'mqtt client error'));
    broker.on('connectionError', (client, err) => o.log.debug({ event: 'mqtt.connection_error', clientId: client.id, err: errorMessage(err) }, 'mqtt connection error'));
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#broker = broker;
    this.#server = server;
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
    return { host: o.host, port };
  }

  address(): { host: string; port: number } | null {
    const addr = this.#server?.address();
    return typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : null;
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    const broker = this.#broker;
    if (broker === null) return Promise.reject(new Error('broker is not running'));
    const packet = { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain, dup: false } as PublishPacket;
    return new Promise((resolve, reject) => broker.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const broker = this.#broker;
    this.#server = null;
    this.#broker = null;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (broker !== null) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}

function samePassword(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  // timingSafeEqual needs equal lengths; a different length is unequal anyway.
  return given.length === want.length && timingSafeEqual(given, want);
}
