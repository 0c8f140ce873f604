import { FAULT_KINDS, parseFault } from '../central/fault-injector.js';
import { z } from 'zod';
import { StaffStep } from './staff-step-schema.js';

/** One change at a moment of the timeline (seconds of scenario time from the start). */
const Step = z
  .strictObject({
    at: z.number().min(0),
    /** Device id from the site file, or a glob with `*` for many (storm scenarios). */
    device: z.string().min(1).optional(),
    /** Point values to drive: `{ "wet": true }`. */
    set: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).optional(),
    /** A device behaviour: silence/resume an MQTT device; entrap an elevator, run it past a landing (over-travel) or with its doors open (an elevator box reports the event's code); burst/fail a pump, or lose its suction (runs dry); short-cycle a BACnet chiller; leak an air handler's cooling valve; run a UPS's battery flat; normal. */
    mode: z.enum(['silence', 'resume', 'entrap', 'out-of-service', 'burst', 'fail', 'dry-run', 'run-flat', 'normal', 'overtravel-top', 'overtravel-bottom', 'moving-doors-open', 'lose-suction', 'short-cycle', 'valve-leak']).optional(),
    /** Take a protocol server away or bring it back: the MQTT broker (external mode), a Modbus, OPC UA, BACnet or SNMP (UPS) simulator. */
    server: z.strictObject({ target: z.enum(['broker', 'modbus', 'opcua', 'bacnet', 'snmp']), action: z.enum(['stop', 'start']) }).optional(),
    /**
     * The reference central service: inject a fault (a name, or a fault object such as
     * `{ "kind": "reply", "on": "batch", "status": 200, "body": {} }`: simulators/central/fault-injector.ts),
     * close the newest ticket of a device (as its work-order system would once the repair is done;
     * the gateway pulls the close back), or put a raw update for it in the feed, unchecked (a
     * status off the contract, a move backwards: what a broken central system sends).
     */
    central: z
      .strictObject({
        fault: z.union([z.enum(['none', 'down', 'error500', 'slow', 'drop', 'duplicate', 'unauthorized']), z.looseObject({ kind: z.enum(FAULT_KINDS) })]).optional(),
        close: z.string().min(1).optional(),
        update: z.strictObject({ device: z.string().min(1), status: z.string().min(1) }).optional(),
      })
      .refine((c) => [c.fault, c.close, c.update].filter((x) => x !== undefined).length === 1, { message: 'expected one of fault, close or update' })
      .refine((c) => typeof c.fault !== 'object' || parseFault(c.fault) !== null, { message: 'not a fault the reference central service knows' })
      .optional(),
    /**
     * The gateway itself: `restart` is a clean stop and start on the same data folder and ports;
     * `kill` is SIGKILL of its process and `start` starts it again (needs `gatewayProcess`): a start
     * after the gateway stopped on its own (its UPS ran low) first waits for it to have exited.
     * With `gatewayPair`, `kill` is SIGKILL of whichever gateway is the active at that moment,
     * `start` starts the last one killed again (it rejoins as the standby), and `restart` is a clean
     * stop and start of the active (the other takes over meanwhile).
     */
    gateway: z.strictObject({ action: z.enum(['restart', 'kill', 'start']) }).optional(),
    /** A staff member acting through the gateway's API, as on the pages (staff-step-schema.ts). */
    staff: StaffStep.optional(),
    /** Spread a step over many devices: the n-th matching device acts at `at + n * spreadSeconds`. */
    spreadSeconds: z.number().min(0).optional(),
    note: z.string().optional(),
  })
  .refine((s) => s.set !== undefined || s.mode !== undefined || s.server !== undefined || s.central !== undefined || s.gateway !== undefined || s.staff !== undefined, {
    message: 'expected one of set, mode, server, central, gateway or staff',
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
  status: z.enum(['raised', 'acknowledged', 'dispatched', 'arrived', 'in_progress', 'on_hold', 'resolved', 'reopened', 'closed', 'rejected']).optional(),
  /** Raised by a sensor or found by a patrol (巡检发现). */
  source: z.enum(['sensor', 'patrol']).optional(),
  /** A repeat repair (返修): the same device and fault was repaired within the site's window. */
  rework: z.boolean().optional(),
  /** Carries this many photos; with `synced`, each must have reached the central service. */
  photos: z.number().int().min(0).optional(),
  /**
   * Exactly these escalations, in order, each written in the ticket's history at about `atMinutes`
   * scenario minutes after the ticket was raised (within half a minute).
   */
  escalations: z
    .array(
      z.strictObject({
        /** A deadline that passed; `grab`, nobody took it within the grab rule's minutes; `stalled`, a taken repair not moved on. */
        step: z.enum(['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy', 'grab', 'stalled']),
        level: z.enum(['leader', 'supervisor', 'manager']),
        atMinutes: z.number().min(0),
      }),
    )
    .optional(),
  /** It went active exactly this many times (1: it never cleared and came back while the ticket was open). */
  occurrences: z.number().int().min(1).optional(),
  /** Its description (zh or en) must contain these words (an event's own text: "火警 3 区"). */
  descriptionContains: z.string().min(1).optional(),
  /** Its alerts must have reached the engineers' console addressed to each of these levels. */
  alertedTo: z.array(z.enum(['team', 'leader', 'supervisor', 'manager', 'desk'])).optional(),
  /** Alerts of these kinds must have reached the console with these words (the engineer a repair is assigned to, by name). */
  alertSays: z.array(z.strictObject({ kind: z.enum(['raised', 'escalated', 'assigned', 'reopened', 'recheck-overdue', 'callback-overdue']), contains: z.string().min(1) })).optional(),
  /** The user id the repair is with at the end: assigned by the supervisor, or taken. */
  assignee: z.string().min(1).optional(),
  /** Storm mode paused its deadlines for about this many scenario minutes in all (within half a minute), and it is not paused any more; 0: never paused. */
  pausedMinutes: z.number().min(0).optional(),
  /** Its tier or complexity was (or was not) changed after the survey on site. */
  retiered: z.boolean().optional(),
  /** The resolve recorded this many materials. */
  materials: z.number().int().min(0).optional(),
  /** The callback to the owner after an in-unit repair (回访): its state, and the satisfaction the owner gave. */
  callback: z.strictObject({ state: z.enum(['due', 'done']), satisfaction: z.number().int().min(1).max(5).optional() }).optional(),
});
export type ExpectedTicket = z.infer<typeof ExpectedTicket>;

