import { z } from 'zod';
import { SecretRef } from '../../core/schema-parts.js';
import { UPS_MIB_POINTS } from './ups-mib.js';
import { SnmpPoint } from './point-schema.js';

/** SNMPv3 user (USM, RFC 3414). Keys are secrets: `{ "env": "UPS_AUTH_KEY" }` keeps them out of the file. */
export const SnmpUser = z.strictObject({
  name: z.string().min(1).max(32),
  level: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']).default('authPriv'),
  authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).default('sha'),
  authKey: SecretRef.optional(),
  privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).default('aes'),
  privKey: SecretRef.optional(),
});
export type SnmpUser = z.infer<typeof SnmpUser>;

export const SnmpSource = z
  .strictObject({
    protocol: z.literal('snmp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(161),
    version: z.enum(['2c', '3']).default('2c'),
    /** v2c community (a secret: it is the password). */
    community: SecretRef.optional(),
    /** v3 user. */
    user: SnmpUser.optional(),
    /** A ready point set: `ups-mib` (RFC 1628) gives onBattery, batteryStatus, batteryChargePercent... */
    mapping: z.enum(['ups-mib']).optional(),
    pollMs: z.number().int().min(100).default(5000),
    /** Bound on one GET; a poll that gets no answer after `retries` more tries reads bad with GW_SNMP_TIMEOUT. */
    timeoutMs: z.number().int().min(50).max(60_000).default(2000),
    retries: z.number().int().min(0).max(5).default(1),
    /** OIDs per GET request; more points are split over several requests of one poll. */
    maxOidsPerGet: z.number().int().min(1).max(128).default(32),
    /** UDP port the gateway receives this device's traps on (162 is the standard one); omitted: no traps, polls only. */
    trapPort: z.number().int().min(1).max(65535).optional(),
    /** The gateway's address the trap port listens on: 0.0.0.0 every interface, or the one on the UPS's network. */
    trapHost: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, 'expected an IPv4 address of this machine, such as "192.168.10.20" or "0.0.0.0"').default('0.0.0.0'),
    /** Explicit points, beside (or overriding by id) the mapping's. */
    points: z.array(SnmpPoint).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.version === '2c' && s.community === undefined) ctx.addIssue({ code: 'custom', path: ['community'], message: 'SNMP v2c needs a community' });
    if (s.version === '3') {
      if (s.user === undefined) ctx.addIssue({ code: 'custom', path: ['user'], message: 'SNMP v3 needs a user' });
      else {
        if (s.user.level !== 'noAuthNoPriv' && s.user.authKey === undefined) ctx.addIssue({ code: 'custom', path: ['user', 'authKey'], message: `security level ${s.user.level} needs an authKey` });
        if (s.user.level === 'authPriv' && s.user.privKey === undefined) ctx.addIssue({ code: 'custom', path: ['user', 'privKey'], message: 'security level authPriv needs a privKey' });
      }
    }
    if (s.mapping === undefined && s.points.length === 0) ctx.addIssue({ code: 'custom', path: ['points'], message: 'expected at least one point, or a mapping such as "ups-mib"' });
    s.points.forEach((p, i) => {
      if (p.otherwise !== undefined && p.map === undefined) ctx.addIssue({ code: 'custom', path: ['points', i, 'otherwise'], message: 'otherwise applies with map only' });
    });
  })
  // The mapping's points become ordinary points here, so rules, names and checks see them all.
  .transform((s) => ({ ...s, points: withMapping(s.mapping, s.points) }));
export type SnmpSource = z.infer<typeof SnmpSource>;

/** How long the agent may stay silent before it is offline: three poll periods (one lost UDP answer is not an outage). */
export function silenceWindowMs(s: SnmpSource): number {
  return 3 * s.pollMs;
}

function withMapping(mapping: 'ups-mib' | undefined, explicit: SnmpPoint[]): SnmpPoint[] {
  if (mapping === undefined) return explicit;
  const own = new Set(explicit.map((p) => p.id));
  const ready = UPS_MIB_POINTS.filter((p) => !own.has(p.id)).map((p) => SnmpPoint.parse(p));
  return [...ready, ...explicit];
}
