import { bipAddress, bipOctets, decodeBvll, encodeBvll } from '../../adapters/bacnet/bvll.js';
import { decodeNetworkMessage, networkMessageNpdu } from '../../adapters/bacnet/network-message.js';
import { decodeNpdu, encodeNpdu, GLOBAL_NETWORK, type NetAddress, type Npdu } from '../../adapters/bacnet/npdu.js';
import { UdpTransport } from '../../adapters/bacnet/udp-transport.js';

export interface SimulatedRouterOptions {
  /** The network number of its BACnet/IP side (the BMS network). */
  readonly ipNetwork: number;
  /** The network behind it (an MS/TP trunk), where its stations are. */
  readonly network: number;
  /** Where a broadcast on its IP side goes: loopback has none, so the subnet's nodes (the BBMD). */
  readonly ipBroadcast?: readonly string[];
}

/**
 * A BACnet router on 127.0.0.1 between a BACnet/IP network and one network behind it (clause 6.5),
 * the part of one a gateway meets: it answers Who-Is-Router-To-Network for its network with a
 * broadcast I-Am-Router-To-Network (6.4.1, 6.4.2), passes messages for a station there (DNET,
 * DADR) on with the sender as SNET/SADR and back, drops a message whose hop count is spent
 * (6.2.2), and refuses a network it does not reach with Reject-Message-To-Network (6.4.4).
 * The network behind it is stood in for by UDP: a station (MS/TP MAC 0-254) is a device
 * simulator's port, and the router talks to the stations from a socket of its own.
 */
export class SimulatedRouter {
  readonly #o: SimulatedRouterOptions;
  #ipBroadcast: readonly string[];
  readonly #stations = new Map<number, string>();
  #ip: UdpTransport | null = null;
  #segment: UdpTransport | null = null;
  #port = 0;
  /** What it did, for tests. */
  readonly served = { whoIsRouter: 0, toStations: 0, fromStations: 0, rejected: 0, dropped: 0 };

