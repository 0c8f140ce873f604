/**
 * The Who-Is APDU (ASHRAE 135 clause 16.10), ours rather than the stack's because the stack
 * cannot send one as a global broadcast (DNET 0xFFFF) through a BBMD: its
 * Distribute-Broadcast-To-Network drops the destination, so routers would keep it on the BBMD's
 * own network and no routed device would hear it.
 */

/** 20.1.3: BACnet-Unconfirmed-Request-PDU, PDU type 1 in the high nibble. */
const UNCONFIRMED_REQUEST = 0x10;
/** 21, BACnetUnconfirmedServiceChoice: who-is (8). */
const WHO_IS = 0x08;

export interface WhoIsLimits {
  readonly lowLimit: number;
  readonly highLimit: number;
}

/** 16.10.1.1: both limits or neither; instances 0-4194303. */
export function encodeWhoIsApdu(limits?: WhoIsLimits): Buffer {
  if (limits === undefined) return Buffer.from([UNCONFIRMED_REQUEST, WHO_IS]);
  return Buffer.concat([Buffer.from([UNCONFIRMED_REQUEST, WHO_IS]), contextUnsigned(0, limits.lowLimit), contextUnsigned(1, limits.highLimit)]);
}

/**
 * 20.2.1 and 20.2.4: a context-tagged Unsigned in as few octets as hold it; the tag octet is the
 * tag number (high nibble), the context class bit (0x08) and the length (low three bits).
 */
function contextUnsigned(tag: number, value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not an Unsigned: ${value}`);
  const octets: number[] = [];
  let v = value;
  do {
    octets.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return Buffer.from([(tag << 4) | 0x08 | octets.length, ...octets]);
}
