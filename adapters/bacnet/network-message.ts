import type { NetAddress, Npdu } from './npdu.js';

/**
 * Network-layer messages (ASHRAE 135 clause 6.4) that find and refuse routes: who routes to a
 * network, the router saying so, and a router refusing a message it cannot deliver. The stack
 * drops every network-layer message it receives, so these are ours.
 */

/** 6.2.4, Message Type. */
export const NETWORK_MESSAGE = {
  whoIsRouterToNetwork: 0x00,
  iAmRouterToNetwork: 0x01,
  rejectMessageToNetwork: 0x03,
} as const;

export type NetworkMessage =
  /** 6.4.1: without a network, every router answers with all the networks it reaches. */
  | { readonly kind: 'who-is-router-to-network'; readonly network?: number }
  /** 6.4.2: the networks this router reaches. */
  | { readonly kind: 'i-am-router-to-network'; readonly networks: readonly number[] }
  /** 6.4.4: the router could not pass on a message for `network`, for `reason`. */
  | { readonly kind: 'reject-message-to-network'; readonly reason: number; readonly network: number };

/** 6.4.4, the reject reasons. */
const REJECT_REASONS: Readonly<Record<number, string>> = {
  0: 'other error',
  1: 'the router is not directly connected to the network and cannot find a router to it',
  2: 'the router is busy and accepts no messages for the network',
  3: 'unknown network-layer message type',
  4: 'the message is too long to be routed to the network',
  5: 'security error',
  6: 'addressing error',
};

export function rejectReasonText(reason: number): string {
  return `reason ${reason}: ${REJECT_REASONS[reason] ?? 'unknown reason'}`;
}

/** The NPDU of a network-layer message, to `destination` if given (else the local network). */
export function networkMessageNpdu(m: NetworkMessage, o: { destination?: NetAddress; source?: NetAddress } = {}): Npdu {
  let messageType: number;
  let body: Buffer;
  switch (m.kind) {
    case 'who-is-router-to-network':
      messageType = NETWORK_MESSAGE.whoIsRouterToNetwork;
      body = m.network === undefined ? Buffer.alloc(0) : u16s([m.network]);
      break;
    case 'i-am-router-to-network':
      messageType = NETWORK_MESSAGE.iAmRouterToNetwork;
      body = u16s(m.networks);
      break;
    case 'reject-message-to-network':
      messageType = NETWORK_MESSAGE.rejectMessageToNetwork;
      body = Buffer.concat([Buffer.from([m.reason]), u16s([m.network])]);
      break;
  }
  // 6.2.2: network-layer messages that expect no reply go at normal priority.
  return { expectingReply: false, priority: 0, messageType, body, ...(o.destination === undefined ? {} : { destination: o.destination }), ...(o.source === undefined ? {} : { source: o.source }) };
}

/** The message an NPDU carries; null for an APDU, another message type, or a malformed body. */
export function decodeNetworkMessage(n: Npdu): NetworkMessage | null {
  const b = n.body;
  switch (n.messageType) {
    case NETWORK_MESSAGE.whoIsRouterToNetwork:
      if (b.length === 0) return { kind: 'who-is-router-to-network' };
      return b.length >= 2 ? { kind: 'who-is-router-to-network', network: b.readUInt16BE(0) } : null;
    case NETWORK_MESSAGE.iAmRouterToNetwork: {
      if (b.length === 0 || b.length % 2 !== 0) return null;
      const networks: number[] = [];
      for (let i = 0; i < b.length; i += 2) networks.push(b.readUInt16BE(i));
      return { kind: 'i-am-router-to-network', networks };
    }
    case NETWORK_MESSAGE.rejectMessageToNetwork:
      return b.length >= 3 ? { kind: 'reject-message-to-network', reason: b[0] ?? 0, network: b.readUInt16BE(1) } : null;
    default:
      return null;
  }
}

function u16s(ns: readonly number[]): Buffer {
  const b = Buffer.alloc(ns.length * 2);
  ns.forEach((n, i) => b.writeUInt16BE(n, i * 2));
  return b;
}
