import { describe, expect, it } from 'vitest';
import { decodeNpdu, encodeNpdu, raiseZeroHopCount, type Npdu } from '../../../adapters/bacnet/npdu.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// A ReadProperty request (20.1.2: confirmed request, invoke id 1; 15.5: device 1001, object-name).
const READ_PROPERTY = hex('02 75 01 0C 0C 020003E9 19 4D');
const GATEWAY = hex('7F000001 BAC0'); // 127.0.0.1:47808 as a B/IP MAC (J.1.2)

describe('NPDU (ASHRAE 135 clause 6.2)', () => {
  it.each<[string, string, Npdu]>([
    // 6.2.2: no DNET, no SNET: a message for the local network.
    ['a local APDU', '01 04 02 75 01 0C 0C 020003E9 19 4D', { expectingReply: true, priority: 0, body: READ_PROPERTY }],
    // The gateway to MS/TP MAC 12 on network 2001 (0x07D1): DNET, DLEN 1, DADR, hop count 255.
    ['a request for a routed station', '01 24 07D1 01 0C FF 02 75 01 0C 0C 020003E9 19 4D', { expectingReply: true, priority: 0, destination: { net: 2001, adr: hex('0C') }, hopCount: 255, body: READ_PROPERTY }],
    // The router passes it on to the MS/TP side with SNET 1, SLEN 6, the gateway's B/IP address (6.5.2).
    ['the same request as the router forwards it', '01 0C 0001 06 7F000001BAC0 02 75 01 0C 0C 020003E9 19 4D', { expectingReply: true, priority: 0, source: { net: 1, adr: GATEWAY }, body: READ_PROPERTY }],
    // The answer back: DNET 1, DADR the gateway, hop count 255, then the router adds SNET 2001 SADR 12.
    ['an answer on its way to the router', '01 20 0001 06 7F000001BAC0 FF 30 01 0C', { expectingReply: false, priority: 0, destination: { net: 1, adr: GATEWAY }, hopCount: 255, body: hex('30 01 0C') }],
    ['an answer from a routed station', '01 08 07D1 01 0C 30 01 0C', { expectingReply: false, priority: 0, source: { net: 2001, adr: hex('0C') }, body: hex('30 01 0C') }],
    // DNET and SNET together (a router between two routers): control 0x28.
    ['both addresses', '01 28 07D1 01 0C 0001 06 7F000001BAC0 FE 10 08', { expectingReply: false, priority: 0, destination: { net: 2001, adr: hex('0C') }, source: { net: 1, adr: GATEWAY }, hopCount: 254, body: hex('10 08') }],
    // A global broadcast: DNET 0xFFFF, DLEN 0.
    ['a global broadcast Who-Is', '01 20 FFFF 00 FF 10 08', { expectingReply: false, priority: 0, destination: { net: 0xffff, adr: Buffer.alloc(0) }, hopCount: 255, body: hex('10 08') }],
    // 6.2.2, bit 7: a network-layer message, its type after the header (Who-Is-Router-To-Network 2001).
    ['a network-layer message', '01 80 00 07D1', { expectingReply: false, priority: 0, messageType: 0, body: hex('07D1') }],
    // Priority bits 1-0: life safety (3).
    ['a life-safety message', '01 03 10 08', { expectingReply: false, priority: 3, body: hex('10 08') }],
  ])('%s', (_name, bytes, npdu) => {
    expect(decodeNpdu(hex(bytes))).toEqual(npdu);
    expect(encodeNpdu(npdu).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it.each([
    ['protocol version 2 (6.2.1 says 1)', '02 04 02 75'],
    ['SNET 0xFFFF (6.2.2: a source is never a broadcast)', '01 08 FFFF 01 0C 10 08'],
    ['an SLEN of 0', '01 08 07D1 00 10 08'],
    ['a DLEN past the end', '01 20 07D1 06 0C'],
    ['a destination without its hop count', '01 20 07D1 01 0C'],
    ['a network message without its type', '01 80'],
  ])('refuses %s', (_name, bytes) => {
    expect(decodeNpdu(hex(bytes))).toBeNull();
  });

  it('skips the vendor id of a proprietary network message (6.2.4, types 0x80-0xFF)', () => {
    expect(decodeNpdu(hex('01 80 80 0104 AA BB'))).toMatchObject({ messageType: 0x80, body: hex('AA BB') });
  });

  it('raises a hop count of 0 to 255 in a datagram with a DNET, and leaves every other datagram alone', () => {
    const cases: Array<[string, string]> = [
      // Original-Unicast-NPDU (J.2.11), DNET 2001 DADR 12, hop count 0 -> FF.
      ['81 0A 0011 01 24 07D1 01 0C 00 02 75 01 05 09 01', '81 0A 0011 01 24 07D1 01 0C FF 02 75 01 05 09 01'],
      // With a source too: the hop count comes after SNET/SLEN/SADR.
      ['81 0A 0016 01 28 07D1 01 0C 0001 06 7F000001BAC0 00 10 08', '81 0A 0016 01 28 07D1 01 0C 0001 06 7F000001BAC0 FF 10 08'],
      // Forwarded-NPDU (J.2.5): the NPDU starts after the six octets of origin.
      ['81 04 0012 C0A8010A BAC0 01 20 FFFF 00 00 10 08', '81 04 0012 C0A8010A BAC0 01 20 FFFF 00 FF 10 08'],
      // A hop count already set, and a local message, stay as they are.
      ['81 0A 000C 01 20 FFFF 00 05 10 08', '81 0A 000C 01 20 FFFF 00 05 10 08'],
      ['81 0A 0008 01 00 10 08', '81 0A 0008 01 00 10 08'],
    ];
    for (const [before, after] of cases) {
      const d = hex(before);
      raiseZeroHopCount(d, d.length);
      expect(d.toString('hex')).toBe(hex(after).toString('hex'));
    }
  });
});
