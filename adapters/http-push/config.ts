import { z } from 'zod';
import { FaultId } from '../../core/fault-catalogue.js';
import { PayloadDecoder } from '../decode/payload-decoder.js';
import { Identifier, PointName, SecretRef, ValueRange } from '../../core/schema-parts.js';

/** An event code as the device sends it (`FIRE`, `TRAPPED`, `01`), matched exactly. */
const EventCode = z.string().min(1).max(64);

/**
 * A sampled value in the pushed body. Default decoder: JSON, at the path named like the point
 * (`{"pressure": 3.2}` feeds point `pressure`); a push may carry some of the device's points only.
 */
export const HttpSamplePoint = z.strictObject({
  id: Identifier,
  kind: z.literal('sample').optional(),
  name: PointName.optional(),
  decoder: PayloadDecoder.optional(),
  unit: z.string().optional(),
  range: ValueRange.optional(),
});

/**
 * An event in the pushed body: its decoder yields the event code, `textPath` the device's own words
 * (`火警 3 区`), carried into the ticket. Codes in `raises` start a built-in fault at once; codes in
 * `clears` end it (a panel's reset or restore); `autoClearSeconds` ends a raised fault by itself
 * for devices that send no restore. A code in neither is kept as a value and counted
 * (GW_HTTP_PUSH_UNMAPPED_EVENT), so an operator sees it and can map it.
 */
export const HttpEventPoint = z.strictObject({
  id: Identifier,
  kind: z.literal('event'),
  name: PointName.optional(),
  decoder: PayloadDecoder.optional(),
  /** Dot path to the event's words in the body; omitted = the code itself. */
  textPath: z.string().min(1).optional(),
  raises: z.record(EventCode, FaultId).default({}),
  clears: z.record(EventCode, z.array(FaultId).min(1)).default({}),
  autoClearSeconds: z.number().positive().optional(),
});

export const HttpPoint = z.discriminatedUnion('kind', [HttpSamplePoint, HttpEventPoint]);
export type HttpPoint = z.infer<typeof HttpPoint>;
export type HttpEventPoint = z.infer<typeof HttpEventPoint>;

/**
 * A device that pushes to the gateway: `POST /ingest/{deviceId}` with `Authorization: Bearer <token>`
 * and a JSON (or plain text) body, on the gateway's own HTTP port.
 */
export const HttpSource = z.strictObject({
  protocol: z.literal('http'),
  /** The device's own bearer token (better from the environment: `{ "env": "FIRE_PANEL_TOKEN" }`). */
  token: z.union(SecretRef.options, {
    error: (iss) => (iss.input === undefined ? 'expected the device\'s push token: { "env": "FIRE_PANEL_TOKEN" } (an environment variable) or { "value": "..." }' : 'expected { "env": "NAME" } or { "value": "..." }'),
  }),
  /**
   * The device pushes at least this often (seconds), or it is offline; omitted for devices that
   * push only when something happens (a fire panel's events), which are never judged silent.
   */
  expectEverySeconds: z.number().positive().optional(),
  /** Largest body accepted from this device, in bytes (413 above it). */
  maxBodyBytes: z.number().int().min(256).max(1_048_576).default(16_384),
  /** Pushes a device may make: `burst` at once, refilled at `perSecond` (429 with Retry-After beyond). */
  rateLimit: z
    .strictObject({
      perSecond: z.number().positive().default(5),
      burst: z.number().int().min(1).default(20),
    })
    .prefault({}),
  points: z.array(HttpPoint).min(1),
});
export type HttpSource = z.infer<typeof HttpSource>;

/**
 * How long the device may stay silent before it is offline: the push period it promises
 * (`expectEverySeconds`); a device that pushes only when something happens (a fire panel's events)
 * is never judged silent (null).
 */
export function silenceWindowMs(s: HttpSource): number | null {
  return s.expectEverySeconds === undefined ? null : s.expectEverySeconds * 1000;
}
