import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { onTestFinished } from 'vitest';
import { createWebSocketStream, WebSocketServer } from 'ws';

/** How devices and the gateway reach the test broker. */
export type BrokerTransport =
  | { readonly kind: 'tcp' }
  /** TLS with a server certificate; `ca` set = client certificates signed by it are required. */
  | { readonly kind: 'tls'; readonly key: Buffer; readonly cert: Buffer; readonly ca?: Buffer }
  | { readonly kind: 'ws' }
  /** WebSocket over TLS, with the same certificate options as `tls`. */
  | { readonly kind: 'wss'; readonly key: Buffer; readonly cert: Buffer; readonly ca?: Buffer };

export interface TestBrokerOptions {
  readonly transport?: BrokerTransport;
  /** username -> password; absent = anyone may connect. */
  readonly users?: Readonly<Record<string, string>>;
  /** Subscription filters the broker refuses (SUBACK 0x80). */
  readonly denySubscriptions?: readonly string[];
  /** Publishes on topics this matches are taken and never acknowledged (a stalled broker) while it returns true. */
  readonly stallPublishes?: (topic: string) => boolean;
}

/**
 * A site's "external" broker for tests: aedes in-process behind a TCP, TLS or WebSocket listener
 * on 127.0.0.1 (port 0 the first time). The aedes object, with its in-memory sessions, outlives
 * the listener: `stopNetwork()` / `startNetwork()` is a broker restart that keeps persistent
 * sessions, and `hold(clientId)` cuts one client off and refuses it until `release`.
 */
export class TestBroker {
  readonly broker: Aedes;
  readonly #transport: BrokerTransport;
  readonly #clients = new Map<string, Client>();
  readonly #held = new Set<string>();
  readonly #sockets = new Set<Socket>();
  #server: NetServer | TlsServer | HttpServer | null = null;
  #wss: WebSocketServer | null = null;
  #port = 0;
  /** Logins refused so far (bad credentials or held). */
  refusals = 0;

  private constructor(broker: Aedes, transport: BrokerTransport) {
    this.broker = broker;
    this.#transport = transport;
    broker.on('client', (c) => this.#clients.set(c.id, c));
    broker.on('clientDisconnect', (c) => {
      if (this.#clients.get(c.id) === c) this.#clients.delete(c.id);
    });
  }

  static async start(opts: TestBrokerOptions = {}): Promise<TestBroker> {
    let self: TestBroker | null = null;
    const users = opts.users;
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const held = self !== null && self.#held.has(client.id);
        const ok = !held && (users === undefined || (username !== undefined && password !== undefined && users[username] === password.toString('utf8')));
        if (ok) return done(null, true);
        if (self !== null) self.refusals += 1;
        // MQTT 3.1.1 CONNACK 3 = server unavailable (held), 4 = bad user name or password.
        const err = Object.assign(new Error(held ? 'held' : 'bad username or password'), { returnCode: held ? 3 : 4 }) as AuthenticateError;
        done(err, false);
      },
      authorizePublish: (_client, packet, done) => {
        if (opts.stallPublishes?.(packet.topic) !== true) done(null);
      },
      authorizeSubscribe: (_client, sub, done) => {
        // aedes: a null subscription is answered with SUBACK 0x80 (failure).
        done(null, opts.denySubscriptions?.includes(sub.topic) === true ? null : sub);
      },
    });
    self = new TestBroker(broker, opts.transport ?? { kind: 'tcp' });
    const created = self;
    onTestFinished(() => created.close());
    await self.startNetwork();
    return self;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const kind = this.#transport.kind;
    const scheme = { tcp: 'mqtt', tls: 'mqtts', ws: 'ws', wss: 'wss' }[kind];
    return `${scheme}://127.0.0.1:${this.#port}${kind === 'ws' || kind === 'wss' ? '/mqtt' : ''}`;
  }

  isConnected(clientId: string): boolean {
    return this.#clients.get(clientId)?.connected ?? false;
  }

  /** Listens again (on the same port after a stop). */
  async startNetwork(): Promise<void> {
    if (this.#server !== null) return;
    const t = this.#transport;
    const track = (s: Socket): void => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => s.destroy());
    };
    let server: NetServer | TlsServer | HttpServer;
    if (t.kind === 'tcp') {
      server = createNetServer((s) => {
        track(s);
        this.broker.handle(s);
      });
    } else if (t.kind === 'tls') {
      const tlsServer = createTlsServer({ key: t.key, cert: t.cert, ...(t.ca === undefined ? {} : { ca: t.ca, requestCert: true, rejectUnauthorized: true }) }, (s) => this.broker.handle(s));
      // Track the raw connection so a failed handshake is cleaned up too.
      tlsServer.on('connection', track);
      tlsServer.on('tlsClientError', () => undefined);
      server = tlsServer;
    } else {
      const http = t.kind === 'ws' ? createHttpServer() : createHttpsServer({ key: t.key, cert: t.cert, ...(t.ca === undefined ? {} : { ca: t.ca, requestCert: true, rejectUnauthorized: true }) });
      http.on('tlsClientError', () => undefined);
      http.on('connection', track);
      const wss = new WebSocketServer({ server: http });
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => stream.destroy());
        this.broker.handle(stream, req);
      });
      this.#wss = wss;
      server = http;
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (typeof addr === 'object' && addr !== null) this.#port = addr.port;
    this.#server = server;
  }

  /** The broker's network goes away (every connection cut); sessions stay in memory. */
  async stopNetwork(): Promise<void> {
    const server = this.#server;
    const wss = this.#wss;
    this.#server = null;
    this.#wss = null;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (wss !== null) {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Cuts one client off from the broker side and refuses it until `release`. */
  hold(clientId: string): void {
    this.#held.add(clientId);
    this.#clients.get(clientId)?.conn.destroy();
  }

  release(clientId: string): void {
    this.#held.delete(clientId);
  }

  async close(): Promise<void> {
    await this.stopNetwork();
    if (!this.broker.closed) await new Promise<void>((resolve) => this.broker.close(() => resolve()));
  }
}
