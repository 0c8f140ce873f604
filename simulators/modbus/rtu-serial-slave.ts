import { SerialPort } from 'serialport';
import { exceptionPdu, servePdu } from './pdu-codec.js';
import { crcValid, encodeRtuFrame, requestLength, silentIntervalMs } from './rtu-frame.js';
import type { UnitMemory } from './unit-memory.js';

export interface RtuSlaveOptions {
  /** Serial device to open (in tests: the device end of a socat pty pair). */
  readonly path: string;
  /** Slave address 1-247: the only address this slave answers. */
  readonly unitId: number;
  readonly memory: UnitMemory;
  /** Serial settings, default 9600 8N1 like the adapter's. */
  readonly baudRate?: number;
  readonly parity?: 'none' | 'even' | 'odd';
  readonly dataBits?: 7 | 8;
  readonly stopBits?: 1 | 2;
}

type SlaveState = 'idle' | 'open' | 'stopped';

/**
 * One Modbus RTU slave on a serial path, serving one unit's memory (so it can front the same
 * SimulatedPump the TCP simulator serves). As a real slave (Modbus over Serial Line v1.02,
 * sections 2.1 and 2.4.1) it answers its own address only, acts on a broadcast (address 0)
 * without answering, and drops a frame whose CRC is wrong. A request ends by its length (function
 * codes 0x01-0x06, 0x0F, 0x10) or, for any other function, by the 3.5-character silent interval.
 * stop() closes the port, so the line goes silent: the master sees timeouts, not a lost port.
 */
export class ModbusRtuSlave {
  readonly path: string;
  readonly unitId: number;
  readonly #memory: UnitMemory;
  readonly #settings: { baudRate: number; parity: 'none' | 'even' | 'odd'; dataBits: 7 | 8; stopBits: 1 | 2 };
  readonly #silenceMs: number;
  #state: SlaveState = 'idle';
  #port: SerialPort | null = null;
  #opening: Promise<void> | null = null;
  #buffer: Buffer = Buffer.alloc(0);
  #silence: NodeJS.Timeout | null = null;
  /** Requests answered (exception answers included). */
  answered = 0;
  /** Frames dropped: bad CRC or shorter than address, function code and CRC. */
  badFrames = 0;
  /** Well-formed frames for another address, ignored. */
  otherUnits = 0;

  constructor(opts: RtuSlaveOptions) {
    this.path = opts.path;
    this.unitId = opts.unitId;
    this.#memory = opts.memory;
    this.#settings = { baudRate: opts.baudRate ?? 9600, parity: opts.parity ?? 'none', dataBits: opts.dataBits ?? 8, stopBits: opts.stopBits ?? 1 };
    this.#silenceMs = silentIntervalMs(this.#settings.baudRate);
  }

  get state(): SlaveState {
    return this.#state;
  }

  /** Opens the port and starts answering. Idempotent; start() after stop() opens it again. */
  start(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  /** Stops answering and resolves once the port is closed. Idempotent. */
  async stop(): Promise<void> {
    await this.#opening?.catch(() => undefined);
    if (this.#state === 'open') this.#state = 'stopped';
    if (this.#silence !== null) clearTimeout(this.#silence);
    this.#silence = null;
    this.#buffer = Buffer.alloc(0);
    const port = this.#port;
    this.#port = null;
    if (port === null) return;
    port.removeAllListeners('data');
    // A port closing on its own (its pty went away) finishes that close; an open one is closed.
    if (port.closing) await new Promise((resolve) => port.once('close', resolve));
    else if (port.isOpen) await new Promise((resolve) => port.close(resolve));
  }

  async #open(): Promise<void> {
    const port = new SerialPort({ path: this.path, ...this.#settings, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err === null || err === undefined ? resolve() : reject(err))));
    port.on('data', (chunk: Buffer) => this.#receive(chunk));
    // The other end vanishing shows as 'close'; an error after that has nobody to tell.
    port.on('error', () => undefined);
    port.on('close', () => {
      if (this.#port !== port) return;
      this.#port = null;
      this.#state = 'stopped';
    });
    this.#port = port;
    this.#state = 'open';
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const length = requestLength(this.#buffer);
      if (typeof length !== 'number' || this.#buffer.length < length) break;
      const frame = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      this.#serve(frame);
    }
    if (this.#silence !== null) clearTimeout(this.#silence);
    this.#silence = null;
    if (this.#buffer.length === 0) return;
    // Whatever is left when the line falls silent for 3.5 characters is one frame (section 2.5.1.1).
    this.#silence = setTimeout(() => {
      this.#silence = null;
      const frame = this.#buffer;
      this.#buffer = Buffer.alloc(0);
      this.#serve(frame);
    }, this.#silenceMs);
  }

  #serve(frame: Buffer): void {
    if (!crcValid(frame)) {
      this.badFrames += 1;
      return;
    }
    const address = frame.readUInt8(0);
    if (address !== this.unitId && address !== 0) {
      this.otherUnits += 1;
      return;
    }
    const pdu = Buffer.from(frame.subarray(1, frame.length - 2));
    let reply: Buffer;
    try {
      reply = servePdu(this.#memory, pdu);
    } catch {
      // A write whose quantity and data disagree runs off the end of the PDU: 0x03 illegal data value.
      reply = exceptionPdu(pdu.readUInt8(0), 0x03);
    }
    if (address === 0) return; // broadcast: act on it, never answer (section 2.1)
    this.answered += 1;
    this.#port?.write(encodeRtuFrame(this.unitId, reply));
  }
}
