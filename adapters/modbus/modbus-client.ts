import net from 'node:net';
import ModbusSerial from 'modbus-serial';
import type { Clock } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';

/**
 * The only file that touches `modbus-serial`. Its index.d.ts says `export default ModbusRTU`,
 * but index.js is CommonJS (`module.exports = ModbusRTU; module.exports.default = module.exports`).
 * Under module NodeNext TypeScript therefore types the default import as the module object and
 * wants `.default`, while at runtime the default import is already the class. `.default` is the
 * class in both views, so that is what we use; no cast is needed and none leaks out of here.
 */
const ModbusRTU = ModbusSerial.default;
type ModbusRTU = InstanceType<typeof ModbusRTU>;

export type ModbusTarget =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | {
      readonly kind: 'rtu';
      readonly path: string;
      readonly baudRate: number;
      readonly parity: 'none' | 'even' | 'odd';
      readonly dataBits: 7 | 8;
      readonly stopBits: 1 | 2;
    };

export function targetAddress(t: ModbusTarget): string {
  return t.kind === 'tcp' ? `${t.host}:${t.port}` : t.path;
}

/** Function codes the poller uses (Modbus Application Protocol v1.1b3, section 6.1-6.4). */
export type ReadFunction = 1 | 2 | 3 | 4;

/** What one read ended with; errors are values so the hot path needs no try/catch. */
export type ClientResult =
  | { readonly ok: true; readonly words: readonly number[]; readonly bits: readonly boolean[] }
  | { readonly ok: false; readonly kind: 'exception'; readonly exceptionCode: number; readonly message: string }
  | { readonly ok: false; readonly kind: 'connection' | 'protocol'; readonly message: string };

const NO_WORDS: readonly number[] = [];
const NO_BITS: readonly boolean[] = [];

export interface ModbusClient {
  /** Sends one read. The callback may never run (a silent unit): the caller owns the timeout. */
  read(fc: ReadFunction, unitId: number, address: number, count: number, done: (r: ClientResult) => void): void;
  /** Called once when the link drops after it was open (socket closed, serial port gone). */
  onLost(listener: (reason: string) => void): void;
  /**
   * Drops the link and resolves once the socket or serial port is closed: for a serial port that
   * is its file descriptor, and with it the lock serialport holds on the device (flock). Never
   * rejects; safe to call twice.
   */
  close(): Promise<void>;
}

function classify(err: unknown): ClientResult {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { modbusCode?: unknown }).modbusCode;
    if (typeof code === 'number') return { ok: false, kind: 'exception', exceptionCode: code, message: errorMessage(err) };
    const message = String((err as { message?: unknown }).message ?? 'unknown error');
    if (message === 'Port Not Open') return { ok: false, kind: 'connection', message };
    return { ok: false, kind: 'protocol', message };
  }
  return { ok: false, kind: 'protocol', message: String(err) };
}

class SerialLibraryClient implements ModbusClient {
  readonly #rtu: ModbusRTU;
  readonly #lostListeners: Array<(reason: string) => void> = [];
  #lost = false;
  readonly #socket: net.Socket | null;
  #closed: Promise<void> | null = null;
  /** serialport said the port is gone ('close' comes after its file descriptor is closed). */
  #portGone = false;
  #onPortGone: (() => void) | null = null;

