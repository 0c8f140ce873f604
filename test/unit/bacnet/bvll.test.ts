import { describe, expect, it } from 'vitest';
import { bipAddress, bipOctets, bvlcResultText, decodeBvll, encodeBvll, type Bvll } from '../../../adapters/bacnet/bvll.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// A global-broadcast Who-Is NPDU (clause 6.2.2: DNET 0xFFFF, DLEN 0, hop count 255; 16.10: 10 08).
const WHO_IS_NPDU = hex('01 20 FFFF 00 FF 10 08');

describe('BVLL (ASHRAE 135 Annex J.2)', () => {
  it.each<[string, string, Bvll]>([
    // J.2.1: BVLC-Result, the two-octet result code (J.2.1.1).
    ['BVLC-Result success', '81 00 0006 0000', { kind: 'result', code: 0 }],
    ['BVLC-Result Register-Foreign-Device NAK', '81 00 0006 0030', { kind: 'result', code: 0x30 }],
    ['BVLC-Result Distribute-Broadcast-To-Network NAK', '81 00 0006 0060', { kind: 'result', code: 0x60 }],
    // J.2.6: Register-Foreign-Device, Time-to-Live 300 s.
    ['Register-Foreign-Device', '81 05 0006 012C', { kind: 'register-foreign-device', ttlSeconds: 300 }],
    // J.2.5: Forwarded-NPDU from 192.168.1.10:47808 (C0 A8 01 0A BA C0).
    ['Forwarded-NPDU', '81 04 0012 C0A8010A BAC0 01 20 FFFF 00 FF 10 08', { kind: 'forwarded-npdu', origin: '192.168.1.10:47808', npdu: WHO_IS_NPDU }],
    // J.2.10: Distribute-Broadcast-To-Network, what a foreign device broadcasts through.
    ['Distribute-Broadcast-To-Network', '81 09 000C 01 20 FFFF 00 FF 10 08', { kind: 'distribute-broadcast-to-network', npdu: WHO_IS_NPDU }],
    // J.2.11 and J.2.12: Original-Unicast-NPDU and Original-Broadcast-NPDU.
    ['Original-Unicast-NPDU', '81 0A 000C 01 20 FFFF 00 FF 10 08', { kind: 'original-unicast-npdu', npdu: WHO_IS_NPDU }],
    ['Original-Broadcast-NPDU', '81 0B 000C 01 20 FFFF 00 FF 10 08', { kind: 'original-broadcast-npdu', npdu: WHO_IS_NPDU }],
  ])('%s: %s', (_name, bytes, message) => {
    expect(decodeBvll(hex(bytes))).toEqual(message);
    expect(encodeBvll(message).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it.each([
    ['a BVLC type other than 0x81 (BACnet/IPv6 is 0x82)', '82 0A 000C 01 20 FFFF 00 FF 10 08'],
    ['a length field that is not the datagram length', '81 0A 000D 01 20 FFFF 00 FF 10 08'],
    ['a BVLC-Result without its code', '81 00 0004'],
    ['a Forwarded-NPDU shorter than its origin', '81 04 0008 C0A8010A'],
    ['a function this gateway does not take (Read-Broadcast-Distribution-Table)', '81 02 0004'],
    ['three octets', '81 0A 00'],
  ])('refuses %s', (_name, bytes) => {
    expect(decodeBvll(hex(bytes))).toBeNull();
  });

  it('writes a B/IP address as four octets of IPv4 and two of port (J.1.2), and back', () => {
    expect(bipOctets('127.0.0.1:47808').toString('hex')).toBe('7f000001bac0');
    expect(bipOctets('10.1.2.3').toString('hex')).toBe('0a010203bac0');
    expect(bipAddress(hex('C0A8010A BAC1'))).toBe('192.168.1.10:47809');
    expect(() => bipOctets('10.1.2:47808')).toThrow(RangeError);
    expect(() => bipOctets('10.1.2.300')).toThrow(RangeError);
  });

  it('names each BVLC-Result code in words', () => {
    expect(bvlcResultText(0x30)).toBe('BVLC-Result 0x0030 (Register-Foreign-Device NAK)');
    expect(bvlcResultText(0x60)).toBe('BVLC-Result 0x0060 (Distribute-Broadcast-To-Network NAK)');
    expect(bvlcResultText(0x99)).toBe('BVLC-Result 0x0099');
  });
});
