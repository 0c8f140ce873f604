import { describe, expect, it } from 'vitest';
import { decodeNetworkMessage, networkMessageNpdu, rejectReasonText, type NetworkMessage } from '../../../adapters/bacnet/network-message.js';
import { decodeNpdu, encodeNpdu } from '../../../adapters/bacnet/npdu.js';
import { encodeWhoIsApdu } from '../../../adapters/bacnet/who-is.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('network-layer messages (ASHRAE 135 clause 6.4)', () => {
  it.each<[string, string, NetworkMessage]>([
    // 6.4.1: Who-Is-Router-To-Network, with and without the network asked for.
    ['Who-Is-Router-To-Network 2001', '01 80 00 07D1', { kind: 'who-is-router-to-network', network: 2001 }],
    ['Who-Is-Router-To-Network (any)', '01 80 00', { kind: 'who-is-router-to-network' }],
    // 6.4.2: I-Am-Router-To-Network, the networks reached, two octets each.
    ['I-Am-Router-To-Network 2001, 2002', '01 80 01 07D1 07D2', { kind: 'i-am-router-to-network', networks: [2001, 2002] }],
    // 6.4.4: Reject-Message-To-Network, reason 1 (not directly connected), DNET 2001.
    ['Reject-Message-To-Network', '01 80 03 01 07D1', { kind: 'reject-message-to-network', reason: 1, network: 2001 }],
  ])('%s', (_name, bytes, message) => {
    const npdu = decodeNpdu(hex(bytes));
    expect(npdu).not.toBeNull();
    if (npdu === null) return;
    expect(decodeNetworkMessage(npdu)).toEqual(message);
    expect(encodeNpdu(networkMessageNpdu(message)).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it('sends Who-Is-Router-To-Network as a global broadcast when asked to (DNET 0xFFFF, hop count 255)', () => {
    const npdu = networkMessageNpdu({ kind: 'who-is-router-to-network', network: 2001 }, { destination: { net: 0xffff, adr: Buffer.alloc(0) } });
    expect(encodeNpdu(npdu).toString('hex')).toBe(hex('01 A0 FFFF 00 FF 00 07D1').toString('hex'));
  });

  it('is not fooled by an APDU, an unknown message type or a short body', () => {
    const apdu = decodeNpdu(hex('01 00 10 08'));
    const routerBusy = decodeNpdu(hex('01 80 04 07D1'));
    const oddIAm = decodeNpdu(hex('01 80 01 07'));
    const shortReject = decodeNpdu(hex('01 80 03 01'));
    for (const n of [apdu, routerBusy, oddIAm, shortReject]) {
      expect(n).not.toBeNull();
      if (n !== null) expect(decodeNetworkMessage(n)).toBeNull();
    }
  });

  it('says what a reject reason means', () => {
    expect(rejectReasonText(1)).toBe('reason 1: the router is not directly connected to the network and cannot find a router to it');
    expect(rejectReasonText(42)).toBe('reason 42: unknown reason');
  });
});

describe('Who-Is APDU (clause 16.10, tags by 20.2)', () => {
  it.each<[string, { lowLimit: number; highLimit: number } | undefined, string]>([
    // 20.1.3: unconfirmed request (0x10), service who-is (8).
    ['no limits', undefined, '10 08'],
    // Context tag 0 and 1, two octets each: 0x0A / 0x1A.
    ['1001 to 1001', { lowLimit: 1001, highLimit: 1001 }, '10 08 0A 03E9 1A 03E9'],
    // The whole range: one octet for 0, three for 4194303 (0x3FFFFF).
    ['0 to 4194303', { lowLimit: 0, highLimit: 4_194_303 }, '10 08 09 00 1B 3FFFFF'],
  ])('%s', (_name, limits, bytes) => {
    expect(encodeWhoIsApdu(limits).toString('hex')).toBe(hex(bytes).toString('hex'));
  });
});
