import type { DataValue } from 'node-opcua-client';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { Adapter, AdapterEvents, AdapterStatus, DeviceLinkStatus, LinkState, StatusOptions, UpstreamStatus } from '../../core/adapter.js';
import type { ReadingValue } from '../../core/reading.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { OpcuaSource } from './config.js';
import { EndpointSession, type MonitoredPoint, type Sdk } from './endpoint-session.js';
import { qualityOf } from './status-quality.js';
import { routeSdkLogs } from './sdk-log.js';

export interface OpcuaAdapter extends Adapter {
  readonly kind: 'opcua';
}

/** One endpoint's session and what the adapter knows of it; `up` is null until the first outcome. */
interface SessionEntry {
  readonly endpoint: string;
  readonly session: EndpointSession;
  readonly deviceIds: readonly string[];
  readonly points: readonly MonitoredPoint[];
  since: number;
  up: boolean | null;
}

interface DeviceEntry {
  lastGoodReadingTs: number | null;
  state: DeviceLinkStatus['state'];
  errors: Record<string, number>;
  lastError: string | null;
}

/**
 * Creates the OPC UA adapter. The SDK is imported here, on demand: it costs ~110 MB of memory,
 * which sites without OPC UA devices must not pay (no static import of node-opcua-client).
 */
export interface OpcuaAdapterOptions {
  readonly devices: ReadonlyArray<{ id: string; source: OpcuaSource }>;
  /** The client certificate lives in `{dataDir}/pki`. */
  readonly dataDir: string;
  /** Reconnect backoff per endpoint (full jitter). Defaults 500 ms base, 30 s cap. */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
}

export async function createOpcuaAdapter(opts: OpcuaAdapterOptions, deps: { clock: Clock; log: Logger; env?: NodeJS.ProcessEnv }): Promise<OpcuaAdapter> {
  const sdk = await import('node-opcua-client');
  routeSdkLogs(sdk, deps.log);
  return new OpcuaAdapterImpl(sdk, opts, deps);
}

class OpcuaAdapterImpl extends TypedEmitter<AdapterEvents> implements OpcuaAdapter {
  readonly kind = 'opcua' as const;
  readonly #sessions: SessionEntry[] = [];
  readonly #devices = new Map<string, DeviceEntry>();
  readonly #clock: Clock;
  #state: LinkState = 'idle';
  #readings = 0;
  readonly #errors: Record<string, number> = {};

