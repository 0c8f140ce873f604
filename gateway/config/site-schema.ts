import { z } from 'zod';
import { BrokerConfig, MqttSource } from '../../adapters/mqtt/config.js';
import { ModbusSource } from '../../adapters/modbus/config.js';
import { HttpSource } from '../../adapters/http-push/config.js';
import { OpcuaSource } from '../../adapters/opcua/config.js';
import { BacnetSite, BacnetSource } from '../../adapters/bacnet/config.js';
import { SnmpSource } from '../../adapters/snmp/config.js';
import { Identifier, sharedDefault } from '../../core/schema-parts.js';
import { AlarmsConfig } from '../alarms/config-schema.js';
import { CustomRule, FaultOverrides } from '../detect/rule-schema.js';
import { ElevatorEventCodes } from '../detect/elevator-codes.js';
import { StateRuleEntry } from '../detect/state-rule-entry.js';
import { NotifyConfig } from '../notify/config-schema.js';
import { User } from '../api/users-schema.js';
import { crossReferenceIssues } from './cross-references.js';
import { DeviceKind, Location, Skill } from '../../core/vocabulary.js';
import { isTimeZone } from '../../core/local-time.js';
import { CentralService } from '../../cloud-sync/config.js';
import { HaConfig } from '../ha/ha-config.js';
import { Contract, Escalation, Repairs } from './repair-contract-schema.js';

/** The largest photo a pair can keep in etcd: its default request limit (1.5 MiB) less room for the key and the transaction. */
export const PAIR_PHOTO_MAX_BYTES = 1_500_000;

export const Source = z.discriminatedUnion('protocol', [MqttSource, ModbusSource, OpcuaSource, BacnetSource, HttpSource, SnmpSource]);
export type Source = z.infer<typeof Source>;

export const Device = z.strictObject({
  id: Identifier,
  kind: DeviceKind,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  location: Location,
  /** Overrides the skill of every fault of this device. */
  skill: Skill.optional(),
  /** What a pump supplies: domestic and fire supply make pump-failure an emergency. */
  supply: z.enum(['domestic', 'fire', 'drainage', 'hvac', 'other']).optional(),
  /** Runs on a battery: device-offline becomes low tier, battery-low applies. */
  battery: z.boolean().default(false),
  /** The power meter / distribution board that feeds this device (root-cause grouping). */
  fedBy: Identifier.optional(),
  /**
   * A UPS (kind `ups`) that feeds the gateway's own machine: when it is on battery and its battery
   * is low, or its run time left is under `shutdownAtMinutes`, the gateway says so on every channel
   * and to central, and stops cleanly (exit status 75) before the battery dies under it.
   */
  powersGateway: z.boolean().optional(),
  /** With powersGateway: minutes of run time left at which the gateway stops (default 5). */
  shutdownAtMinutes: z.number().positive().max(120).optional(),
  /**
   * One of a pair (docs/high-availability.md): `warm`, both gateways read it; `cold`, the active only
   * (a source that allows one client: a Modbus RTU line wired to one machine, a Modbus TCP device
   * that takes one connection). Default: cold for Modbus RTU, warm otherwise. Ignored without `ha`.
   */
  standby: z.enum(['warm', 'cold']).optional(),
  source: Source,
  /** An elevator box's event codes and the faults they raise (docs/faults.md); omitted: the default table, for a point `eventCode`. */
  eventCodes: ElevatorEventCodes.optional(),
  faults: FaultOverrides.default(sharedDefault({})),
  rules: z.array(CustomRule).default(sharedDefault([])),
  /** State-aware rules (docs/faults.md): pack rules turned on by naming their points by role, and the site's own. */
  stateRules: z.array(StateRuleEntry).default(sharedDefault([])),
});
export type Device = z.infer<typeof Device>;

