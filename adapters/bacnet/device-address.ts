import { normalAddress, type BacnetSource } from './config.js';

/** A device behind a router: its network, its MAC there, and the router if the site names one. */
export interface DeviceRoute {
  readonly network: number;
  readonly mac: Buffer;
  readonly router: string | null;
}

/**
 * Where a BACnet device is, from its site-file source: at an IP address of its own, or on a
 * network behind a router (DNET/DADR, clause 6.2.2), the router found when it is not given.
 */
export interface DeviceAddress {
  /** `ip:port` of a device on the gateway's IP network; null for a routed one. */
  readonly direct: string | null;
  readonly route: DeviceRoute | null;
  /** For people: `192.168.10.21:47808` or `network 2001 MAC 12`. */
  readonly label: string;
  /** One device, one key (its upstream is `bacnet://{key}`): `192.168.10.21:47808/3001` or `net-2001/0c/3001`. */
  readonly key: string;
}

/** The address as the stack takes it: where the datagram goes, and DNET/DADR when routed. */
export interface StackReceiver {
  readonly address: string;
  readonly net?: number;
  readonly adr?: number[];
}

type Where = Pick<BacnetSource, 'deviceInstance' | 'address' | 'network' | 'mac' | 'router'>;

export function deviceAddress(src: Where): DeviceAddress {
  if (src.network !== undefined && src.mac !== undefined) {
    const mac = macOctets(src.mac);
    const label = `network ${src.network} MAC ${macText(mac)}`;
    return { direct: null, route: { network: src.network, mac, router: src.router === undefined ? null : normalAddress(src.router) }, label, key: `net-${src.network}/${mac.toString('hex')}/${src.deviceInstance}` };
  }
  // The schema admits no source without one or the other.
  const direct = normalAddress(src.address ?? '');
  return { direct, route: null, label: direct, key: `${direct}/${src.deviceInstance}` };
}

/** The stack's receiver: the device itself, or its router with the device as DNET/DADR. */
export function stackReceiver(a: DeviceAddress, router: string): StackReceiver {
  if (a.route === null) return { address: a.direct ?? router };
  return { address: router, net: a.route.network, adr: [...a.route.mac] };
}

/** An MS/TP MAC (a number) is one octet; anything else is written in hex. */
export function macOctets(mac: number | string): Buffer {
  return typeof mac === 'number' ? Buffer.from([mac]) : Buffer.from(mac, 'hex');
}

/** One octet as its number (the MS/TP MAC a panel shows), more as hex: how the site file writes it. */
export function macText(mac: Uint8Array): number | string {
  // 255 is no MS/TP station (it is the broadcast): a one-octet MAC 255 of another link stays hex.
  return mac.length === 1 && mac[0] !== 255 ? (mac[0] ?? 0) : Buffer.from(mac).toString('hex');
}
