import { z } from 'zod';
import { Identifier, ValueRange, PointName } from '../../core/schema-parts.js';
import { OBJECT_TYPES } from './object-types.js';

/** `ip:port` (port default 47808, the BACnet/IP port 0xBAC0). */
const Address = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}(:\d{1,5})?$/, 'expected an IPv4 address with an optional port, e.g. "192.168.10.21" or "192.168.10.21:47808"')
  .refine((a) => {
    const [ip = '', port] = a.split(':');
    return ip.split('.').every((o) => Number(o) <= 255) && (port === undefined || (Number(port) >= 1 && Number(port) <= 65535));
  }, 'expected octets 0-255 and a port 1-65535');

export const BacnetPoint = z.strictObject({
  id: Identifier,
  name: PointName.optional(),
  /** analog-input/output/value, binary-input/output/value, multi-state-input/output/value. */
  objectType: z.enum(Object.keys(OBJECT_TYPES) as [keyof typeof OBJECT_TYPES, ...(keyof typeof OBJECT_TYPES)[]]),
  /** The object's instance number (0-4194302). */
  instance: z.number().int().min(0).max(4_194_302),
  /** Analog values only: value x scale + offset. */
  scale: z.number().default(1),
  offset: z.number().default(0),
  unit: z.string().optional(),
  range: ValueRange.optional(),
});
export type BacnetPoint = z.infer<typeof BacnetPoint>;

/**
 * A station's MAC on its own network (clause 6.2.2, DADR): an MS/TP station address 0-254 as a
 * number (clause 9.3; 255 is the MS/TP broadcast), or the octets of any other data link in hex,
 * e.g. `"c0a81405bac0"` for a BACnet/IP station 192.168.20.5:47808 (Annex J.1.2: IP then port).
 */
const MAC_WORDS = 'expected an MS/TP MAC 0-254 as a number, or 1-7 octets in hex such as "c0a81405bac0" (a BACnet/IP station: IP then port)';
export const Mac = z.union([z.number().int(MAC_WORDS).min(0, MAC_WORDS).max(254, MAC_WORDS), z.string().regex(/^([0-9a-fA-F]{2}){1,7}$/, MAC_WORDS)], { error: MAC_WORDS });

/** 6.2.2: network numbers 1-65534 (0xFFFF is the global broadcast). */
export const NetworkNumber = z.number().int().min(1, 'expected a BACnet network number 1-65534').max(65_534, 'expected a BACnet network number 1-65534');

export const BacnetSource = z
  .strictObject({
    protocol: z.literal('bacnet'),
    /** The device object's instance number (what its I-Am announces). */
    deviceInstance: z.number().int().min(0).max(4_194_302),
    /** A device on the gateway's IP network: where it answers, `ip` or `ip:port`. */
    address: Address.optional(),
    /** A device behind a BACnet router: the network number of its network (DNET, clause 6.2.2). */
    network: NetworkNumber.optional(),
    /** With `network`: the device's MAC on that network (DADR). */
    mac: Mac.optional(),
    /**
     * With `network`: the router's BACnet/IP address (`ip` or `ip:port`) when the site knows it;
     * absent, the gateway asks Who-Is-Router-To-Network (6.4.1), through the BBMD if it has one.
     */
    router: Address.optional(),
    /**
     * Milliseconds between reads of points that are polled (cov off, or refused by the device); with
     * COV, between the liveness reads that notice a device gone quiet between notifications.
     */
    pollMs: z.number().int().min(100).default(5000),
    /** Milliseconds a request waits for its answer (the APDU timeout); also how long Who-Is-Router-To-Network waits. */
    timeoutMs: z.number().int().min(50).default(3000),
    /** Subscribe to changes of value (SubscribeCOV); a device that refuses is polled instead. */
    cov: z.boolean().default(true),
    /**
     * Ask for confirmed COV notifications: the device repeats each until the gateway acknowledges
     * it, so a datagram lost on the LAN does not lose a change (a fault that goes active). Off for
     * devices that only send unconfirmed ones.
     */
    covConfirmed: z.boolean().default(true),
    /** Lifetime asked for each COV subscription, in seconds; renewed at half of it, cancelled at stop. */
    covLifetimeSeconds: z.number().int().min(10).max(86_400).default(300),
    points: z.array(BacnetPoint).min(1),
  })
  .superRefine((s, ctx) => {
    // A device is reached one way: at its own IP address, or through a router by network and MAC.
    if (s.address === undefined && s.network === undefined) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: 'expected "address" (a device on this IP network) or "network" and "mac" (a device behind a BACnet router)' });
    }
    if (s.address !== undefined && s.network !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['network'], message: 'expected either "address" (a device on this IP network) or "network" and "mac" (behind a router), not both' });
    }
    if (s.network !== undefined && s.mac === undefined) ctx.addIssue({ code: 'custom', path: ['mac'], message: `expected the device's MAC on network ${s.network} (an MS/TP MAC 0-254, or hex octets)` });
    if (s.network === undefined && s.mac !== undefined) ctx.addIssue({ code: 'custom', path: ['network'], message: 'expected the network number the MAC is on' });
    if (s.network === undefined && s.router !== undefined) ctx.addIssue({ code: 'custom', path: ['router'], message: 'a router is only for a device behind one: expected "network" and "mac" with it' });
  });
export type BacnetSource = z.infer<typeof BacnetSource>;

/**
 * None: each BACnet device is its own upstream; the adapter's reads (or, with COV, its liveness
 * reads) judge it, and a silent device is one upstream-offline ticket, not two.
 */
export function silenceWindowMs(_s: BacnetSource): null {
  return null;
}

/**
 * The site's BACnet/IP settings (top-level `bacnet`), for the one socket every BACnet device
 * shares: foreign-device registration with a BBMD (Annex J.5.2) for a gateway on another subnet
 * than the BMS, and where its own broadcasts go otherwise.
 */
export const BacnetSite = z.strictObject({
  /**
   * The BBMD on the BMS network this gateway registers with as a foreign device, so its
   * broadcasts (Who-Is, Who-Is-Router-To-Network) reach that network through it
   * (Distribute-Broadcast-To-Network) and that network's broadcasts reach it.
   */
  bbmd: z
    .strictObject({
      /** `ip` or `ip:port` of the BBMD. */
      address: Address,
      /** Time-to-live of the registration, seconds (J.5.2.1); re-registered at half of it. */
      ttlSeconds: z.number().int().min(10).max(65_535).default(300),
      /** Milliseconds to wait for the BBMD's BVLC-Result. */
      timeoutMs: z.number().int().min(50).default(3000),
    })
    .optional(),
  /** Without a BBMD: where local broadcasts (Who-Is-Router-To-Network) go, `ip` or `ip:port`. */
  broadcastAddress: Address.default('255.255.255.255:47808'),
});
export type BacnetSite = z.infer<typeof BacnetSite>;

/** `ip:port` with the default port filled in: the key a device is known by. */
export function normalAddress(address: string): string {
  return address.includes(':') ? address : `${address}:47808`;
}
