import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../core/errors.js';

/**
 * What the pages may load: their own scripts, styles, images and the live stream, from the gateway
 * itself (the pages vendor lit-html and uPlot under /vendor/, no CDN); photos may be previewed from
 * blob: URLs before upload. No inline script or style attribute, no framing by another site.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  // data: for the photos the pages scale in the browser and turn into a Blob with fetch(dataUrl).
  "connect-src 'self' data:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(self), geolocation=(), microphone=(), payment=()',
};

export function securityHeaderValues(): Readonly<Record<string, string>> {
  return SECURITY_HEADERS;
}

/** Every answer, pages and API alike, carries the headers (an error page can be framed too). */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
    return payload;
  });
}

export interface ConnectionCaps {
  /** Open connections in all; over it node closes a new one at once (server.maxConnections). */
  readonly max: number;
  /** Open connections from one client address. */
  readonly perAddress: number;
  /** Ms a connection may stay silent both ways, from its first byte on (the live stream beats every 15 s). */
  readonly idleMs: number;
}

/**
 * Caps the HTTP connections, in all and per client address, so idle or slow sockets from one
 * machine on the LAN cannot take every file descriptor (the store, the broker and the staff's
 * own phones need theirs). Each refusal is counted (gateway_api_refused_total).
 */
export class ConnectionLimiter {
  readonly #byAddress = new Map<string, number>();
  /** Open sockets with the bytes they had moved and the monotonic ms they last moved one. */
  readonly #open = new Map<Socket, { bytes: number; since: number }>();
  #sweep: TimerHandle | null = null;

  constructor(
    private readonly caps: ConnectionCaps,
    private readonly clock: Clock,
    private readonly onRefused: () => void,
  ) {}

  attach(server: Server): void {
    server.maxConnections = this.caps.max;
    server.on('connection', (socket: Socket) => this.#admit(socket));
    // A TLS server hands the plain socket to 'connection' as well, so both are counted the same.
  }

  /**
   * Idle sockets are found by a sweep of the bytes each has moved, not by socket.setTimeout: on
   * node 20 a socket that never sends a byte is not reliably timed out by the HTTP server.
   */
  start(): void {
    this.#sweep ??= this.clock.setInterval(() => this.#closeIdle(), Math.min(1000, this.caps.idleMs));
  }

  stop(): void {
    this.#sweep?.cancel();
    this.#sweep = null;
  }

  #closeIdle(): void {
    const now = this.clock.monotonic();
    for (const [socket, seen] of this.#open) {
      const bytes = socket.bytesRead + socket.bytesWritten;
      if (bytes !== seen.bytes) this.#open.set(socket, { bytes, since: now });
      else if (now - seen.since >= this.caps.idleMs) socket.destroy();
    }
  }

  #admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '?';
    const n = this.#byAddress.get(address) ?? 0;
    if (n >= this.caps.perAddress) {
      this.onRefused();
      socket.destroy();
      return;
    }
    this.#byAddress.set(address, n + 1);
    this.#open.set(socket, { bytes: 0, since: this.clock.monotonic() });
    socket.once('close', () => {
      this.#open.delete(socket);
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.#byAddress.delete(address);
      else this.#byAddress.set(address, left);
    });
  }
}

/** The certificate and key an https listener is made with, read once at boot. */
export function readHttpsFiles(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`http.tls.${key} ${file} cannot be read: ${errorMessage(err)}`, { cause: err });
    }
  };
  return { cert: read(tls.certFile, 'certFile'), key: read(tls.keyFile, 'keyFile') };
}

