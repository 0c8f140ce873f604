import type { Adapter, AdapterEvents, AdapterStatus, StatusOptions, UpstreamStatus } from '../../core/adapter.js';
import { AdapterLife } from '../adapter-life.js';
import { upstreamAdapterStatus } from '../status-parts.js';
import type { Reading } from '../../core/reading.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { ModbusSource } from './config.js';
import { ConnectionPool } from './connection-pool.js';
import type { ModbusConnection, ModbusErrorCode } from './connection.js';
import { DevicePoller } from './device-poller.js';
import { staggerPhase } from '../poll-phase.js';

export interface ModbusDeviceConfig {
  readonly id: string;
  readonly source: ModbusSource;
}

export interface ModbusAdapterOptions {
  readonly devices: ReadonlyArray<ModbusDeviceConfig>;
  /** Unmapped registers/bits read to join two neighbours into one request. Default 8. */
  readonly maxGap?: number;
  /** Bound on opening a TCP connection. Default 3000 ms. */
  readonly connectTimeoutMs?: number;
  /** Bound on closing one link (socket or serial port) in stop(); past it, log and go on. Default 2000 ms. */
  readonly closeTimeoutMs?: number;
  /** Reconnect backoff (full jitter). Defaults 500 ms base, 30 s cap. */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
}

export interface ModbusAdapterDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ModbusAdapter extends Adapter {
  readonly kind: 'modbus';
}

class ModbusAdapterImpl extends TypedEmitter<AdapterEvents> implements ModbusAdapter {
  readonly kind = 'modbus' as const;
  readonly #opts: ModbusAdapterOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #life = new AdapterLife();
  #pool: ConnectionPool | null = null;
  #pollers: Array<{ poller: DevicePoller; conn: ModbusConnection }> = [];
  readonly #retired: DevicePoller[] = [];
  #readings = 0;
  #lastGood: number | null = null;
  #lastError: string | null = null;
  readonly #errors: Record<string, number> = {};

  constructor(opts: ModbusAdapterOptions, deps: ModbusAdapterDeps) {
    super();
    this.#opts = opts;
    this.#clock = deps.clock;
    // The caller binds `component` (app.ts: adapter.modbus); binding it again wrote the key twice a line.
    this.#log = deps.log;
  }

  start(): Promise<void> {
    if (!this.#life.begin()) return Promise.resolve();
    const pool = new ConnectionPool({
      clock: this.#clock,
      log: this.#log,
      connectTimeoutMs: this.#opts.connectTimeoutMs ?? 3000,
      closeTimeoutMs: this.#opts.closeTimeoutMs ?? 2000,
      backoff: this.#opts.backoff ?? { baseMs: 500, capMs: 30_000 },
      onUpstreamChange: (upstream, up) => this.#upstreamChanged(upstream, up),
    });
    this.#pool = pool;
    const hooks = {
      reading: (r: Reading) => this.#reading(r),
      changed: (deviceId: string, error: { code: ModbusErrorCode; reason: string } | null) => this.#deviceChanged(deviceId, error),
    };
    const n = this.#opts.devices.length;
    this.#pollers = this.#opts.devices.map((d, i) => {
      const conn = pool.acquire(d.id, d.source);
      const poller = new DevicePoller(d.id, d.source, conn, this.#clock, hooks, this.#opts.maxGap ?? 8);
      poller.start(staggerPhase(i, n, d.source.pollMs));
      return { poller, conn };
    });
    this.#log.info({ event: 'modbus.started', devices: n, upstreams: pool.connections().length }, 'modbus adapter started');
    this.emit('status', this.status());
    return Promise.resolve();
  }

  /** Resolves once every socket and serial port is closed (each bounded by closeTimeoutMs). */
  stop(): Promise<void> {
    return this.#life.stop(() => this.#stop(), () => this.#stopped());
  }

  async #stop(): Promise<void> {
    // Consumers before the shared connections they use.
    for (const { poller } of this.#pollers) poller.stop();
    const pool = this.#pool;
    const closing = pool === null ? [] : this.#pollers.map(({ poller, conn }) => pool.release(poller.deviceId, conn));
    this.#retired.push(...this.#pollers.map((p) => p.poller));
    this.#pollers = [];
    await Promise.all(closing);
  }

  #stopped(): void {
    this.#log.info({ event: 'modbus.stopped' }, 'modbus adapter stopped');
    this.emit('status', this.status());
  }

  status(opts: StatusOptions = {}): AdapterStatus {
    const upstreams = this.#pool?.connections().map((c) => c.status()) ?? [];
    const devices = (this.#pollers.length > 0 ? this.#pollers.map((p) => p.poller) : this.#retired).map((p) => p.status());
    // Per-request errors live on the devices; the adapter adds link losses (counted once each).
    return upstreamAdapterStatus('modbus', this.#life.state, { readings: this.#readings, lastGood: this.#lastGood, errors: this.#errors, lastError: this.#lastError }, upstreams, devices, opts);
  }


  // Hot path: one call per point per poll. Keep it to counters and one emit.
  #reading(r: Reading): void {
    this.#readings += 1;
    if (r.quality === 'good') this.#lastGood = r.ts;
    this.emit('reading', r);
  }

  #deviceChanged(deviceId: string, error: { code: ModbusErrorCode; reason: string } | null): void {
    if (error !== null) {
      this.#lastError = `${deviceId}: ${error.code}: ${error.reason}`;
      // Logged and emitted on change only: a dead device polled every second stays one line.
      this.#log.warn({ event: 'modbus.read_failed', deviceId, code: error.code, reason: error.reason }, 'modbus device read failed');
      this.emit('error', { code: error.code, message: error.reason, deviceId });
    } else {
      this.#log.info({ event: 'modbus.device_answering', deviceId }, 'modbus device answering');
    }
    this.emit('status', this.status());
  }

  #upstreamChanged(upstream: UpstreamStatus, up: boolean): void {
    if (!this.#life.running()) return;
    // Link losses are counted per device read (GW_MODBUS_CONNECTION) and in upstream.reconnects.
    if (!up) {
      this.#lastError = `${upstream.address}: ${upstream.lastError ?? 'down'}`;
    }
    this.emit('upstream', { upstream, up, ts: this.#clock.now() });
    this.emit('status', this.status());
  }
}

/** Sync factory: nothing is opened until start(). */
export function createModbusAdapter(opts: ModbusAdapterOptions, deps: ModbusAdapterDeps): ModbusAdapter {
  return new ModbusAdapterImpl(opts, deps);
}
