import { z } from 'zod';
import { Identifier, ValueRange, PointName } from '../schema-parts.js';
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

export const BacnetSource = z.strictObject({
  protocol: z.literal('bacnet'),
  /** The device object's instance number (what its I-Am announces). */
  deviceInstance: z.number().int().min(0).max(4_194_302),
  /** Where the device answers: `ip` or `ip:port`. */
  address: Address,
  /**
   * Milliseconds between reads of points that are polled (cov off, or refused by the device); with
   * COV, between the liveness reads that notice a device gone quiet between notifications.
   */
  pollMs: z.number().int().min(100).default(5000),
  /** Milliseconds a request waits for its answer (the APDU timeout). */
  timeoutMs: z.number().int().min(50).default(3000),
  /** Subscribe to changes of value (SubscribeCOV); a device that refuses is polled instead. */
  cov: z.boolean().default(true),
  /**
   * Ask for confirmed COV notifications: the device repeats each until the gateway acknowledges
   * it, so a datagram lost on the LAN does not lose a change (a fault that goes active). Off for
   * devices that only send unconfirmed ones.
   */
  covConfirmed: z.boolean().default(true),
  /** Lifetime asked for each COV subscription, in seconds; renewed at half of it. */
  covLifetimeSeconds: z.number().int().min(10).max(86_400).default(300),
  points: z.array(BacnetPoint).min(1),
});
export type BacnetSource = z.infer<typeof BacnetSource>;

/** `ip:port` with the default port filled in: the key a device is known by. */
export function normalAddress(address: string): string {
  return address.includes(':') ? address : `${address}:47808`;
}