  constructor(sdk: Sdk, opts: OpcuaAdapterOptions, deps: { clock: Clock; log: Logger; env?: NodeJS.ProcessEnv }) {
    super();
    this.#clock = deps.clock;
    const byEndpoint = new Map<string, { source: OpcuaSource; points: MonitoredPoint[]; deviceIds: string[] }>();
    for (const d of opts.devices) {
      this.#devices.set(d.id, { lastGoodReadingTs: null, state: 'unknown', errors: {}, lastError: null });
      const group = byEndpoint.get(d.source.endpoint) ?? { source: d.source, points: [], deviceIds: [] };
      group.deviceIds.push(d.id);
      for (const p of d.source.points) {
        group.points.push({ deviceId: d.id, pointId: p.id, nodeId: p.nodeId, samplingMs: p.samplingMs ?? d.source.samplingMs, queueSize: p.queueSize, deadband: p.deadband });
      }
      byEndpoint.set(d.source.endpoint, group);
    }
    for (const [endpoint, g] of byEndpoint) {
      // The session reports its state through the entry that will hold it, so look it up lazily.
      let entry: SessionEntry | undefined;
      const session = new EndpointSession(
        sdk,
        g.source,
        g.points,
        {
          value: (p, dv) => this.#onValue(p, dv),
          state: (s, reason) => {
            if (entry !== undefined) this.#onSessionState(entry, s, reason);
          },
          stalled: (reason) => {
            this.#count(undefined, 'GW_OPCUA_SUBSCRIPTION_STALLED', reason);
            this.emit('error', { code: 'GW_OPCUA_SUBSCRIPTION_STALLED', message: `${endpoint}: ${reason}; re-creating the subscription` });
          },
        },
        { clock: deps.clock, log: deps.log.child({ endpoint }), dataDir: opts.dataDir, env: deps.env ?? process.env, backoff: opts.backoff },
      );
      entry = { endpoint, deviceIds: g.deviceIds, points: g.points, since: deps.clock.now(), up: null, session };
      this.#sessions.push(entry);
    }
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    this.#state = 'connecting';
    for (const s of this.#sessions) s.session.start();
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    await Promise.all(this.#sessions.map((s) => s.session.stop()));
    this.#state = 'stopped';
  }

  status(opts: StatusOptions = {}): AdapterStatus {
    let last: number | null = null;
    for (const d of this.#devices.values()) if (d.lastGoodReadingTs !== null && (last === null || d.lastGoodReadingTs > last)) last = d.lastGoodReadingTs;
    const upstreams = this.#sessions.map((s) => this.#upstream(s));
    return {
      kind: 'opcua',
      state: this.#state,
      connected: upstreams.length > 0 && upstreams.every((u) => u.state === 'online'),
      lastGoodReadingTs: last,
      readings: this.#readings,
      errors: { ...this.#errors },
      lastError: this.#sessions.map((s) => s.session.lastError).find((e) => e !== null) ?? null,
      upstreams,
      devices: opts.devices === false ? [] : [...this.#devices].map(([deviceId, d]) => ({ deviceId, state: d.state, lastGoodReadingTs: d.lastGoodReadingTs, errors: { ...d.errors }, lastError: d.lastError })),
    };
  }

  #upstream(s: SessionEntry): UpstreamStatus {
    return { id: `opcua:${s.endpoint}`, kind: 'opcua-server', address: s.endpoint, state: s.session.state, deviceIds: s.deviceIds, since: s.since, lastError: s.session.lastError, reconnects: s.session.reconnects };
  }

  #onValue(p: MonitoredPoint, dv: DataValue): void {
    const quality = qualityOf(dv.statusCode.value);
    const ts = dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? this.#clock.now();
    const d = this.#devices.get(p.deviceId);
    const raw: unknown = dv.value?.value;
    const value = toReadingValue(raw);
    if (quality === 'bad' || value === undefined) {
      const code = quality === 'bad' ? 'GW_OPCUA_BAD_STATUS' : 'GW_READING_INVALID';
      const reason = quality === 'bad' ? dv.statusCode.name : `unsupported value type ${typeof raw}`;
      this.#count(p.deviceId, code, `${p.pointId}: ${reason}`);
      this.emit('reading', { deviceId: p.deviceId, pointId: p.pointId, value: null, quality: 'bad', ts, reason });
      this.emit('error', { code, message: reason, deviceId: p.deviceId, pointId: p.pointId });
      return;
    }
    this.#readings += 1;
    if (d !== undefined && quality === 'good') {
      d.lastGoodReadingTs = ts;
      d.state = 'good';
    }
    this.emit('reading', { deviceId: p.deviceId, pointId: p.pointId, value, quality, ts, ...(quality === 'good' ? {} : { reason: dv.statusCode.name }) });
  }

  #onSessionState(s: SessionEntry, state: LinkState, reason: string | null): void {
    s.since = this.#clock.now();
    if (state === 'online') {
      this.#state = 'online';
      if (s.up !== true) this.emit('upstream', { upstream: this.#upstream(s), up: true, ts: this.#clock.now() });
      s.up = true;
    } else if (state === 'backoff') {
      // Report the endpoint down once per outage, not on every failed reconnect.
      if (s.up === false) return;
      s.up = false;
      if (this.#state === 'online' || this.#state === 'connecting') this.#state = 'backoff';
      const ts = this.#clock.now();
      this.#count(undefined, 'GW_OPCUA_CONNECTION', reason ?? 'connection lost');
      this.emit('upstream', { upstream: this.#upstream(s), up: false, ts });
      for (const id of s.deviceIds) {
        const d = this.#devices.get(id);
        if (d !== undefined) d.state = 'bad';
      }
      // Comm loss is quality bad on every point behind the endpoint, as on the other adapters.
      for (const p of s.points) this.emit('reading', { deviceId: p.deviceId, pointId: p.pointId, value: null, quality: 'bad', ts, reason: 'GW_OPCUA_CONNECTION' });
    }
    this.emit('status', this.status());
  }

  #count(deviceId: string | undefined, code: string, message: string): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    const d = deviceId === undefined ? undefined : this.#devices.get(deviceId);
    if (d !== undefined) {
      d.errors[code] = (d.errors[code] ?? 0) + 1;
      d.lastError = `${code}: ${message}`;
    }
  }
}

function toReadingValue(v: unknown): ReadingValue | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}
