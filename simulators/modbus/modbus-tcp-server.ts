import net from 'node:net';

/**
 * A small Modbus TCP server on node:net: MBAP framing (Modbus Messaging on TCP/IP Implementation
 * Guide v1.0b, section 3.1.3) and nothing else. The PDU handler decides what to answer, when,
 * or whether to answer at all — the knobs ServerTCP from modbus-serial does not give us
 * (a silent unit, a slow unit, port 0, restart on the same port).
 */
export type PduReply = { readonly kind: 'reply'; readonly pdu: Buffer; readonly delayMs: number } | { readonly kind: 'silent' };
export type PduHandler = (unitId: number, pdu: Buffer) => PduReply;

const MBAP_LENGTH = 7; // transaction id (2), protocol id (2), length (2), unit id (1)
const MAX_ADU = 260;

type ServerState = 'idle' | 'listening' | 'stopped';

export class ModbusTcpServer {
  readonly #handler: PduHandler;
  readonly #host: string;
  readonly #sockets = new Set<net.Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #server: net.Server | null = null;
  #port = 0;
  #state: ServerState = 'idle';

  constructor(handler: PduHandler, host = '127.0.0.1') {
    this.#handler = handler;
    this.#host = host;
  }

  get port(): number {
    return this.#port;
  }

  /** Client connections open right now. */
  get connections(): number {
    return this.#sockets.size;
  }

  get state(): ServerState {
    return this.#state;
  }

  /** Listens on `port` (0 = any free port) and resolves with the port bound. Idempotent. */
  async start(port = this.#port): Promise<number> {
    if (this.#state === 'listening') return this.#port;
    const server = net.createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.#host, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.#port = typeof addr === 'object' && addr !== null ? addr.port : port;
    this.#server = server;
    this.#state = 'listening';
    return this.#port;
  }

  /** Closes the listener and drops every client at once (a device losing power). Idempotent. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (this.#state === 'listening') this.#state = 'stopped';
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops, then listens again on the same port (the device coming back). */
  async restart(): Promise<void> {
    const port = this.#port;
    await this.stop();
    await this.start(port);
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('error', () => socket.destroy()); // a client reset is that client's business
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= MBAP_LENGTH) {
        const length = buffered.readUInt16BE(4); // unit id + PDU
        if (buffered.readUInt16BE(2) !== 0 || length < 2 || length + 6 > MAX_ADU) {
          socket.destroy(); // not Modbus: protocol id must be 0, ADU at most 260 bytes
          return;
        }
        if (buffered.length < 6 + length) return;
        const frame = buffered.subarray(0, 6 + length);
        buffered = buffered.subarray(6 + length);
        this.#serve(socket, frame);
      }
    });
  }

  #serve(socket: net.Socket, frame: Buffer): void {
    const transactionId = frame.readUInt16BE(0);
    const unitId = frame.readUInt8(6);
    const reply = this.#handler(unitId, Buffer.from(frame.subarray(7)));
    if (reply.kind === 'silent') return;
    const adu = Buffer.alloc(MBAP_LENGTH + reply.pdu.length);
    adu.writeUInt16BE(transactionId, 0);
    adu.writeUInt16BE(0, 2);
    adu.writeUInt16BE(reply.pdu.length + 1, 4);
    adu.writeUInt8(unitId, 6);
    reply.pdu.copy(adu, MBAP_LENGTH);
    const send = (): void => {
      if (!socket.destroyed) socket.write(adu);
    };
    if (reply.delayMs <= 0) return send();
    const t = setTimeout(() => {
      this.#timers.delete(t);
      send();
    }, reply.delayMs);
    this.#timers.add(t);
  }
}
