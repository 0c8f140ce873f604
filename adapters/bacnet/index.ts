import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { Adapter, AdapterEvents, AdapterStatus, StatusOptions, UpstreamStatus } from '../../core/adapter.js';
import { staggerPhase } from '../poll-phase.js';
import { AdapterLife } from '../adapter-life.js';
import { upstreamAdapterStatus } from '../status-parts.js';
import type { Reading } from '../../core/reading.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import { BacnetSession, loadStack, type StackModule } from './bacnet-session.js';
import type { BacnetSite, BacnetSource } from './config.js';
import { DeviceLink } from './device-link.js';
import type { RegistrationState } from './foreign-registration.js';
import { Internetwork } from './internetwork.js';
import type { RouterTable } from './router-table.js';

export interface BacnetAdapter extends Adapter {
  readonly kind: 'bacnet';
}

export interface BacnetAdapterOptions {
  readonly devices: ReadonlyArray<{ id: string; source: BacnetSource }>;
  /** Where the gateway's BACnet socket binds. Default 0.0.0.0 on a free port (COV notifications come back to it). */
  readonly bind?: { readonly host: string; readonly port: number };
  /** Retry backoff for a device that stopped answering, or a BBMD that refused (full jitter). Defaults 500 ms base, 30 s cap. */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
  /** The site file's `bacnet` block: the BBMD to register with, where broadcasts go without one. */
  readonly site?: BacnetSite;
}

