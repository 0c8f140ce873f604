import { z } from 'zod';
import { Identifier, SecretRef, ValueRange, PointName } from '../../core/schema-parts.js';

export const OpcuaPoint = z.strictObject({
  id: Identifier,
  name: PointName.optional(),
  /** e.g. `ns=1;s=Elevator1.DoorsClosed` */
  nodeId: z.string().min(1),
  samplingMs: z.number().int().min(0).optional(),
  queueSize: z.number().int().min(1).default(10),
  deadband: z.strictObject({ type: z.enum(['absolute', 'percent']), value: z.number().min(0) }).optional(),
  unit: z.string().optional(),
  range: ValueRange.optional(),
});
export type OpcuaPoint = z.infer<typeof OpcuaPoint>;

export const OpcuaSource = z.strictObject({
  protocol: z.literal('opcua'),
  endpoint: z.string().regex(/^opc\.tcp:\/\//, 'expected an opc.tcp:// URL'),
  securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
  securityPolicy: z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']).default('None'),
  username: z.string().optional(),
  password: SecretRef.optional(),
  samplingMs: z.number().int().min(0).default(1000),
  publishingMs: z.number().int().min(50).default(1000),
  points: z.array(OpcuaPoint).min(1),
});
export type OpcuaSource = z.infer<typeof OpcuaSource>;

/**
 * None: a subscription reports changes only, so a quiet elevator sends nothing and is not offline.
 * The session and the subscription watchdog judge OPC UA liveness (upstream-offline).
 */
export function silenceWindowMs(_s: OpcuaSource): null {
  return null;
}
