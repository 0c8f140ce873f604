import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { raiseZeroHopCount } from './npdu.js';

/**
 * The UDP socket under the BACnet stack, ours rather than the stack's own: that one cannot bind
 * port 0 (it takes 0 for "unset" and binds 47808, which a site's BMS front-end may hold), cannot
 * say when it is bound or closed, and spells a sender on 47808 without its port. This one binds
 * where it is told, resolves `ready` with the port, `close()` resolves once the socket is gone,
 * always names a sender `ip:port`, and sets the hop count of a routed message the stack leaves at 0.
 */
export class UdpTransport extends EventEmitter {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  readonly #broadcast: string;
  #closed: Promise<void> | null = null;
  readonly ready: Promise<number>;

  constructor(opts: { host: string; port: number; broadcastAddress?: string }) {
    super();
    this.#host = opts.host;
    this.#port = opts.port;
    this.#broadcast = opts.broadcastAddress ?? '255.255.255.255:47808';
    this.#socket = createSocket({ type: 'udp4', reuseAddr: false });
    this.#socket.on('message', (msg, rinfo) => {
      // The stack decodes in this call and may throw on a malformed datagram: one bad packet from
      // the LAN must cost that packet, never the process.
      try {
        this.emit('message', msg, `${rinfo.address}:${rinfo.port}`);
      } catch (err: unknown) {
        this.emit('error', new Error(`undecodable datagram from ${rinfo.address}:${rinfo.port} (${msg.length} bytes): ${err instanceof Error ? err.message : String(err)}`));
      }
    });
    this.ready = new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#socket.once('error', onError);
      this.#socket.once('listening', () => {
        this.#socket.off('error', onError);
        // A send error (ICMP unreachable on some systems) is the peer's problem: report, never throw.
        this.#socket.on('error', (err) => this.emit('error', err));
        this.emit('listening', this.#socket.address());
        resolve(this.#socket.address().port);
      });
    });
    // Whoever awaits ready sees a bind failure; an unawaited one must not crash the process.
    this.ready.catch(() => undefined);
  }

  open(): void {
    this.#socket.bind(this.#port, this.#host, () => {
      if (this.#host !== '127.0.0.1') this.#socket.setBroadcast(true);
    });
  }

  getBroadcastAddress(): string {
    return this.#broadcast;
  }

  getMaxPayload(): number {
    return 1482; // BACnet/IP: 1476-octet APDU + BVLC and NPDU headers (Annex J)
  }

  send(buffer: Buffer, offset: number, receiver?: string): void {
    if (this.#closed !== null) return;
    const to = receiver ?? this.#broadcast;
    const i = to.lastIndexOf(':');
    const host = i < 0 ? to : to.slice(0, i);
    const port = i < 0 ? 47808 : Number(to.slice(i + 1));
    // The stack leaves the hop count of routed messages at 0, which a router discards (npdu.ts).
    raiseZeroHopCount(buffer, offset);
    this.#socket.send(buffer, 0, offset, port, host, (err) => {
      if (err) this.emit('error', err);
    });
  }

  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#closed = new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // never bound: nothing to close
      }
    });
    return this.#closed;
  }
}
