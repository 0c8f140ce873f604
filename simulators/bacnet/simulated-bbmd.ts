import { systemClock, type Clock } from '../../core/clock.js';
import { BVLC_RESULT, encodeBvll, decodeBvll, type Bvll } from '../../adapters/bacnet/bvll.js';
import { UdpTransport } from '../../adapters/bacnet/udp-transport.js';

export interface SimulatedBbmdOptions {
  /**
   * The nodes of the BBMD's own IP subnet (a router, devices). Loopback has no broadcast, so a
   * broadcast on the subnet is one datagram to each of them.
   */
  readonly subnet?: readonly string[];
  /** Answer Register-Foreign-Device with a NAK, as a BBMD whose table is full does. */
  readonly refuseRegistration?: boolean;
  readonly clock?: Clock;
}

/** J.5.2.1: a BBMD keeps a foreign device 30 s past the time-to-live it registered with. */
const GRACE_MS = 30_000;

/**
 * A BBMD on 127.0.0.1 (Annex J.4, J.5), the part of one a foreign device meets: its
 * foreign-device table (Register-Foreign-Device, each entry dropped 30 s after its TTL),
 * Distribute-Broadcast-To-Network from a registered device sent on as Forwarded-NPDU to its
 * subnet and to the other foreign devices, and its subnet's broadcasts sent on to every foreign
 * device. It has no peers (no broadcast-distribution table) and is no BACnet device itself.
 */
export class SimulatedBbmd {
  readonly #clock: Clock;
  #subnet: readonly string[];
  #refuse: boolean;
  /** Foreign device (`ip:port`) -> monotonic ms its entry lapses. */
  readonly #fdt = new Map<string, number>();
  #transport: UdpTransport | null = null;
  #port = 0;
  /** What it answered and sent on, for tests. */
  readonly served = { registrations: 0, refused: 0, distributed: 0, forwarded: 0 };

  constructor(o: SimulatedBbmdOptions = {}) {
    this.#clock = o.clock ?? systemClock;
    this.#subnet = o.subnet ?? [];
    this.#refuse = o.refuseRegistration ?? false;
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Listens on 127.0.0.1:port (0: a free one; default: the port it had); resolves with the port. */
  async start(port = this.#port): Promise<number> {
    if (this.#transport !== null) return this.#port;
    const transport = new UdpTransport({ host: '127.0.0.1', port });
    transport.on('message', (d: Buffer, from: string) => this.#receive(d, from));
    transport.on('error', () => undefined); // a send to a node that is gone must not stop the BBMD
    this.#transport = transport;
    transport.open();
    try {
      this.#port = await transport.ready;
    } catch (err) {
      this.#transport = null;
      await transport.close();
      throw err;
    }
    return this.#port;
  }

  /** Closes the socket and forgets every foreign device, as a BBMD that restarts. Idempotent. */
  async stop(): Promise<void> {
    const t = this.#transport;
    this.#transport = null;
    this.#fdt.clear();
    await t?.close();
  }

  setSubnet(nodes: readonly string[]): void {
    this.#subnet = nodes;
  }

  /** From now on refuse (true) or accept (false) registrations. */
  refuseRegistrations(refuse: boolean): void {
    this.#refuse = refuse;
  }

  /** Forgets the foreign-device table, as a restarted BBMD has. */
  forgetForeignDevices(): void {
    this.#fdt.clear();
  }

  /** The foreign devices registered now (lapsed entries dropped). */
  foreignDevices(): string[] {
    const now = this.#clock.monotonic();
    for (const [fd, until] of this.#fdt) if (until <= now) this.#fdt.delete(fd);
    return [...this.#fdt.keys()];
  }

  #receive(d: Buffer, from: string): void {
    const m = decodeBvll(d);
    if (m === null) return;
    switch (m.kind) {
      case 'register-foreign-device':
        // J.5.2.1: the entry holds for the TTL plus the grace period; a NAK when it cannot be made.
        if (this.#refuse) {
          this.served.refused += 1;
          return this.#send({ kind: 'result', code: BVLC_RESULT.registerForeignDeviceNak }, from);
        }
        this.served.registrations += 1;
        this.#fdt.set(from, this.#clock.monotonic() + m.ttlSeconds * 1000 + GRACE_MS);
        return this.#send({ kind: 'result', code: BVLC_RESULT.success }, from);
      case 'distribute-broadcast-to-network':
        // J.4.5: only from a registered foreign device; anyone else gets a NAK.
        if (!this.foreignDevices().includes(from)) return this.#send({ kind: 'result', code: BVLC_RESULT.distributeBroadcastToNetworkNak }, from);
        this.served.distributed += 1;
        return this.#forward(m.npdu, from, [...this.#subnet, ...this.foreignDevices()]);
      case 'original-broadcast-npdu':
        // J.4.5: a broadcast on its subnet goes on to every foreign device.
        if (!this.#subnet.includes(from)) return;
        return this.#forward(m.npdu, from, this.foreignDevices());
      default:
        return;
    }
  }

  /** J.2.5: Forwarded-NPDU names the originating device, so answers go straight back to it. */
  #forward(npdu: Buffer, origin: string, to: readonly string[]): void {
    for (const node of to) {
      if (node === origin) continue;
      this.served.forwarded += 1;
      this.#send({ kind: 'forwarded-npdu', origin, npdu }, node);
    }
  }

  #send(m: Bvll, to: string): void {
    const bytes = encodeBvll(m);
    this.#transport?.send(bytes, bytes.length, to);
  }
}
