import { z } from 'zod';

/** One change at a moment of the timeline (seconds of scenario time from the start). */
const Step = z
  .strictObject({
    at: z.number().min(0),
    /** Device id from the site file, or a glob with `*` for many (storm scenarios). */
    device: z.string().min(1).optional(),
    /** Point values to drive: `{ "wet": true }`. */
    set: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).optional(),
    /** A device behaviour: silence/resume an MQTT device; entrap an elevator; burst/fail a pump; normal. */
    mode: z.enum(['silence', 'resume', 'entrap', 'out-of-service', 'burst', 'fail', 'dry-run', 'normal']).optional(),
    /** Take a protocol server away or bring it back: the MQTT broker (external mode), a Modbus or OPC UA simulator. */
    server: z.strictObject({ target: z.enum(['broker', 'modbus', 'opcua']), action: z.enum(['stop', 'start']) }).optional(),
    /**
     * The reference central service: inject a fault, or close the newest ticket of a device (as
     * its work-order system would once the repair is done; the gateway pulls the close back).
     */
    central: z
      .strictObject({ fault: z.enum(['none', 'down', 'error500', 'slow', 'drop', 'duplicate', 'unauthorized']).optional(), close: z.string().min(1).optional() })
      .refine((c) => (c.fault === undefined) !== (c.close === undefined), { message: 'expected one of fault or close' })
      .optional(),
    /** The gateway itself: a clean restart on the same data folder and ports (stop, then start). */
    gateway: z.strictObject({ action: z.literal('restart') }).optional(),
    /** Spread a step over many devices: the n-th matching device acts at `at + n * spreadSeconds`. */
    spreadSeconds: z.number().min(0).optional(),
    note: z.string().optional(),
  })
  .refine((s) => s.set !== undefined || s.mode !== undefined || s.server !== undefined || s.central !== undefined || s.gateway !== undefined, {
    message: 'expected one of set, mode, server, central or gateway',
  })
  .refine((s) => (s.set === undefined && s.mode === undefined) || s.device !== undefined, { message: 'set and mode need a device' });

export const ExpectedTicket = z.strictObject({
  fault: z.string().min(1),
  device: z.string().min(1),
  tier: z.enum(['emergency', 'general', 'low']),
  /** An incident grouping this many children (storm-flood). */
  children: z.number().int().min(1).optional(),
  /** Must reach the central service (demo --once). */
  synced: z.boolean().default(true),
  /** Must be back to normal by the end (device-offline raised and cleared). */
  cleared: z.boolean().optional(),
  /** Its alert must have reached the engineers' console on the site broker (alerts/#). */
  alerted: z.boolean().optional(),
  /** Must repeat an earlier ticket of the same device and fault (raised after that one closed). */
  repeat: z.boolean().optional(),
  /** Must end in this status (e.g. closed by the central service). */
  status: z.enum(['raised', 'acknowledged', 'confirmed', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed']).optional(),
});
export type ExpectedTicket = z.infer<typeof ExpectedTicket>;

export const Scenario = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[a-z0-9-]+$/),
  description: z.string().min(1),
  descriptionZh: z.string().optional(),
  /** Site file, relative to the scenario file; default the demo site. */
  siteFile: z.string().optional(),
  /** Needs an external MQTT broker (adapter-resilience): the runner starts one and points the site at it. */
  externalBroker: z.boolean().default(false),
  /** Scenario seconds to run after the last step before judging. */
  settleSeconds: z.number().min(0).default(30),
  /** Default speed-up of scenario time. */
  speed: z.number().positive().default(20),
  steps: z.array(Step),
  /** Exactly the tickets that must appear (children of an incident count only through `children`). */
  expect: z.array(ExpectedTicket),
});
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioStep = z.infer<typeof Step>;