  constructor(rtu: ModbusRTU, socket: net.Socket | null) {
    this.#rtu = rtu;
    this.#socket = socket;
    // modbus-serial re-emits port errors; an unhandled 'error' would crash the process.
    rtu.on('error', (err) => {
      this.#onPortGone?.(); // a close that failed reports here instead of 'close'
      this.#markLost(`port error: ${errorMessage(err)}`);
    });
    rtu.on('close', () => {
      this.#portGone = true;
      this.#onPortGone?.();
      this.#markLost('port closed');
    });
    // We own the TCP socket, so a reset is seen even when no request is running (the library
    // drops 'close' after an 'error').
    socket?.on('close', () => this.#markLost('connection closed by peer'));
  }

  read(fc: ReadFunction, unitId: number, address: number, count: number, done: (r: ClientResult) => void): void {
    const bitsDone = (err: unknown, res?: { data: boolean[] }): void => {
      done(err !== null && err !== undefined ? classify(err) : { ok: true, words: NO_WORDS, bits: res?.data ?? NO_BITS });
    };
    const wordsDone = (err: unknown, res?: { data: number[] }): void => {
      done(err !== null && err !== undefined ? classify(err) : { ok: true, words: res?.data ?? NO_WORDS, bits: NO_BITS });
    };
    switch (fc) {
      case 1:
        return this.#rtu.writeFC1(unitId, address, count, bitsDone);
      case 2:
        return this.#rtu.writeFC2(unitId, address, count, bitsDone);
      case 3:
        return this.#rtu.writeFC3(unitId, address, count, wordsDone);
      case 4:
        return this.#rtu.writeFC4(unitId, address, count, wordsDone);
    }
  }

  onLost(listener: (reason: string) => void): void {
    this.#lostListeners.push(listener);
  }

  close(): Promise<void> {
    this.#lost = true; // a deliberate close is not a loss to report
    this.#closed ??= this.#socket === null ? this.#closePort() : this.#closeSocket(this.#socket);
    return this.#closed;
  }

  /**
   * modbus-serial's destroy() closes only a port that has destroy(), and the port
   * connectRTUBuffered makes has not: the serial port stayed open and locked (issue 13, item 7).
   * close() closes it; its callback runs once the file descriptor is closed (an error there means
   * it was closed already).
   */
  #closePort(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#portGone) return resolve();
      if (this.#rtu.isOpen) return this.#rtu.close(() => resolve());
      // Not open but not gone: serialport is closing it after a disconnect; 'close' follows.
      this.#onPortGone = resolve;
    });
  }

  #closeSocket(socket: net.Socket): Promise<void> {
    return new Promise((resolve) => {
      if (socket.closed) return resolve();
      socket.once('close', () => resolve());
      this.#rtu.destroy(() => undefined); // modbus-serial's TCP port destroys our socket
      socket.destroy();
    });
  }

  #markLost(reason: string): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#socket?.destroy();
    for (const l of this.#lostListeners) l(reason);
  }
}

/** Connects a TCP socket ourselves (bounded by the clock) and hands it to modbus-serial. */
function openTcp(target: { host: string; port: number }, clock: Clock, connectTimeoutMs: number, signal: AbortSignal): Promise<ModbusClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const fail = (err: Error): void => {
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(new Error('connect aborted: adapter stopping'));
    const timer = clock.setTimeout(() => fail(new Error(`connect to ${target.host}:${target.port} timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    socket.once('connect', () => {
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      socket.off('error', fail);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      // Errors after connect surface as 'close'; this listener only keeps them from being unhandled.
      socket.on('error', () => undefined);
      const rtu = new ModbusRTU();
      rtu.connectTCP(target.host, { port: target.port, socket }, (err: unknown) => {
        if (err !== null && err !== undefined) {
          socket.destroy();
          reject(new Error(errorMessage(err)));
          return;
        }
        resolve(new SerialLibraryClient(rtu, socket));
      });
    });
  });
}

/**
 * Opens a serial line. The open runs in the thread pool and cannot be cancelled, so a port that
 * opens after `signal` aborted is closed before this rejects: whoever waits for the attempt knows
 * no port (and no lock) is left behind.
 */
async function openRtu(target: Extract<ModbusTarget, { kind: 'rtu' }>, signal: AbortSignal): Promise<ModbusClient> {
  const rtu = new ModbusRTU();
  const { baudRate, parity, dataBits, stopBits } = target;
  // A missing optional `serialport` throws synchronously; in an async function that is a rejection.
  await rtu.connectRTUBuffered(target.path, { baudRate, parity, dataBits, stopBits });
  const client = new SerialLibraryClient(rtu, null);
  if (signal.aborted) {
    await client.close();
    throw new Error('connect aborted: adapter stopping');
  }
  return client;
}

/**
 * Opens one link; rejects if it cannot be opened (the caller backs off and tries again).
 * Aborting `signal` drops a TCP connect in progress, and closes a serial port whose open ends
 * after it, so stop() leaves no socket or port behind.
 */
export function openModbusClient(target: ModbusTarget, clock: Clock, connectTimeoutMs: number, signal: AbortSignal): Promise<ModbusClient> {
  if (signal.aborted) return Promise.reject(new Error('connect aborted: adapter stopping'));
  return target.kind === 'tcp' ? openTcp(target, clock, connectTimeoutMs, signal) : openRtu(target, signal);
}