export const SiteFile = z
  .strictObject({
    $schema: z.string().optional(),
    site: z.strictObject({
      id: Identifier,
      /** Short code that starts every ticket number: `{code}-{YYYYMMDD}-{seq}`. */
      code: z.string().regex(/^[A-Z0-9]{2,12}$/, 'expected 2-12 capital letters or digits'),
      name: z.string().min(1),
      timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Asia/Shanghai').default('Asia/Shanghai'),
    }),
    broker: BrokerConfig.default({ mode: 'embedded', host: '0.0.0.0', port: 1883, maxPayloadBytes: 16_384, allowAnonymous: false }),
    http: z
      .strictObject({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** How staff reach the pages, for links in alerts; default http://<host>:<port>. */
        publicUrl: z.string().optional(),
        bodyLimitBytes: z.number().int().positive().default(65_536),
        /** Seconds a client has to send its request headers (slow clients are cut; docs/security.md). */
        headersTimeoutSeconds: z.number().positive().default(10),
        /** Seconds a client has to send a whole request, body included (a photo on a weak phone). */
        requestTimeoutSeconds: z.number().positive().default(60),
        /** Seconds a connection may stay silent (no byte either way) before it is closed; the live stream sends a heartbeat every 15 s. */
        idleTimeoutSeconds: z.number().positive().default(30),
        /** Seconds an idle keep-alive connection is kept between requests. */
        keepAliveTimeoutSeconds: z.number().positive().default(5),
        /** Open connections in all, and from one client address; more are closed at once. */
        maxConnections: z.number().int().positive().default(512),
        maxConnectionsPerAddress: z.number().int().positive().default(64),
        /** Live-stream (server-sent events) clients in all, and from one client address; more get 503. */
        maxLiveClients: z.number().int().positive().default(64),
        maxLiveClientsPerAddress: z.number().int().positive().default(8),
        /**
         * Reads of the API that carry ticket data (ticket lists and details, devices, statistics,
         * reports, the live stream, dead letters) need a staff token of any role, as writes always
         * do; a patrol then reads only the tickets of its buildings. New site files set it true; a
         * site file without it keeps reads open to anyone on the LAN, and the gateway says so at
         * start (`api.reads_open`). /healthz, /readyz, /metrics and the pages themselves stay open.
         */
        readsNeedToken: z.boolean().default(false),
        /** Serve HTTPS instead of HTTP with these PEM files (then publicUrl should be https://). */
        tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      })
      .prefault({}),
    dataDir: z.string().min(1).default('./data'),
    store: z
      .strictObject({
        /**
         * Bytes of journal (`store.journal`) after which it is folded into a new snapshot
         * (`store.json`); the snapshot's own size is used when larger. 0 turns the journal off: every
         * write rewrites the whole store (slower as it grows; kept for diagnosis and tests).
         */
        compactAfterBytes: z.number().int().min(0).default(4_000_000),
        /** Hours a closed and synced ticket stays live after its last change before it moves to `archive/`. */
        archiveClosedAfterHours: z.number().min(0).default(24),
        /**
         * Years a month file of the archive is kept; older ones are removed, logged. At least 5: the
         * after-sales response standard keeps repair records at least five years.
         */
        archiveRetentionYears: z
          .number()
          .int()
          .min(5, 'repair records are kept at least 5 years (the after-sales response standard): set 5 or more')
          .max(100)
          .default(5),
      })
      .prefault({}),
    log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    watchdog: z
      .strictObject({
        /**
         * Milliseconds the event loop may stand still before the process logs GW_EVENT_LOOP_STALLED
         * and is killed so its supervisor restarts it (gateway/watchdog.ts). 0 turns the watchdog off.
         */
        stallAfterMs: z.union([z.literal(0), z.number().int().min(1_000).max(600_000)]).default(30_000),
      })
      .prefault({}),
    contract: Contract,
    escalation: Escalation,
    repairs: Repairs,
    /** Photos staff take (patrol-found faults, repairs, re-checks): the largest one the gateway keeps, in bytes. */
    attachments: z.strictObject({ maxBytes: z.number().int().min(10_000).max(20_000_000).default(1_500_000) }).prefault({}),
    central: CentralService.optional(),
    /** Two gateways on one site (docs/high-availability.md); absent: this gateway runs alone and needs no etcd. */
    ha: HaConfig.optional(),
    alarms: AlarmsConfig,
    notify: NotifyConfig,
    users: z.array(User).default([]),
    /** BACnet/IP for the whole site: the BBMD the gateway registers with as a foreign device, where its broadcasts go otherwise. */
    bacnet: BacnetSite.prefault({}),
    devices: z.array(Device).min(1),
  })
  .superRefine((site, ctx) => {
    // A robot or webhook alert is read on a phone: its link must be an address the phone reaches.
    const phoneChannel = site.notify.channels.find((c) => c.type !== 'mqtt');
    if (phoneChannel !== undefined && site.http.publicUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', 'publicUrl'],
        message: `the ${phoneChannel.type} channel "${phoneChannel.id}" sends alerts with a link to the ticket page: set http.publicUrl to the address staff phones reach the gateway at on the site network (e.g. "http://192.168.10.20:8080"); without it the link points at this machine itself`,
      });
    }
    // Devices know one broker address: a pair reads the site's own broker, which both subscribe to.
    if (site.ha !== undefined && site.broker.mode === 'embedded') {
      ctx.addIssue({
        code: 'custom',
        path: ['broker', 'mode'],
        message: 'a pair of gateways (ha) cannot host the MQTT broker: devices know one address, and it would die with the gateway that hosts it. Run the site broker on its own (mosquitto or EMQX from their packages) and set broker.mode "external" on both gateways (docs/high-availability.md)',
      });
    }
    // A pair keeps each photo in etcd as one value, and etcd takes requests of 1.5 MiB at most.
    if (site.ha !== undefined && site.attachments.maxBytes > PAIR_PHOTO_MAX_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['attachments', 'maxBytes'],
        message: `a pair of gateways (ha) keeps each photo in etcd too, whose requests are 1.5 MiB at most: attachments.maxBytes must be at most ${PAIR_PHOTO_MAX_BYTES} (the pages scale photos down to 1600 px, well under it)`,
      });
    }
    for (const issue of crossReferenceIssues(site)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type SiteFileInput = z.input<typeof SiteFile>;
export type SiteConfig = z.infer<typeof SiteFile>;
