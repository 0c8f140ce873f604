import type { Reading } from './reading.js';
import type { TypedEmitter } from './typed-emitter.js';

export type AdapterKind = 'mqtt' | 'modbus' | 'opcua' | 'bacnet' | 'http' | 'snmp';

/** Lifecycle of an adapter or of one of its upstream connections. */
export type LinkState = 'idle' | 'connecting' | 'online' | 'backoff' | 'stopping' | 'stopped';

export interface DeviceLinkStatus {
  readonly deviceId: string;
  readonly state: 'unknown' | 'good' | 'bad';
  readonly lastGoodReadingTs: number | null;
  /** Counts per error code, e.g. { GW_MQTT_DECODE: 3, GW_MODBUS_TIMEOUT: 1 }. */
  readonly errors: Readonly<Record<string, number>>;
  readonly lastError: string | null;
}

/**
 * A shared connection several devices sit behind: the external MQTT broker, a Modbus TCP
 * gateway (host:port), an OPC UA endpoint; a BACnet/IP device is its own upstream (one device, one address). When it is down, the gateway raises one ticket for it
 * and holds back the device-offline tickets of the devices behind it.
 */
export interface UpstreamStatus {
  readonly id: string;
  readonly kind: 'mqtt-broker' | 'modbus-tcp' | 'modbus-rtu' | 'opcua-server' | 'bacnet-device' | 'snmp-agent';
  readonly address: string;
  readonly state: LinkState;
  readonly deviceIds: readonly string[];
  readonly since: number;
  readonly lastError: string | null;
  readonly reconnects: number;
}

export interface AdapterStatus {
  readonly kind: AdapterKind;
  readonly state: LinkState;
  readonly connected: boolean;
  readonly lastGoodReadingTs: number | null;
  readonly readings: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly lastError: string | null;
  readonly upstreams: readonly UpstreamStatus[];
  readonly devices: readonly DeviceLinkStatus[];
}

/** Emitted when a shared upstream goes down or comes back. */
export interface UpstreamChange {
  readonly upstream: UpstreamStatus;
  readonly up: boolean;
  readonly ts: number;
}

/** Errors never throw out of an adapter: they are counted, logged at a bounded rate and emitted. */
export interface AdapterError {
  readonly code: string;
  readonly message: string;
  readonly deviceId?: string;
  readonly pointId?: string;
}

export type AdapterEvents = {
  reading: [Reading];
  status: [AdapterStatus];
  upstream: [UpstreamChange];
  error: [AdapterError];
};

/** What a status is asked for: `devices: false` leaves out the per-device list (metrics, /readyz), so asking costs the same at 200 points and 200,000. */
export interface StatusOptions {
  readonly devices?: boolean;
}

export interface Adapter extends Pick<TypedEmitter<AdapterEvents>, 'on' | 'off' | 'once'> {
  readonly kind: AdapterKind;
  /** Idempotent. Resolves once the adapter has begun connecting; never rejects for comm loss. */
  start(): Promise<void>;
  /** Idempotent. Releases every socket, timer and file. */
  stop(): Promise<void>;
  /** With `{ devices: false }`, `devices` is empty and nothing walks the devices. */
  status(opts?: StatusOptions): AdapterStatus;
}
