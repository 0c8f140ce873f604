import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../core/log.js';
import type { LeaderInfo } from './pair-keys.js';

/** What the standby says of itself on /readyz and /healthz. */
export interface StandbyHealth {
  readonly ready: boolean;
  readonly body: Record<string, unknown>;
}

export interface StandbyHttpDeps {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  readonly leader: () => LeaderInfo | null;
  readonly health: () => StandbyHealth;
}

/** How long the standby tries to reach the active before it answers 502 (the page's queue sends the tap again). */
const CONNECT_MS = 5_000;

/** Headers of one hop (RFC 9110 7.6.1): not forwarded. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

/**
 * The standby's own HTTP port while it is the standby: staff pages opened on it keep working,
 * because every request but its health is forwarded to the active (its address in the leader
 * key), answers and live streams streamed back as they come. With no active known it answers 503
 * with words, and the pages' offline queue sends a tap again when the pair has an active; a
 * promotion closes this server and the full gateway takes the port.
 */
export class StandbyHttp {
  readonly #d: StandbyHttpDeps;
  #server: Server | null = null;

  constructor(d: StandbyHttpDeps) {
    this.#d = d;
  }

  async start(): Promise<string> {
    if (this.#server !== null) throw new Error('the standby HTTP server runs already');
    const server = createServer((req, res) => this.#handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 60_000;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#d.port, this.#d.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : this.#d.port;
    return `http://${this.#d.host === '0.0.0.0' ? '127.0.0.1' : this.#d.host}:${port}`;
  }

  /** Closes the port and every connection through it (forwarded live streams included). */
  async stop(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url === '/healthz' || url === '/readyz' || url.startsWith('/readyz?')) {
      const h = this.#d.health();
      const ok = url === '/healthz' || h.ready;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(h.body));
      return;
    }
    const leader = this.#d.leader();
    if (leader === null) {
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '2' });
      res.end(JSON.stringify({ error: 'GW_HA_NO_ACTIVE', message: 'This gateway is the standby of a pair and no active gateway is known right now; try again in a few seconds. 本网关为备机，暂时找不到主机，请几秒后重试。' }));
      return;
    }
    this.#forward(req, res, leader);
  }

  #forward(req: IncomingMessage, res: ServerResponse, leader: LeaderInfo): void {
    const target = new URL(req.url ?? '/', leader.url);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    headers['x-forwarded-by'] = 'standby';
    const out = request(target, { method: req.method, headers, timeout: 60_000 }, (answer) => {
      const back: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP.has(k)) back[k] = v;
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
      res.once('close', () => answer.destroy());
    });
    out.on('error', (err) => {
      this.#d.log.warn({ event: 'ha.forward_failed', target: target.host, err: err.message }, 'the standby could not forward a request to the active');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '2' });
        res.end(JSON.stringify({ error: 'GW_HA_NO_ACTIVE', message: `The active gateway (${leader.gatewayId}) did not answer; try again in a few seconds. 主机暂时无应答，请几秒后重试。` }));
      } else res.destroy();
    });
    out.on('timeout', () => out.destroy(new Error('no answer within 60 s')));
    // A cut cable answers nothing (no reset): a tap must not hang for the kernel's connect timeout.
    out.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => out.destroy(new Error(`could not connect within ${CONNECT_MS / 1000} s`)), CONNECT_MS);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    // The body is streamed on as it comes: the active applies its own limits and says so.
    req.pipe(out);
  }
}