  constructor(o: SimulatedRouterOptions) {
    this.#o = o;
    this.#ipBroadcast = o.ipBroadcast ?? [];
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get network(): number {
    return this.#o.network;
  }

  /** A station on the network behind it: its MAC, and where its simulator listens. */
  attach(mac: number, station: string): void {
    this.#stations.set(mac, station);
  }

  setIpBroadcast(nodes: readonly string[]): void {
    this.#ipBroadcast = nodes;
  }

  /** Listens on 127.0.0.1:port on its IP side (0: a free one); resolves with the port. */
  async start(port = this.#port): Promise<number> {
    if (this.#ip !== null) return this.#port;
    const segment = await open(0, (d, from) => this.#fromStation(d, from));
    try {
      this.#ip = await open(port, (d, from) => this.#fromIp(d, from));
    } catch (err) {
      await segment.close();
      throw err;
    }
    this.#segment = segment;
    this.#port = await this.#ip.ready;
    return this.#port;
  }

  async stop(): Promise<void> {
    const sockets = [this.#ip, this.#segment];
    this.#ip = null;
    this.#segment = null;
    await Promise.all(sockets.map((s) => s?.close()));
  }

  #fromIp(d: Buffer, from: string): void {
    const m = decodeBvll(d);
    if (m === null || (m.kind !== 'original-unicast-npdu' && m.kind !== 'original-broadcast-npdu' && m.kind !== 'forwarded-npdu')) return;
    // Through a BBMD, the sender is the node the Forwarded-NPDU names (J.2.5).
    const origin = m.kind === 'forwarded-npdu' ? m.origin : from;
    const npdu = decodeNpdu(m.npdu);
    if (npdu === null) return;
    if (npdu.messageType !== undefined) return this.#networkMessage(npdu);
    const dest = npdu.destination;
    if (dest === undefined) return; // for the IP network itself
    if (dest.net !== this.#o.network && dest.net !== GLOBAL_NETWORK) {
      this.served.rejected += 1;
      // 6.4.4 reason 1: not directly connected to DNET, and no router to it is known.
      const reject = networkMessageNpdu({ kind: 'reject-message-to-network', reason: 1, network: dest.net });
      return this.#sendIp(encodeNpdu(reject), origin);
    }
    // 6.5: a message a router passes on from a network gains SNET/SADR there, unless it has them.
    const source = npdu.source ?? { net: this.#o.ipNetwork, adr: bipOctets(origin) };
    this.#forward(npdu, source, dest, (bytes, adr) => this.#toStations(bytes, adr));
  }

  #fromStation(d: Buffer, from: string): void {
    const mac = [...this.#stations].find(([, station]) => station === from)?.[0];
    const m = decodeBvll(d);
    if (mac === undefined || m === null || (m.kind !== 'original-unicast-npdu' && m.kind !== 'original-broadcast-npdu')) return;
    const npdu = decodeNpdu(m.npdu);
    const dest = npdu?.destination;
    if (npdu === null || dest === undefined || (dest.net !== this.#o.ipNetwork && dest.net !== GLOBAL_NETWORK)) return;
    this.served.fromStations += 1;
    this.#forward(npdu, { net: this.#o.network, adr: Buffer.from([mac]) }, dest, (bytes, adr) => (adr.length === 6 ? this.#sendIp(bytes, bipAddress(adr)) : this.#broadcastIp(bytes)));
  }

  /**
   * 6.5: a message for the network on the far side loses its DNET (it is local there); a global
   * broadcast keeps DNET 0xFFFF with one hop less. A spent hop count ends it (6.2.2).
   */
  #forward(npdu: Npdu, source: NetAddress, dest: NetAddress, send: (bytes: Buffer, adr: Buffer) => void): void {
    if ((npdu.hopCount ?? 0) === 0) {
      this.served.dropped += 1;
      return;
    }
    const global = dest.net === GLOBAL_NETWORK;
    const out: Npdu = { expectingReply: npdu.expectingReply, priority: npdu.priority, source, body: npdu.body, ...(global ? { destination: dest, hopCount: (npdu.hopCount ?? 1) - 1 } : {}) };
    send(encodeNpdu(out), global ? Buffer.alloc(0) : dest.adr);
  }

  #networkMessage(npdu: Npdu): void {
    const m = decodeNetworkMessage(npdu);
    if (m?.kind !== 'who-is-router-to-network' || (m.network !== undefined && m.network !== this.#o.network)) return;
    this.served.whoIsRouter += 1;
    // 6.4.2: I-Am-Router-To-Network is broadcast on the network the question came from.
    this.#broadcastIp(encodeNpdu(networkMessageNpdu({ kind: 'i-am-router-to-network', networks: [this.#o.network] })));
  }

  /** DADR of one octet is a station; none (DLEN 0) every station. */
  #toStations(npdu: Buffer, adr: Buffer): void {
    const stations = adr.length === 0 ? [...this.#stations.values()] : adr.length === 1 ? [this.#stations.get(adr[0] ?? 0)].filter((s) => s !== undefined) : [];
    const bytes = encodeBvll(adr.length === 0 ? { kind: 'original-broadcast-npdu', npdu } : { kind: 'original-unicast-npdu', npdu });
    for (const s of stations) {
      this.served.toStations += 1;
      this.#segment?.send(bytes, bytes.length, s);
    }
  }

  #sendIp(npdu: Buffer, to: string): void {
    const bytes = encodeBvll({ kind: 'original-unicast-npdu', npdu });
    this.#ip?.send(bytes, bytes.length, to);
  }

  #broadcastIp(npdu: Buffer): void {
    const bytes = encodeBvll({ kind: 'original-broadcast-npdu', npdu });
    for (const node of this.#ipBroadcast) this.#ip?.send(bytes, bytes.length, node);
  }
}

async function open(port: number, onMessage: (d: Buffer, from: string) => void): Promise<UdpTransport> {
  const t = new UdpTransport({ host: '127.0.0.1', port });
  t.on('message', onMessage);
  t.on('error', () => undefined); // a station that is gone must not stop the router
  t.open();
  try {
    await t.ready;
  } catch (err) {
    await t.close();
    throw err;
  }
  return t;
}
