/**
 * MQTT 3.1.1 packets encoded by hand for the load publishers. A publisher that builds each packet
 * with a full client library spends as much CPU as the broker it is loading; on a 2-core machine
 * that would be measuring the publisher. Pre-encoded bytes written to a socket cost almost nothing.
 */
import { FixedHeaderScanner } from '../adapters/mqtt/packet-gate.js';

/** The PUBLISH packet type (MQTT 3.1.1 section 2.2.1). */
const PUBLISH = 3;

/** Remaining length: 7 bits a byte, high bit = more (MQTT 3.1.1 section 2.2.3). */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function utf8(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

/** CONNECT with clean session, keep-alive off (section 3.1.2.10: 0 turns it off). */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const header = Buffer.concat([utf8('MQTT'), Buffer.from([0x04, 0xc2, 0x00, 0x00])]); // level 4; flags: username, password, clean session
  const payload = Buffer.concat([utf8(clientId), utf8(username), utf8(password)]);
  const body = Buffer.concat([header, payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** PUBLISH at QoS 0, no retain: no packet id, nothing comes back. */
export function publishPacket(topic: string, payload: string): Buffer {
  const body = Buffer.concat([utf8(topic), Buffer.from(payload, 'utf8')]);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(body.length), body]);
}

/** PUBLISH at QoS 1 with a packet id: the broker answers PUBACK 0x40 0x02 id (section 3.4). */
export function publishQos1Packet(topic: string, payload: string, packetId: number): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(packetId);
  const body = Buffer.concat([utf8(topic), id, Buffer.from(payload, 'utf8')]);
  return Buffer.concat([Buffer.from([0x32]), remainingLength(body.length), body]);
}

export const PUBACK_BYTES = 4;

export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** CONNACK is 0x20 0x02 flags code; code 0 = accepted (section 3.2.2.3). */
export function connackCode(data: Buffer): number | null {
  if (data.length < 4 || data[0] !== 0x20) return null;
  return data[3] ?? null;
}

/** SUBSCRIBE to one filter at the given QoS (section 3.8); the broker answers SUBACK 0x90. */
export function subscribePacket(filter: string, packetId: number, qos: 0 | 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(packetId);
  const body = Buffer.concat([id, utf8(filter), Buffer.from([qos])]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

/**
 * Counts the PUBLISH packets in a stream of bytes from the broker with the broker gate's own
 * fixed-header scanner (type and remaining length, the body skipped): the least a receiver can do per message.
 */
export class PublishCounter {
  count = 0;
  readonly #scanner = new FixedHeaderScanner(Number.MAX_SAFE_INTEGER, {
    firstMustBeConnect: false,
    onPacket: (type) => {
      if (type === PUBLISH) this.count += 1;
    },
  });

  feed(chunk: Buffer): void {
    this.#scanner.scan(chunk);
  }
}