/**
 * The figures of the site-local month the scenario starts in (GET /api/stats from its first day to
 * the next month's): each figure given must be exactly this.
 */
export const ExpectedStats = z.strictObject({
  /** Callbacks to owners after in-unit repairs: owed, on time, late, missing, the rate, and the share of satisfied owners (4 or 5 of 5) among those who rated. */
  callbacks: z
    .strictObject({
      owed: z.number().int().min(0).optional(),
      onTime: z.number().int().min(0).optional(),
      late: z.number().int().min(0).optional(),
      missing: z.number().int().min(0).optional(),
      rate: z.number().min(0).max(1).nullable().optional(),
      satisfiedShare: z.number().min(0).max(1).nullable().optional(),
    })
    .optional(),
});
export type ExpectedStats = z.infer<typeof ExpectedStats>;

/** What the gateway itself must have done and told (a death, a stop on its own UPS). */
export const ExpectedGateway = z.strictObject({
  /** After a kill or a stop, the central service must report the site silent within this many scenario seconds. */
  silentWithinSeconds: z.number().positive().optional(),
  /** After the gateway was started again, the central service must report the site recovered. */
  recovered: z.boolean().optional(),
  /** Messages of the gateway itself on the engineers' console (`alerts/system`): each exactly once, its text containing these words. */
  systemAlerts: z.array(z.strictObject({ code: z.string().min(1), contains: z.string().min(1).optional() })).default([]),
  /** The exit statuses of the stops it made on its own, in order (75: its UPS ran low). */
  exits: z.array(z.number().int()).optional(),
  /** Its last status before a stop on its own said it was stopping, for this reason. */
  stoppingBecause: z.string().min(1).optional(),
});
export type ExpectedGateway = z.infer<typeof ExpectedGateway>;

