import { z } from 'zod';
import { PayloadDecoder } from '../decode/payload-decoder.js';
import { Identifier, SecretRef, ValueRange, PointName, sharedDefault } from '../../core/schema-parts.js';

/** How a payload becomes a value (shared with the HTTP push adapter: adapters/decode/payload-decoder.ts). */
export const MqttDecoder = PayloadDecoder;
export type MqttDecoder = PayloadDecoder;

export const MqttPoint = z.strictObject({
  id: Identifier,
  name: PointName.optional(),
  /** Overrides the device topic pattern for this point. */
  topic: z.string().min(1).optional(),
  decoder: MqttDecoder.default(sharedDefault<MqttDecoder>({ type: 'json', path: 'value' })),
  unit: z.string().optional(),
  range: ValueRange.optional(),
});

export const MqttSource = z.strictObject({
  protocol: z.literal('mqtt'),
  /**
   * Topic pattern with `{deviceId}` and `{pointId}` placeholders; default
   * `site/{deviceId}/{pointId}`. A device may publish only to topics its pattern matches.
   */
  topic: z.string().min(1).default('site/{deviceId}/{pointId}'),
  /** Credentials the device uses on the embedded broker (ignored on an external broker). */
  username: z.string().min(1).optional(),
  password: SecretRef.optional(),
  /** The device must be heard at least this often, or it is offline (seconds). */
  heartbeatSeconds: z.number().positive().default(300),
  /**
   * Topic filters this device may subscribe to on the embedded broker (e.g. `site/{deviceId}/cmd/#`,
   * placeholders filled). Default none: a device publishes its own topics and reads nothing.
   */
  subscribe: z.array(z.string().min(1)).optional(),
  points: z.array(MqttPoint).min(1),
});
export type MqttSource = z.infer<typeof MqttSource>;

/** How long the device may stay silent before it is offline: its heartbeat window (it publishes at least that often). */
export function silenceWindowMs(s: MqttSource): number {
  return s.heartbeatSeconds * 1000;
}

/** A broker login that reads (subscribes) and never publishes: a staff console, an alert reader. */
export const BrokerLogin = z.strictObject({
  username: z.string().min(1),
  password: SecretRef,
  /** Topic filters it may subscribe to (MQTT wildcards allowed); a subscription must fall inside one. */
  subscribe: z.array(z.string().min(1)).min(1),
});
export type BrokerLogin = z.infer<typeof BrokerLogin>;

export const EmbeddedBroker = z.strictObject({
  mode: z.literal('embedded'),
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(1883),
  /** Largest accepted publish payload in bytes; larger ones are refused and counted. */
  maxPayloadBytes: z.number().int().positive().default(16_384),
  /** Allow devices without credentials (lab use only). */
  allowAnonymous: z.boolean().default(false),
  /**
   * Largest MQTT packet in bytes (any packet, before and after login); one declaring more is refused
   * as soon as its fixed header is read. Default maxPayloadBytes + 4,096 (topic and header).
   */
  maxPacketBytes: z.number().int().min(256).optional(),
  /** Connections not yet logged in, in all (default 256) and from one address (default 64); more are closed at once. */
  maxPendingLogins: z.number().int().positive().optional(),
  maxPendingLoginsPerAddress: z.number().int().positive().optional(),
  /** Seconds a connection has to log in (CONNECT accepted) before it is closed (default 10). */
  loginTimeoutSeconds: z.number().positive().optional(),
  /**
   * Logins that are not devices: staff consoles and alert readers. Each may subscribe to its own
   * filters only (e.g. `alerts/#`) and publish nothing.
   */
  logins: z.array(BrokerLogin).optional(),
  /** An mqtts listener beside the plain one: certificate and key files (PEM), and its port (default 8883). */
  tls: z.strictObject({ port: z.number().int().min(0).max(65535).default(8883), certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
});

export const ExternalBroker = z.strictObject({
  mode: z.literal('external'),
  url: z.string().regex(/^(mqtts?|wss?):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL'),
  username: z.string().optional(),
  password: SecretRef.optional(),
  clientId: z.string().min(1).optional(),
  /**
   * Seconds between MQTT keep-alives. The broker publishes the gateway's last will
   * (`status/gateway/{siteId}` offline) when it hears nothing for 1.5 times this: a dead gateway
   * machine shows on the broker within that.
   */
  keepaliveSeconds: z.number().int().min(1).max(65_535).default(60),
  caFile: z.string().optional(),
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  maxPayloadBytes: z.number().int().positive().default(16_384),
});

export type ExternalBrokerConfig = z.infer<typeof ExternalBroker>;

export const BrokerConfig = z.discriminatedUnion('mode', [EmbeddedBroker, ExternalBroker]);
export type BrokerConfig = z.infer<typeof BrokerConfig>;
