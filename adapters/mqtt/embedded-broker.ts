import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { errorMessage } from '../../core/errors.js';
import { ClientIdOwners, filterWithin } from './broker-acl.js';
import { FixedHeaderScanner, GatedSocket, type GateRefusal } from './packet-gate.js';
import { PendingLogins, type PendingLoginLimits } from './pending-logins.js';

/** A login on the embedded broker: a device (publishes its own topics) or a reader (deviceId null). */
export interface BrokerCredential {
  readonly deviceId: string | null;
  readonly username: string;
  readonly password: string;
  /** Topic filters it may subscribe to; empty = none. */
  readonly subscribe: readonly string[];
}

export type BrokerRefusalCode = 'GW_MQTT_NOT_AUTHORIZED' | 'GW_MQTT_PAYLOAD_TOO_LARGE' | 'GW_MQTT_PACKET_TOO_LARGE' | 'GW_MQTT_LOGIN_LIMIT' | 'GW_MQTT_CONNECTION_LIMIT';

/** Connections the broker may hold in all, and the process's open-file limit that sets it. */
export interface ConnectionCap {
  readonly max: number;
  readonly fileLimit: number;
}

export interface EmbeddedBrokerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxPayloadBytes: number;
  /** Largest packet of any kind, checked on its fixed header before it is buffered. */
  readonly maxPacketBytes: number;
  readonly pendingLogins: PendingLoginLimits;
  /** Connections in all (logged in or not), null where the open-file limit is unknown. */
  readonly connectionCap: ConnectionCap | null;
  readonly allowAnonymous: boolean;
  readonly credentials: readonly BrokerCredential[];
  /** An mqtts listener beside the plain one. */
  readonly tls?: { readonly port: number; readonly certFile: string; readonly keyFile: string };
  /** ACL: may this device publish to this topic? */
  readonly mayPublish: (deviceId: string, topic: string) => boolean;
  /** Every accepted publish from a device client, consumed in-process (no loopback client). */
  readonly onDevicePublish: (deviceId: string | null, packet: PublishPacket) => void;
  readonly onRefused: (code: BrokerRefusalCode, message: string, deviceId?: string) => void;
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * The aedes broker the gateway hosts when the site has none. Every connection passes a gate that
 * refuses an oversized packet on its header and bounds the connections not yet logged in (number
 * and time). Logins are devices or readers, each with its own client ids (broker-acl.ts); a device
 * publishes only to its own topics; anyone subscribes only inside what the site file grants it.
 */
export class EmbeddedBroker {
  readonly #opts: EmbeddedBrokerOptions;
  readonly #byUser = new Map<string, BrokerCredential>();
  readonly #loginOf = new WeakMap<Client, BrokerCredential>();
  readonly #sockets = new Set<Socket>();
  readonly #owners: ClientIdOwners;
  readonly #pending: PendingLogins;
  #broker: Aedes | null = null;
  #server: Server | null = null;
  #tlsServer: Server | null = null;

  constructor(opts: EmbeddedBrokerOptions) {
    this.#opts = opts;
    for (const c of opts.credentials) this.#byUser.set(c.username, c);
    this.#owners = new ClientIdOwners(this.#byUser.keys());
    this.#pending = new PendingLogins(opts.pendingLogins, opts.clock);
  }