export const Scenario = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[a-z0-9-]+$/),
  description: z.string().min(1),
  descriptionZh: z.string().optional(),
  /** Site file, relative to the scenario file; default the demo site. */
  siteFile: z.string().optional(),
  /**
   * More site files (relative to the scenario file) whose devices join the site's: a protocol's
   * device added to a demo-site scenario (adapter-resilience) without copying the demo site.
   */
  devicesFrom: z.array(z.string().min(1)).default([]),
  /** A point table (CSV or XLSX, relative to the scenario file) imported into the site file first, as `npm run import-points` does; every row must import. */
  pointTable: z.string().optional(),
  /** Needs an external MQTT broker (adapter-resilience): the runner starts one and points the site at it. */
  externalBroker: z.boolean().default(false),
  /**
   * The gateway runs as its own process (dist/gateway/main.js) on the scenario's sped-up clock, so a
   * step can SIGKILL it and start it again, and it can stop on its own: what a dead box looks like.
   */
  gatewayProcess: z.boolean().default(false),
  /**
   * Two gateway processes as a pair (issue 34, docs/high-availability.md) on three etcd members, the
   * site's own MQTT broker and the central service, all real on 127.0.0.1 (simulators/scenarios/
   * pair-runner.ts): `kill` ends the active with SIGKILL, `start` brings it back as the standby.
   * Judged beyond `expect` (read from the active's API): the other gateway said it was the active
   * after each kill, every (device, fault) is exactly one ticket at the central service, every
   * emergency ticket was alerted on the site broker, and a gateway started again follows the active.
   */
  gatewayPair: z.boolean().default(false),
  /** Scenario seconds to run after the last step before judging. */
  settleSeconds: z.number().min(0).default(30),
  /** Site-local time of day the scenario starts at (`02:30` for a night); default now. */
  startsAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).optional(),
  /** Whether the central service works tickets on its own (dispatch after 1 min, close after 1 h); off to see what nobody does. */
  centralProgress: z.boolean().default(true),
  /** Default speed-up of scenario time. */
  speed: z.number().positive().default(20),
  steps: z.array(Step),
  /** Updates from the central service the gateway must have refused (kept as dead letters); default none. */
  refusedUpdates: z.number().int().min(0).default(0),
  /** Exactly the tickets that must appear (children of an incident count only through `children`). */
  expect: z.array(ExpectedTicket),
  /** What the gateway itself must have done and said (with `gatewayProcess`). */
  expectGateway: ExpectedGateway.optional(),
  /** The month's figures the scenario must leave (in-process runs). */
  expectStats: ExpectedStats.optional(),
})
  .refine((s) => s.gatewayProcess || s.gatewayPair || !s.steps.some((x) => x.gateway !== undefined && x.gateway.action !== 'restart'), { message: 'a gateway kill or start needs "gatewayProcess": true or "gatewayPair": true' })
  .refine((s) => !(s.gatewayProcess && s.gatewayPair), { message: 'a scenario runs one gateway process ("gatewayProcess") or a pair ("gatewayPair"), not both' })
  .refine((s) => !s.gatewayPair || s.expectStats === undefined, { message: 'expectStats is judged in-process only: drop "gatewayPair"' })
  .refine((s) => s.gatewayProcess || s.expectGateway === undefined, { message: 'expectGateway needs "gatewayProcess": true' })
  .refine((s) => !s.gatewayProcess || s.expectStats === undefined, { message: 'expectStats is judged in-process only: drop "gatewayProcess"' });
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioStep = z.infer<typeof Step>;
