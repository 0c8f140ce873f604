import { ModbusTcpServer, type PduReply } from './modbus-tcp-server.js';
import { exceptionPdu, servePdu } from './pdu-codec.js';
import { UnitMemory } from './unit-memory.js';

export interface UnitFaults {
  /** Answer every request with this exception code (e.g. 0x02, 0x0B); null for normal answers. */
  exception: number | null;
  /** Answer after this many milliseconds. */
  delayMs: number;
  /** Never answer (a unit that is dead behind a gateway that does not report it). */
  silent: boolean;
}

export interface MultiUnitOptions {
  readonly host?: string;
  /** What the gateway does for a unit id it does not know: exception 0x0B (default) or nothing. */
  readonly unknownUnit?: 'gateway-exception' | 'silent';
}

/**
 * Several units behind one Modbus TCP server, the way a TCP-to-RTU gateway looks from the
 * network: per-unit memory, per-unit injected exception, delay or silence, restart on the same
 * port. Used by the integration tests, the benchmark and the simulated pump.
 */
export class ModbusMultiUnitSimulator {
  readonly #units = new Map<number, { memory: UnitMemory; faults: UnitFaults }>();
  readonly #server: ModbusTcpServer;
  readonly #unknownUnit: 'gateway-exception' | 'silent';
  /** Requests seen per unit id (answered or not). */
  readonly requests = new Map<number, number>();
  /** Optional hook for tests that look at request timing. */
  onRequest: ((unitId: number, fc: number) => void) | null = null;

  constructor(opts: MultiUnitOptions = {}) {
    this.#unknownUnit = opts.unknownUnit ?? 'gateway-exception';
    this.#server = new ModbusTcpServer((unitId, pdu) => this.#handle(unitId, pdu), opts.host);
  }

  get port(): number {
    return this.#server.port;
  }

  /** Client connections open right now (a shared gateway connection shows as 1). */
  get connections(): number {
    return this.#server.connections;
  }

  addUnit(unitId: number, size?: number): UnitMemory {
    const memory = new UnitMemory(size);
    this.#units.set(unitId, { memory, faults: { exception: null, delayMs: 0, silent: false } });
    return memory;
  }

  unit(unitId: number): UnitMemory {
    const u = this.#units.get(unitId);
    if (u === undefined) throw new Error(`simulator has no unit ${unitId}`);
    return u.memory;
  }

  /** Injects faults into one unit; pass the fields to change. */
  setFaults(unitId: number, faults: Partial<UnitFaults>): void {
    const u = this.#units.get(unitId);
    if (u === undefined) throw new Error(`simulator has no unit ${unitId}`);
    Object.assign(u.faults, faults);
  }

  start(port = 0): Promise<number> {
    return this.#server.start(port === 0 ? this.#server.port : port);
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }

  /** The device going away and coming back on the same port. */
  async restart(downMs = 0): Promise<void> {
    await this.#server.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.#server.start(this.#server.port);
  }

  #handle(unitId: number, pdu: Buffer): PduReply {
    this.requests.set(unitId, (this.requests.get(unitId) ?? 0) + 1);
    this.onRequest?.(unitId, pdu.readUInt8(0));
    const u = this.#units.get(unitId);
    if (u === undefined) {
      if (this.#unknownUnit === 'silent') return { kind: 'silent' };
      // Modbus exception 0x0B: gateway target device failed to respond
      return { kind: 'reply', pdu: exceptionPdu(pdu.readUInt8(0), 0x0b), delayMs: 0 };
    }
    const { faults, memory } = u;
    if (faults.silent) return { kind: 'silent' };
    const response = faults.exception !== null ? exceptionPdu(pdu.readUInt8(0), faults.exception) : servePdu(memory, pdu);
    return { kind: 'reply', pdu: response, delayMs: faults.delayMs };
  }
}
