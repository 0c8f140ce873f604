/**
 * The BACnet Virtual Link Layer of BACnet/IP (ASHRAE 135 Annex J.2): the four-octet header every
 * BACnet/IP datagram starts with, and the messages a foreign device, a BBMD and a router on IP
 * exchange. The stack encodes its own unicasts; this codec is for what it cannot do or does not
 * show us: network-layer messages inside a Forwarded-NPDU, BVLC-Results we must tell apart, and
 * the BBMD's side in the simulator.
 */

/** J.2: BVLC Type 0x81 is BACnet/IP. */
export const BVLC_TYPE = 0x81;

/** J.2, BVLC Function. */
export const BVLC_FUNCTION = {
  result: 0x00,
  forwardedNpdu: 0x04,
  registerForeignDevice: 0x05,
  distributeBroadcastToNetwork: 0x09,
  originalUnicastNpdu: 0x0a,
  originalBroadcastNpdu: 0x0b,
} as const;

/** J.2.1.1, BVLC-Result codes: 0 is success, each NAK names the function it refuses. */
export const BVLC_RESULT = {
  success: 0x0000,
  writeBdtNak: 0x0010,
  readBdtNak: 0x0020,
  registerForeignDeviceNak: 0x0030,
  readFdtNak: 0x0040,
  deleteFdtEntryNak: 0x0050,
  distributeBroadcastToNetworkNak: 0x0060,
} as const;

export type Bvll =
  | { readonly kind: 'result'; readonly code: number }
  | { readonly kind: 'register-foreign-device'; readonly ttlSeconds: number }
  | { readonly kind: 'forwarded-npdu'; readonly origin: string; readonly npdu: Buffer }
  | { readonly kind: 'distribute-broadcast-to-network'; readonly npdu: Buffer }
  | { readonly kind: 'original-unicast-npdu'; readonly npdu: Buffer }
  | { readonly kind: 'original-broadcast-npdu'; readonly npdu: Buffer };

/** Decodes one datagram; null when it is not BACnet/IP or not one of the messages above. */
export function decodeBvll(d: Buffer): Bvll | null {
  if (d.length < 4 || d[0] !== BVLC_TYPE) return null;
  // J.2: the BVLC Length counts the whole message, header included.
  if (d.readUInt16BE(2) !== d.length) return null;
  switch (d[1]) {
    case BVLC_FUNCTION.result:
      return d.length === 6 ? { kind: 'result', code: d.readUInt16BE(4) } : null;
    case BVLC_FUNCTION.registerForeignDevice:
      // J.2.6: the Time-to-Live, two octets, in seconds.
      return d.length === 6 ? { kind: 'register-foreign-device', ttlSeconds: d.readUInt16BE(4) } : null;
    case BVLC_FUNCTION.forwardedNpdu:
      // J.2.5: the B/IP address of the originating device (six octets), then the NPDU.
      return d.length > 10 ? { kind: 'forwarded-npdu', origin: bipAddress(d.subarray(4, 10)), npdu: d.subarray(10) } : null;
    case BVLC_FUNCTION.distributeBroadcastToNetwork:
      return d.length > 4 ? { kind: 'distribute-broadcast-to-network', npdu: d.subarray(4) } : null;
    case BVLC_FUNCTION.originalUnicastNpdu:
      return d.length > 4 ? { kind: 'original-unicast-npdu', npdu: d.subarray(4) } : null;
    case BVLC_FUNCTION.originalBroadcastNpdu:
      return d.length > 4 ? { kind: 'original-broadcast-npdu', npdu: d.subarray(4) } : null;
    default:
      return null;
  }
}

export function encodeBvll(m: Bvll): Buffer {
  switch (m.kind) {
    case 'result':
      return frame(BVLC_FUNCTION.result, u16(m.code));
    case 'register-foreign-device':
      return frame(BVLC_FUNCTION.registerForeignDevice, u16(m.ttlSeconds));
    case 'forwarded-npdu':
      return frame(BVLC_FUNCTION.forwardedNpdu, Buffer.concat([bipOctets(m.origin), m.npdu]));
    case 'distribute-broadcast-to-network':
      return frame(BVLC_FUNCTION.distributeBroadcastToNetwork, m.npdu);
    case 'original-unicast-npdu':
      return frame(BVLC_FUNCTION.originalUnicastNpdu, m.npdu);
    case 'original-broadcast-npdu':
      return frame(BVLC_FUNCTION.originalBroadcastNpdu, m.npdu);
  }
}

const RESULT_TEXT: Readonly<Record<number, string>> = {
  [BVLC_RESULT.success]: 'Successful completion',
  [BVLC_RESULT.writeBdtNak]: 'Write-Broadcast-Distribution-Table NAK',
  [BVLC_RESULT.readBdtNak]: 'Read-Broadcast-Distribution-Table NAK',
  [BVLC_RESULT.registerForeignDeviceNak]: 'Register-Foreign-Device NAK',
  [BVLC_RESULT.readFdtNak]: 'Read-Foreign-Device-Table NAK',
  [BVLC_RESULT.deleteFdtEntryNak]: 'Delete-Foreign-Device-Table-Entry NAK',
  [BVLC_RESULT.distributeBroadcastToNetworkNak]: 'Distribute-Broadcast-To-Network NAK',
};

/** A BVLC-Result code as the log and the status show it: `BVLC-Result 0x0030 (Register-Foreign-Device NAK)`. */
export function bvlcResultText(code: number): string {
  const name = RESULT_TEXT[code];
  return `BVLC-Result 0x${code.toString(16).padStart(4, '0')}${name === undefined ? '' : ` (${name})`}`;
}

/**
 * J.1.2: a B/IP address is six octets, the IPv4 address then the UDP port. It is also the MAC
 * address of a BACnet/IP node in an NPDU's SADR or DADR (clause 6.2.2).
 */
export function bipOctets(address: string): Buffer {
  const i = address.lastIndexOf(':');
  const ip = i < 0 ? address : address.slice(0, i);
  const port = i < 0 ? 47808 : Number(address.slice(i + 1));
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`not a B/IP address: "${address}"`);
  }
  return Buffer.from([...octets, port >> 8, port & 0xff]);
}

export function bipAddress(octets: Uint8Array): string {
  if (octets.length !== 6) throw new RangeError(`a B/IP address is 6 octets, got ${octets.length}`);
  return `${octets[0]}.${octets[1]}.${octets[2]}.${octets[3]}:${((octets[4] ?? 0) << 8) | (octets[5] ?? 0)}`;
}

function frame(fn: number, body: Buffer): Buffer {
  const head = Buffer.from([BVLC_TYPE, fn, 0, 0]);
  head.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([head, body]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