  async start(): Promise<{ host: string; port: number }> {
    const o = this.#opts;
    const tlsFiles = o.tls === undefined ? null : await readTlsPair(o.tls);
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
        const ok = (cred !== undefined && password !== undefined && samePassword(password, cred.password)) || (cred === undefined && username === undefined && o.allowAnonymous);
        if (!ok) {
          o.onRefused('GW_MQTT_NOT_AUTHORIZED', `MQTT login refused for user "${username ?? '(none)'}"`);
          done(Object.assign(new Error('bad username or password'), { returnCode: 4 }), false);
          return;
        }
        // The client id must be this login's own (a clash would cut another login's session off).
        const owner = this.#owners.take(client.id, username ?? '');
        if (owner !== null) {
          o.onRefused('GW_MQTT_NOT_AUTHORIZED', `MQTT login "${username ?? '(anonymous)'}" may not use client id "${client.id}": it belongs to login "${owner}"`, cred?.deviceId ?? undefined);
          done(Object.assign(new Error('client id belongs to another login'), { returnCode: 2 }), false);
          return;
        }
        if (cred !== undefined) this.#loginOf.set(client, cred);
        if (client.conn instanceof GatedSocket) this.#pending.release(client.conn.socket);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        if (client === null) return done(null);
        const login = this.#loginOf.get(client);
        const deviceId = login?.deviceId ?? undefined;
        if (packet.payload.length > o.maxPayloadBytes) {
          o.onRefused('GW_MQTT_PAYLOAD_TOO_LARGE', `payload of ${packet.payload.length} bytes on ${packet.topic} exceeds ${o.maxPayloadBytes}`, deviceId);
          return done(new Error('payload too large'));
        }
        if (login === undefined) {
          if (o.allowAnonymous) return done(null);
          return done(new Error('not authorized'));
        }
        if (deviceId === undefined) {
          o.onRefused('GW_MQTT_NOT_AUTHORIZED', `login ${login.username} reads only and may not publish to ${packet.topic}`);
          return done(new Error('not authorized'));
        }
        if (!o.mayPublish(deviceId, packet.topic)) {
          o.onRefused('GW_MQTT_NOT_AUTHORIZED', `device ${deviceId} may not publish to ${packet.topic}`, deviceId);
          return done(new Error('not authorized'));
        }
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const login = client === null ? undefined : this.#loginOf.get(client);
        // The broker's own subscriptions, and anonymous lab clients, are not limited.
        if (client === null || (login === undefined && o.allowAnonymous)) return done(null, sub);
        if (login !== undefined && login.subscribe.some((g) => filterWithin(sub.topic, g))) return done(null, sub);
        const who = login === undefined ? 'an anonymous client' : login.deviceId === null ? `login ${login.username}` : `device ${login.deviceId}`;
        o.onRefused('GW_MQTT_NOT_AUTHORIZED', `${who} may not subscribe to ${sub.topic.slice(0, 200)}`, login?.deviceId ?? undefined);
        done(new Error('not authorized'), null);
      },
    });
    broker.on('publish', (packet, client) => {
      if (client === null) return;
      o.onDevicePublish(this.#loginOf.get(client)?.deviceId ?? null, packet);
    });
    broker.on('client', (client) => this.#owners.connected(client.id));
    broker.on('clientDisconnect', (client) => this.#owners.disconnected(client.id));
    // One bad client never takes the broker down: its error closes that client only.
    broker.on('clientError', (client, err) => o.log.debug({ event: 'mqtt.client_error', clientId: client.id, err: errorMessage(err) }, 'mqtt client error'));
    broker.on('connectionError', (client, err) => o.log.debug({ event: 'mqtt.connection_error', clientId: client.id, err: errorMessage(err) }, 'mqtt connection error'));
    const onSocket = (socket: Socket): void => this.#accept(broker, socket);
    const server = createServer(onSocket);
    await listen(server, o.port, o.host);
    this.#broker = broker;
    this.#server = server;
    if (o.tls !== undefined && tlsFiles !== null) {
      // The handshake has the login time as its own timeout; the login bounds apply after it.
      const tlsServer = createTlsServer({ ...tlsFiles, handshakeTimeout: o.pendingLogins.timeoutMs }, onSocket);
      tlsServer.on('tlsClientError', (err) => o.log.debug({ event: 'mqtt.tls_client_error', err: errorMessage(err) }, 'mqtts handshake failed'));
      await listen(tlsServer, o.tls.port, o.host);
      this.#tlsServer = tlsServer;
      const a = tlsServer.address();
      o.log.info({ event: 'mqtt.tls_listening', port: typeof a === 'object' && a !== null ? a.port : o.tls.port }, 'embedded MQTT broker listening for mqtts');
    }
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
    return { host: o.host, port };
  }

  /** A new connection: admitted while the not-yet-logged-in bounds allow, then gated and handed to aedes. */
  #accept(broker: Aedes, socket: Socket): void {
    const o = this.#opts;
    const from = socket.remoteAddress ?? '?';
    this.#sockets.add(socket);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.#pending.release(socket);
    });
    socket.on('error', () => socket.destroy());
    // Each packet goes out as it is written: with Nagle's algorithm a CONNACK or an alert written in
    // two pieces waited for the peer's delayed ACK (40 ms), so logins crawled and alerts lagged.
    socket.setNoDelay(true);
    // Over the cap a connection is refused here, with a word, rather than by the kernel: at the
    // open-file limit libuv accepts and closes connections in silence, and the store could no
    // longer open a file to write a ticket.
    const cap = o.connectionCap;
    if (cap !== null && this.#sockets.size > cap.max) {
      o.onRefused('GW_MQTT_CONNECTION_LIMIT', `MQTT connection from ${from} refused: ${cap.max} connections are open, all that the open-file limit of ${cap.fileLimit} leaves the broker`);
      socket.destroy();
      return;
    }
    const admitted = this.#pending.admit(socket, () => o.onRefused('GW_MQTT_LOGIN_LIMIT', `MQTT connection from ${from} did not log in within ${o.pendingLogins.timeoutMs} ms; closed`));
    if (admitted !== 'ok') {
      const limit = admitted === 'too-many' ? `${o.pendingLogins.max} in all` : `${o.pendingLogins.perAddress} from ${from}`;
      o.onRefused('GW_MQTT_LOGIN_LIMIT', `MQTT connection from ${from} refused: already ${limit} waiting to log in`);
      socket.destroy();
      return;
    }
    const gated = new GatedSocket(socket, new FixedHeaderScanner(o.maxPacketBytes), (why: GateRefusal) => {
      const login = (gated as { client?: Client }).client;
      const deviceId = login === undefined ? undefined : (this.#loginOf.get(login)?.deviceId ?? undefined);
      const what = why.kind === 'too-large' ? `a packet declaring ${why.declared} bytes (limit ${o.maxPacketBytes})` : `packet type ${why.type} before CONNECT`;
      o.onRefused('GW_MQTT_PACKET_TOO_LARGE', `MQTT connection from ${from} sent ${what}; closed before reading it`, deviceId);
    });
    broker.handle(gated);
  }

  address(): { host: string; port: number } | null {
    const addr = this.#server?.address();
    return typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : null;
  }

  /** The mqtts listener's port, when the site has one. */
  tlsPort(): number | null {
    const addr = this.#tlsServer?.address();
    return typeof addr === 'object' && addr !== null ? addr.port : null;
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    const broker = this.#broker;
    if (broker === null) return Promise.reject(new Error('broker is not running'));
    const packet = { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain, dup: false } as PublishPacket;
    return new Promise((resolve, reject) => broker.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  async stop(): Promise<void> {
    const servers = [this.#server, this.#tlsServer].filter((s): s is Server => s !== null);
    const broker = this.#broker;
    this.#server = null;
    this.#tlsServer = null;
    this.#broker = null;
    this.#pending.stop();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    if (broker !== null) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}

function samePassword(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  // timingSafeEqual needs equal lengths; a different length is unequal anyway.
  return given.length === want.length && timingSafeEqual(given, want);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function readTlsPair(tls: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (file: string, key: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`broker.tls.${key} ${file} cannot be read: ${errorMessage(err)}`, { cause: err });
    }
  };
  return { cert: await read(tls.certFile, 'certFile'), key: await read(tls.keyFile, 'keyFile') };
}
