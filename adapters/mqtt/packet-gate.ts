import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Why a connection was cut by the gate: a packet declaring more than the limit, or a first packet
 * that is not CONNECT (MQTT 3.1.1 3.1: "the first packet sent from the client to the server MUST
 * be a CONNECT packet").
 */
export type GateRefusal = { readonly kind: 'too-large'; readonly declared: number } | { readonly kind: 'not-connect'; readonly type: number };

export interface FixedHeaderScannerOptions {
  /** The stream is a client's, whose first packet must be CONNECT (default); false for a broker's stream to a client. */
  readonly firstMustBeConnect?: boolean;
  /** Called at each complete fixed header with the packet type (3 = PUBLISH) and remaining length. */
  readonly onPacket?: (type: number, length: number) => void;
}

/**
 * Reads MQTT fixed headers as bytes pass: the packet type and the remaining length (a variable
 * byte integer of at most four bytes, 3.1.1 2.2.3), then skips that many bytes to the next header.
 * It holds no packet bytes, only the header being read, so it costs a few integers per connection.
 */
export class FixedHeaderScanner {
  #skip = 0;
  #inHeader = false;
  #length = 0;
  #multiplier = 1;
  #type = 0;
  #first: boolean;
  readonly #onPacket: ((type: number, length: number) => void) | null;

  constructor(
    private readonly maxPacketBytes: number,
    opts: FixedHeaderScannerOptions = {},
  ) {
    this.#first = opts.firstMustBeConnect ?? true;
    this.#onPacket = opts.onPacket ?? null;
  }

  /** The refusal the chunk runs into, or null when every header in it is within the limit. */
  scan(chunk: Buffer): GateRefusal | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const b = chunk[i++] as number;
      if (!this.#inHeader) {
        this.#type = b >> 4;
        if (this.#first && this.#type !== 1) return { kind: 'not-connect', type: this.#type };
        this.#first = false;
        this.#inHeader = true;
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      this.#length += (b & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      if (this.#length > this.maxPacketBytes) return { kind: 'too-large', declared: this.#length };
      if ((b & 0x80) === 0) {
        this.#inHeader = false;
        this.#skip = this.#length;
        this.#onPacket?.(this.#type, this.#length);
      } else if (this.#multiplier > 128 ** 3) {
        // A fifth length byte is malformed (2.2.3); it would also declare more than any limit.
        return { kind: 'too-large', declared: this.#length };
      }
    }
    return null;
  }
}

/**
 * The socket as aedes sees it, with the fixed-header scanner in front: a packet over the limit is
 * refused when its header arrives, before aedes' parser buffers a byte of its body (a CONNECT
 * declaring 256 MB used to be buffered whole before any check, logged in or not). Reads keep the
 * socket's backpressure: the socket is paused while aedes has not read what was pushed.
 */
export class GatedSocket extends Duplex {
  readonly socket: Socket;

  constructor(socket: Socket, scanner: FixedHeaderScanner, onRefused: (why: GateRefusal) => void) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const refused = scanner.scan(chunk);
      if (refused !== null) {
        onRefused(refused);
        socket.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  // A write is done when the socket took it without going over its buffer, else at its 'drain':
  // so write() here returns false as the socket's would, and aedes waits for 'drain' (and cuts a
  // subscriber that stops reading after its drainTimeout) as it does on a bare socket.
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.socket.write(chunk)) cb();
    else this.socket.once('drain', () => cb());
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.socket.cork();
    let ok = true;
    for (const c of chunks) ok = this.socket.write(c.chunk);
    this.socket.uncork();
    if (ok) cb();
    else this.socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
