import { TypedEmitter } from '../../core/typed-emitter.js';
import { decodeBvll, encodeBvll, type Bvll } from './bvll.js';
import { decodeNetworkMessage, networkMessageNpdu } from './network-message.js';
import { decodeNpdu, encodeNpdu, GLOBAL_NETWORK, INITIAL_HOP_COUNT, type Npdu } from './npdu.js';
import type { UdpTransport } from './udp-transport.js';
import { encodeWhoIsApdu, type WhoIsLimits } from './who-is.js';

/**
 * How a broadcast leaves the gateway: on its own IP subnet (Original-Broadcast-NPDU to the
 * subnet's broadcast address), or through the BBMD it is registered with
 * (Distribute-Broadcast-To-Network, J.4.5); `unicast` sends to one node (a router, a device).
 */
export type SendPath = { readonly via: 'local' | 'bbmd' | 'unicast'; readonly address: string };

export type NetworkLayerEvents = {
  /** A router said which networks it reaches (6.4.2). */
  'i-am-router': [{ readonly router: string; readonly networks: readonly number[] }];
  /** A router could not pass on a message for `network` (6.4.4). */
  reject: [{ readonly router: string; readonly network: number; readonly reason: number }];
  /** A BVLC-Result (J.2.1): the BBMD's answer to a registration, or its refusal of a broadcast. */
  'bvlc-result': [{ readonly from: string; readonly code: number }];
};

/**
 * The part of BACnet's network and virtual link layers the stack does not do, on the same UDP
 * socket: it drops network-layer messages and BVLC-Results it did not ask for, cannot register
 * with a BBMD on our clock, and cannot send a global broadcast through one. This reads every
 * datagram beside the stack (which goes on decoding its APDUs) and sends what the stack cannot.
 */
export class NetworkLayer extends TypedEmitter<NetworkLayerEvents> {
  readonly #transport: UdpTransport;
  readonly #onMessage = (d: Buffer, from: string): void => this.#receive(d, from);

  constructor(transport: UdpTransport) {
    super();
    this.#transport = transport;
    transport.on('message', this.#onMessage);
  }

  detach(): void {
    this.#transport.off('message', this.#onMessage);
    this.removeAllListeners();
  }

  /** Register-Foreign-Device (J.2.6); the answer comes as a `bvlc-result` from the BBMD. */
  registerForeignDevice(bbmd: string, ttlSeconds: number): void {
    this.#send({ kind: 'register-foreign-device', ttlSeconds }, bbmd);
  }

  /**
   * Who-Is-Router-To-Network for one network (6.4.1). Sent as a global broadcast, so routers
   * further off answer too, and a BBMD passes it to its whole network.
   */
  whoIsRouter(network: number, path: SendPath): void {
    this.#npdu(networkMessageNpdu({ kind: 'who-is-router-to-network', network }, { destination: { net: GLOBAL_NETWORK, adr: Buffer.alloc(0) } }), path);
  }

  /**
   * Who-Is (16.10) as a global broadcast (DNET 0xFFFF), or a broadcast on one remote network:
   * routers pass it on, so devices behind them answer with I-Am (which the stack decodes).
   */
  whoIs(path: SendPath, o: { network?: number; limits?: WhoIsLimits } = {}): void {
    const npdu: Npdu = { expectingReply: false, priority: 0, destination: { net: o.network ?? GLOBAL_NETWORK, adr: Buffer.alloc(0) }, hopCount: INITIAL_HOP_COUNT, body: encodeWhoIsApdu(o.limits) };
    this.#npdu(npdu, path);
  }

  #npdu(npdu: Npdu, path: SendPath): void {
    const bytes = encodeNpdu(npdu);
    if (path.via === 'bbmd') this.#send({ kind: 'distribute-broadcast-to-network', npdu: bytes }, path.address);
    else if (path.via === 'local') this.#send({ kind: 'original-broadcast-npdu', npdu: bytes }, path.address);
    else this.#send({ kind: 'original-unicast-npdu', npdu: bytes }, path.address);
  }

  #send(m: Bvll, to: string): void {
    const bytes = encodeBvll(m);
    this.#transport.send(bytes, bytes.length, to);
  }

  #receive(d: Buffer, from: string): void {
    const bvll = decodeBvll(d);
    if (bvll === null) return;
    if (bvll.kind === 'result') {
      this.emit('bvlc-result', { from, code: bvll.code });
      return;
    }
    if (bvll.kind === 'register-foreign-device') return;
    const npdu = decodeNpdu(bvll.npdu);
    if (npdu?.messageType === undefined) return;
    const m = decodeNetworkMessage(npdu);
    if (m === null) return;
    // Through a BBMD the datagram comes from the BBMD: the router is the node it names (J.2.5).
    const router = bvll.kind === 'forwarded-npdu' ? bvll.origin : from;
    if (m.kind === 'i-am-router-to-network') this.emit('i-am-router', { router, networks: m.networks });
    else if (m.kind === 'reject-message-to-network') this.emit('reject', { router, network: m.network, reason: m.reason });
  }
}
