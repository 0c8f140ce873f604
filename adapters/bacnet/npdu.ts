/**
 * The network-layer header (ASHRAE 135 clause 6.2): what carries a message across BACnet routers.
 * DNET/DADR say which network and which station on it a message is for, SNET/SADR who on which
 * network sent it; a router adds the source and strips the destination as it forwards (6.5).
 */

/** 6.2.1: protocol version 1. */
const VERSION = 1;

/** 6.2.2, the NPCI control octet. */
const CONTROL = { networkMessage: 0x80, destination: 0x20, source: 0x08, expectingReply: 0x04, priorityMask: 0x03 } as const;

/** 6.2.2: DNET 0xFFFF is a global broadcast (every network); a DLEN of 0 a broadcast on DNET. */
export const GLOBAL_NETWORK = 0xffff;

/** 6.2.2: the hop count a message starts with; each router takes one off and drops it at 0. */
export const INITIAL_HOP_COUNT = 0xff;

/** A station on a network: `adr` empty is every station of `net` (a remote broadcast). */
export interface NetAddress {
  readonly net: number;
  readonly adr: Buffer;
}

export interface Npdu {
  readonly expectingReply: boolean;
  /** 6.2.2, network priority: 0 normal, 1 urgent, 2 critical equipment, 3 life safety. */
  readonly priority: number;
  readonly destination?: NetAddress;
  readonly source?: NetAddress;
  /** Present exactly when the destination is. */
  readonly hopCount?: number;
  /** A network-layer message (6.4): its type; `body` is then its data, else the APDU. */
  readonly messageType?: number;
  readonly body: Buffer;
}

/** Decodes an NPDU (what follows the BVLL header); null when it is malformed. */
export function decodeNpdu(b: Buffer): Npdu | null {
  if (b.length < 2 || b[0] !== VERSION) return null;
  const control = b[1] ?? 0;
  let at = 2;
  const address = (): NetAddress | null => {
    if (at + 3 > b.length) return null;
    const net = b.readUInt16BE(at);
    const len = b[at + 2] ?? 0;
    at += 3;
    if (at + len > b.length) return null;
    const adr = Buffer.from(b.subarray(at, at + len));
    at += len;
    return { net, adr };
  };
  let destination: NetAddress | undefined;
  let source: NetAddress | undefined;
  if ((control & CONTROL.destination) !== 0) destination = address() ?? undefined;
  if ((control & CONTROL.destination) !== 0 && destination === undefined) return null;
  if ((control & CONTROL.source) !== 0) {
    source = address() ?? undefined;
    // 6.2.2: SNET 0xFFFF and an SLEN of 0 are invalid (a source is never a broadcast).
    if (source === undefined || source.net === GLOBAL_NETWORK || source.net === 0 || source.adr.length === 0) return null;
  }
  let hopCount: number | undefined;
  if (destination !== undefined) {
    if (at >= b.length) return null;
    hopCount = b[at++];
  }
  let messageType: number | undefined;
  if ((control & CONTROL.networkMessage) !== 0) {
    if (at >= b.length) return null;
    messageType = b[at++] ?? 0;
    // 6.2.4: types 0x80-0xFF are proprietary and carry a vendor id first.
    if (messageType >= 0x80) at += 2;
    if (at > b.length) return null;
  }
  return {
    expectingReply: (control & CONTROL.expectingReply) !== 0,
    priority: control & CONTROL.priorityMask,
    ...(destination === undefined ? {} : { destination, hopCount: hopCount ?? 0 }),
    ...(source === undefined ? {} : { source }),
    ...(messageType === undefined ? {} : { messageType }),
    body: b.subarray(at),
  };
}

export function encodeNpdu(n: Npdu): Buffer {
  const control =
    (n.messageType === undefined ? 0 : CONTROL.networkMessage) |
    (n.destination === undefined ? 0 : CONTROL.destination) |
    (n.source === undefined ? 0 : CONTROL.source) |
    (n.expectingReply ? CONTROL.expectingReply : 0) |
    (n.priority & CONTROL.priorityMask);
  const parts: number[] = [VERSION, control];
  const address = (a: NetAddress): void => {
    parts.push(a.net >> 8, a.net & 0xff, a.adr.length, ...a.adr);
  };
  if (n.destination !== undefined) address(n.destination);
  if (n.source !== undefined) address(n.source);
  if (n.destination !== undefined) parts.push(n.hopCount ?? INITIAL_HOP_COUNT);
  if (n.messageType !== undefined) parts.push(n.messageType);
  return Buffer.concat([Buffer.from(parts), n.body]);
}

/**
 * Sets a hop count of 0 to 255 in a BACnet/IP datagram, in place. The stack (bacnet-js 3.3)
 * writes 0 into most messages that name a destination network (SubscribeCOV, answers, I-Am), and
 * a router drops those (6.2.2: a message whose hop count reaches zero is discarded), so a routed
 * device would never see its subscription. Anything that is not an NPDU with a DNET is left alone.
 */
export function raiseZeroHopCount(d: Buffer, length: number): void {
  if (length < 7 || d[0] !== 0x81) return;
  // J.2: Forwarded-NPDU has six octets of origin after the four of the header.
  const npdu = d[1] === 0x04 ? 10 : 4;
  if (d[npdu] !== VERSION) return;
  const control = d[npdu + 1] ?? 0;
  if ((control & CONTROL.destination) === 0) return;
  let at = npdu + 2;
  at += 3 + (d[at + 2] ?? 0);
  if ((control & CONTROL.source) !== 0) at += 3 + (d[at + 2] ?? 0);
  if (at < length && d[at] === 0) d[at] = INITIAL_HOP_COUNT;
}
