import { describe, expect, it } from 'vitest';
import { deviceAddress, macText, stackReceiver } from '../../../adapters/bacnet/device-address.js';
import { crossReferenceIssues } from '../../../gateway/config/cross-references.js';
import { parseSite } from '../../../gateway/config/load-site.js';
import { GatewayError } from '../../../core/errors.js';

const POINTS = [{ id: 'fault', objectType: 'binary-input', instance: 2 }];

function problemsOf(source: Record<string, unknown>, bacnet?: Record<string, unknown>): string[] {
  try {
    parseSite({
      site: { id: 's', code: 'S1', name: 'S' },
      ...(bacnet === undefined ? {} : { bacnet }),
      devices: [{ id: 'chiller-1', kind: 'hvac-unit', name: 'c', location: { building: 'T1', floor: 'RF', description: 'x' }, source: { protocol: 'bacnet', deviceInstance: 1001, points: POINTS, ...source } }],
    });
  } catch (err) {
    if (err instanceof GatewayError) return err.context['problems'] as string[];
    throw err;
  }
  return [];
}

describe('the site file on routed BACnet devices and the BBMD', () => {
  it('takes a device by network and MAC (with or without its router) and the bacnet block with its defaults', () => {
    expect(problemsOf({ network: 2001, mac: 12 })).toEqual([]);
    expect(problemsOf({ network: 2001, mac: 'c0a81405bac0', router: '192.168.10.1' })).toEqual([]);
    expect(problemsOf({ address: '192.168.10.21' }, { bbmd: { address: '10.1.0.5' } })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, string]>([
    ['neither address nor network', {}, undefined, 'devices[0].source.address: expected "address" (a device on this IP network) or "network" and "mac" (a device behind a BACnet router)'],
    ['both', { address: '10.0.0.5', network: 5, mac: 3 }, undefined, 'devices[0].source.network: expected either "address" (a device on this IP network) or "network" and "mac" (behind a router), not both'],
    ['a network without its MAC', { network: 5 }, undefined, "devices[0].source.mac: expected the device's MAC on network 5 (an MS/TP MAC 0-254, or hex octets)"],
    ['MS/TP MAC 255 (the broadcast)', { network: 5, mac: 255 }, undefined, 'devices[0].source.mac: expected an MS/TP MAC 0-254 as a number, or 1-7 octets in hex such as "c0a81405bac0" (a BACnet/IP station: IP then port)'],
    ['a MAC that is not hex', { network: 5, mac: 'zz' }, undefined, 'devices[0].source.mac: expected an MS/TP MAC 0-254 as a number, or 1-7 octets in hex such as "c0a81405bac0" (a BACnet/IP station: IP then port)'],
    ['network 65535 (the global broadcast)', { network: 65_535, mac: 3 }, undefined, 'devices[0].source.network: expected a BACnet network number 1-65534'],
    ['a router for a device on this network', { address: '10.0.0.5', router: '10.0.0.1' }, undefined, 'devices[0].source.router: a router is only for a device behind one: expected "network" and "mac" with it'],
    ['a BBMD without an address', { address: '10.0.0.5' }, { bbmd: { ttlSeconds: 60 } }, 'bacnet.bbmd.address: Invalid input: expected string, received undefined'],
    ['a TTL of 5 s', { address: '10.0.0.5' }, { bbmd: { address: '10.1.0.5', ttlSeconds: 5 } }, 'bacnet.bbmd.ttlSeconds: Too small: expected number to be >=10'],
  ])('refuses %s, naming the path', (_name, source, bacnet, problem) => {
    expect(problemsOf(source, bacnet)).toContain(problem);
  });

  it('refuses two site devices on one routed device, and two routers for one network', () => {
    const dev = (id: string, source: Record<string, unknown>) => ({ id, source: { protocol: 'bacnet', deviceInstance: 7, points: [{ id: 'fault' }], ...source } });
    expect(
      crossReferenceIssues({
        devices: [dev('a', { network: 2001, mac: 12, router: '10.0.0.1' }), dev('b', { network: 2001, mac: '0c' }), dev('c', { network: 2001, mac: 13, router: '10.0.0.2:47808' }), dev('d', { network: 2002, mac: 12, router: '10.0.0.2' })],
      }),
    ).toEqual([
      { path: ['devices', 1, 'source', 'deviceInstance'], message: 'BACnet device 7 at network 2001 MAC 0c is already devices[0]; map all its points on one device' },
      { path: ['devices', 2, 'source', 'router'], message: 'network 2001 is reached through 10.0.0.1:47808 in devices[0]; name one router per network' },
    ]);
  });
});

describe('where a BACnet device is', () => {
  it('is its own address on this network, or its router with DNET/DADR for the stack', () => {
    const direct = deviceAddress({ deviceInstance: 7, address: '10.0.0.5' });
    expect(direct).toMatchObject({ direct: '10.0.0.5:47808', route: null, label: '10.0.0.5:47808', key: '10.0.0.5:47808/7' });
    expect(stackReceiver(direct, '')).toEqual({ address: '10.0.0.5:47808' });
    const routed = deviceAddress({ deviceInstance: 7, network: 2001, mac: 12, router: '10.0.0.1' });
    expect(routed).toMatchObject({ direct: null, route: { network: 2001, mac: Buffer.from([12]), router: '10.0.0.1:47808' }, label: 'network 2001 MAC 12', key: 'net-2001/0c/7' });
    expect(stackReceiver(routed, '10.0.0.1:47808')).toEqual({ address: '10.0.0.1:47808', net: 2001, adr: [12] });
  });

  it('writes a MAC as the site file does: one octet as a number, more (or 255) in hex', () => {
    expect(macText(Buffer.from([12]))).toBe(12);
    expect(macText(Buffer.from([255]))).toBe('ff');
    expect(macText(Buffer.from('c0a81405bac0', 'hex'))).toBe('c0a81405bac0');
  });
});