export interface BacnetAdapterDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * Creates the BACnet/IP adapter. The stack is imported here, on demand (like OPC UA's): sites
 * without BACnet devices load none of it.
 */
export async function createBacnetAdapter(opts: BacnetAdapterOptions, deps: BacnetAdapterDeps): Promise<BacnetAdapter> {
  const stack = await loadStack();
  return new BacnetAdapterImpl(stack, opts, deps);
}


class BacnetAdapterImpl extends TypedEmitter<AdapterEvents> implements BacnetAdapter {
  readonly kind = 'bacnet' as const;
  readonly #stack: StackModule;
  readonly #opts: BacnetAdapterOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #life = new AdapterLife();
  #session: BacnetSession | null = null;
  #links: DeviceLink[] = [];
  #readings = 0;
  #lastGood: number | null = null;
  #lastError: string | null = null;
  readonly #errors: Record<string, number> = {};
  #nextProcessId = 1;
  #internetwork: Internetwork | null = null;
  /** Elapsed time each code was last logged: a flood of bad datagrams is counted, logged every 10 s. */
  readonly #loggedAt = new Map<string, number>();

  constructor(stack: StackModule, opts: BacnetAdapterOptions, deps: BacnetAdapterDeps) {
    super();
    this.#stack = stack;
    this.#opts = opts;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#links = this.#makeLinks(null, null);
  }

  async start(): Promise<void> {
    if (!this.#life.begin()) return;
    const maxTimeoutMs = Math.max(1000, ...this.#opts.devices.map((d) => d.source.timeoutMs));
    const session = new BacnetSession(this.#stack, {
      clock: this.#clock,
      bind: this.#opts.bind ?? { host: '0.0.0.0', port: 0 },
      maxTimeoutMs,
      onSocketError: (reason) => this.#problem(undefined, 'GW_BACNET_SOCKET', reason),
    });
    this.#session = session;
    try {
      const port = await session.open();
      this.#log.info({ event: 'bacnet.started', devices: this.#links.length, port }, 'bacnet adapter started');
    } catch (err: unknown) {
      // The socket cannot bind (address in use): every device is down until a restart; say so, never throw.
      const reason = err instanceof Error ? err.message : String(err);
      this.#problem(undefined, 'GW_BACNET_SOCKET', `cannot bind the BACnet socket: ${reason}`);
    }
    if (!this.#life.running()) return;
    await this.#startNetwork(session);
    if (!this.#life.running()) return;
    const n = this.#links.length;
    this.#links.forEach((l, i) => l.start(staggerPhase(i, n, this.#opts.devices[i]?.source.pollMs ?? 0)));
    this.emit('status', this.status());
  }

  /** The routers and the BBMD registration, before any device asks for a router. */
  async #startNetwork(session: BacnetSession): Promise<void> {
    const transport = session.transport;
    if (transport === null) return;
    const backoff = this.#opts.backoff ?? { baseMs: 500, capMs: 30_000 };
    const internetwork = Internetwork.join(transport, { site: this.#opts.site, sources: this.#opts.devices.map((d) => d.source), backoff }, { clock: this.#clock, onRegistration: (s) => this.#registration(s) });
    this.#internetwork = internetwork;
    this.#links = this.#makeLinks(session, internetwork.routes);
    await internetwork.register();
  }

  stop(): Promise<void> {
    return this.#life.stop(() => this.#stop(), () => this.#stopped());
  }

  async #stop(): Promise<void> {
    // Consumers before the socket they share: the links' timers, then their COV subscriptions
    // cancelled (each bounded: a device that is gone lets them lapse), then what keeps the
    // socket's registration and routes, then the socket.
    for (const l of this.#links) l.stop();
    await Promise.all(this.#links.map((l) => l.cancelSubscriptions()));
    this.#internetwork?.leave();
    this.#internetwork = null;
    await this.#session?.close();
    this.#session = null;
  }

  #stopped(): void {
    this.#log.info({ event: 'bacnet.stopped' }, 'bacnet adapter stopped');
    this.emit('status', this.status());
  }

  status(opts: StatusOptions = {}): AdapterStatus {
    const upstreams = this.#links.map((l) => l.upstreamStatus());
    const devices = this.#links.map((l) => l.status());
    const lastError = this.#lastError ?? upstreams.map((u) => u.lastError).find((e) => e !== null) ?? null;
    // Each BACnet device is its own upstream: connected only when every one is.
    const connected = (u: readonly UpstreamStatus[]): boolean => u.length > 0 && u.every((x) => x.state === 'online');
    return upstreamAdapterStatus('bacnet', this.#life.state, { readings: this.#readings, lastGood: this.#lastGood, errors: this.#errors, lastError }, upstreams, devices, { ...opts, connected });
  }


  #makeLinks(session: BacnetSession | null, routes: RouterTable | null): DeviceLink[] {
    return this.#opts.devices.map(
      (d) =>
        new DeviceLink(d.id, d.source, {
          // Before start() there is no socket; a link made for status() only is never started.
          session: session ?? (null as unknown as BacnetSession),
          routes,
          clock: this.#clock,
          log: this.#log,
          processId: this.#nextProcessId++ & 0x3fffff,
          backoff: this.#opts.backoff ?? { baseMs: 500, capMs: 30_000 },
          hooks: {
            reading: (r) => this.#reading(r),
            upstream: (u, up) => this.#upstream(u, up),
            problem: (deviceId, code, reason, pointId) => this.#problem(deviceId, code, reason, pointId),
          },
        }),
    );
  }

  // Hot path: one call per point per poll or notification.
  #reading(r: Reading): void {
    if (!this.#life.running()) return;
    this.#readings += 1;
    if (r.quality === 'good') this.#lastGood = r.ts;
    this.emit('reading', r);
  }

  #upstream(u: UpstreamStatus, up: boolean): void {
    if (!this.#life.running()) return;
    if (up) {
      this.#log.info({ event: 'bacnet.device_answering', deviceIds: u.deviceIds, address: u.address }, 'bacnet device answering');
    } else {
      this.#lastError = `${u.address}: ${u.lastError ?? 'not answering'}`;
      // Once per outage (the link reports it once), so a dead device is one line, not one per retry.
      this.#log.warn({ event: 'bacnet.device_silent', deviceIds: u.deviceIds, address: u.address, reason: u.lastError }, 'bacnet device stopped answering');
      this.emit('error', { code: (u.lastError ?? 'GW_BACNET_TIMEOUT').split(':')[0] ?? 'GW_BACNET_TIMEOUT', message: u.lastError ?? 'not answering', ...(u.deviceIds[0] === undefined ? {} : { deviceId: u.deviceIds[0] }) });
    }
    this.emit('upstream', { upstream: u, up, ts: this.#clock.now() });
    this.emit('status', this.status());
  }

  /** Said once per change: a BBMD that keeps refusing is one line, and one line when it accepts. */
  #registration(s: RegistrationState): void {
    if (!this.#life.running()) return;
    if (s.state === 'registered') {
      this.#log.info({ event: 'bacnet.bbmd_registered', bbmd: s.bbmd, ttlSeconds: s.ttlSeconds }, 'bacnet gateway registered as a foreign device');
      return;
    }
    if (s.state === 'refused' || s.state === 'silent') this.#problem(undefined, s.code, s.reason);
  }

  #problem(deviceId: string | undefined, code: string, reason: string, pointId?: string): void {
    this.#lastError = `${deviceId ?? 'bacnet'}: ${code}: ${reason}`;
    if (deviceId === undefined) this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    const key = `${code}/${deviceId ?? ''}/${pointId ?? ''}`;
    const at = this.#loggedAt.get(key);
    const now = this.#clock.monotonic();
    if (at === undefined || now - at >= 10_000) {
      this.#loggedAt.set(key, now);
      this.#log.warn({ event: 'bacnet.problem', code, deviceId, pointId, reason }, 'bacnet problem');
    }
    this.emit('error', { code, message: reason, ...(deviceId === undefined ? {} : { deviceId }), ...(pointId === undefined ? {} : { pointId }) });
  }
}
