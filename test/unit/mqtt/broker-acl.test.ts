import { describe, expect, it } from 'vitest';
import { ClientIdOwners, filterWithin } from '../../../adapters/mqtt/broker-acl.js';
import { FixedHeaderScanner } from '../../../adapters/mqtt/packet-gate.js';

describe('filterWithin', () => {
  it.each([
    ['alerts/#', 'alerts/#', true],
    ['alerts/emergency', 'alerts/#', true],
    ['alerts', 'alerts/#', true],
    ['alerts/+/x', 'alerts/#', true],
    ['#', 'alerts/#', false],
    ['+/emergency', 'alerts/#', false],
    ['site/leak-1/cmd', 'site/+/cmd', true],
    ['site/+/cmd', 'site/+/cmd', true],
    ['site/#', 'site/+/cmd', false],
    ['site/leak-1/cmd/x', 'site/+/cmd', false],
    ['$SYS/broker/x', '#', false],
    ['$SYS/broker/x', '$SYS/#', true],
  ])('%s inside %s: %s', (filter, grant, want) => expect(filterWithin(filter, grant)).toBe(want));
});

describe('ClientIdOwners', () => {
  it('gives an id to the login it names (longest username first) and any other id to its first user', () => {
    const owners = new ClientIdOwners(['leak', 'leak-2', 'console']);
    expect(owners.take('leak-2', 'leak-1')).toBe('leak-2');
    expect(owners.take('leak-2-x', 'leak')).toBe('leak-2');
    expect(owners.take('leak-2-x', 'leak-2')).toBeNull();
    expect(owners.take('leak-9', 'leak')).toBeNull();
    expect(owners.take('sim-leak-2', 'leak-2')).toBeNull();
    expect(owners.take('sim-leak-2', 'console')).toBe('leak-2');
    expect(owners.take('sim-leak-2', 'leak-2')).toBeNull();
  });

  it('past 10,000 remembered ids forgets the oldest one not connected, never a connected one or the one just taken', () => {
    const owners = new ClientIdOwners(['a', 'b', 'c']);
    owners.take('old', 'a');
    owners.connected('old');
    for (let i = 0; i < 9_999; i++) {
      owners.take(`load-${i}`, 'a');
      owners.connected(`load-${i}`);
    }
    owners.disconnected('old');
    // 10,001 remembered: 'old' (not connected) goes, 'x' stays the first user's.
    expect(owners.take('x', 'b')).toBeNull();
    expect(owners.take('x', 'c')).toBe('b');
    expect(owners.take('old', 'c')).toBeNull();
    expect(owners.take('load-0', 'c')).toBe('a');
  });
});

describe('FixedHeaderScanner', () => {
  const connect = Buffer.from([0x10, 0x04, 1, 2, 3, 4]);
  it('lets packets within the limit through, split anywhere', () => {
    const s = new FixedHeaderScanner(100);
    const stream = Buffer.concat([connect, Buffer.from([0x30, 0x02, 9, 9]), Buffer.from([0xc0, 0x00])]);
    for (const b of stream) expect(s.scan(Buffer.from([b]))).toBeNull();
  });
  it('refuses a packet on its header when it declares more than the limit', () => {
    expect(new FixedHeaderScanner(100).scan(Buffer.from([0x10, 0x80, 0x84, 0xaf, 0x5f]))).toEqual({ kind: 'too-large', declared: 512 });
    const s = new FixedHeaderScanner(100);
    expect(s.scan(connect)).toBeNull();
    // Refused on the first length byte that already says more than the limit.
    expect(s.scan(Buffer.from([0x30, 0xe5]))).toEqual({ kind: 'too-large', declared: 101 });
  });
  it('refuses anything but CONNECT first', () => {
    expect(new FixedHeaderScanner(100).scan(Buffer.from([0x30, 0x00]))).toEqual({ kind: 'not-connect', type: 3 });
  });
});
