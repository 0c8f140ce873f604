import { createSocket } from 'node:dgram';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { BacnetSource } from '../../../adapters/bacnet/config.js';
import { presentValueOf } from '../../../adapters/bacnet/object-types.js';
import { flagsQuality } from '../../../adapters/bacnet/status-quality.js';
import { UdpTransport } from '../../../adapters/bacnet/udp-transport.js';

describe('BACnet values', () => {
  it('reads a present-value by the kind of its object', () => {
    expect(presentValueOf('analog', 7.25, 1, 0)).toBe(7.25);
    expect(presentValueOf('analog', 725, 0.01, -1)).toBeCloseTo(6.25);
    expect(presentValueOf('binary', 1, 1, 0)).toBe(true);
    expect(presentValueOf('binary', 0, 1, 0)).toBe(false);
    expect(presentValueOf('binary', 2, 1, 0)).toBeUndefined();
    expect(presentValueOf('multistate', 3, 1, 0)).toBe(3);
    expect(presentValueOf('multistate', 0, 1, 0)).toBeUndefined();
    expect(presentValueOf('analog', Number.NaN, 1, 0)).toBeUndefined();
    expect(presentValueOf('analog', 'x', 1, 0)).toBeUndefined();
  });

  it('turns status-flags into quality: fault bad, out-of-service uncertain, in-alarm and overridden good', () => {
    expect(flagsQuality(undefined)).toEqual({ quality: 'good' });
    expect(flagsQuality([0b0001])).toEqual({ quality: 'good' }); // in-alarm
    expect(flagsQuality([0b0100])).toEqual({ quality: 'good' }); // overridden
    expect(flagsQuality([0b0010]).quality).toBe('bad');
    expect(flagsQuality([0b1000]).quality).toBe('uncertain');
    expect(flagsQuality([0b1010])).toMatchObject({ quality: 'bad', reason: expect.stringContaining('GW_BACNET_STATUS_FAULT') });
  });

  it('checks a bacnet source: the address, the object type, the instance range', () => {
    const base = { protocol: 'bacnet', deviceInstance: 1001, address: '192.168.10.21', points: [{ id: 'supplyTemp', objectType: 'analog-input', instance: 1 }] };
    expect(BacnetSource.parse(base)).toMatchObject({ pollMs: 5000, timeoutMs: 3000, cov: true, covLifetimeSeconds: 300 });
    expect(BacnetSource.safeParse({ ...base, address: '192.168.10.300' }).success).toBe(false);
    expect(BacnetSource.safeParse({ ...base, address: 'chiller.local' }).success).toBe(false);
    expect(BacnetSource.safeParse({ ...base, points: [{ id: 'x', objectType: 'schedule', instance: 1 }] }).success).toBe(false);
    expect(BacnetSource.safeParse({ ...base, deviceInstance: 4_194_303 }).success).toBe(false);
  });
});

describe('the BACnet UDP transport', () => {
  it('survives a datagram the stack cannot decode: reported as an error, the socket stays open', async () => {
    const t = new UdpTransport({ host: '127.0.0.1', port: 0 });
    t.open();
    const port = await t.ready;
    onTestFinished(() => t.close());
    const errors: Error[] = [];
    t.on('error', (e: Error) => errors.push(e));
    t.on('message', () => {
      throw new Error('INVALID_DECODING');
    });
    const peer = createSocket('udp4');
    onTestFinished(() => new Promise<void>((r) => peer.close(() => r())));
    peer.send(Buffer.from([0x81, 0x0a, 0x00, 0x05, 0xff]), port, '127.0.0.1');
    await vi.waitFor(() => expect(errors[0]?.message).toMatch(/undecodable datagram from 127\.0\.0\.1:\d+ \(5 bytes\): INVALID_DECODING/), { timeout: 15_000 });
    await t.close();
    await t.close();
  });
});

describe('check-config on BACnet devices', () => {
  it('refuses two site devices on one BACnet device (one address and instance), naming the first', async () => {
    const { crossReferenceIssues } = await import('../../../gateway/config/cross-references.js');
    const dev = (id: string, address: string, deviceInstance: number) => ({ id, source: { protocol: 'bacnet', address, deviceInstance, points: [{ id: 'fault' }] } });
    expect(crossReferenceIssues({ devices: [dev('a', '10.0.0.5', 7), dev('b', '10.0.0.5:47808', 7), dev('c', '10.0.0.5', 8)] })).toEqual([
      { path: ['devices', 1, 'source', 'deviceInstance'], message: 'BACnet device 7 at 10.0.0.5:47808 is already devices[0]; map all its points on one device' },
    ]);
  });
});
