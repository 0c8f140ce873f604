import type { DeviceLinkStatus, LinkState, UpstreamStatus } from '../../core/adapter.js';
import { Backoff } from '../../core/backoff.js';
import type { Reading } from '../../core/reading.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { BacnetSession, CovValues } from './bacnet-session.js';
import type { BacnetSource } from './config.js';
import { CovSubscriptions } from './cov-subscriptions.js';
import { deviceAddress, stackReceiver, type DeviceAddress, type StackReceiver } from './device-address.js';
import { linkPoints, type LinkFailure, type LinkPoint } from './link-point.js';
import { DEVICE_OBJECT_TYPE, PROP } from './object-types.js';
import { PointReader } from './point-reader.js';
import type { RouterTable } from './router-table.js';

export interface LinkHooks {
  readonly reading: (r: Reading) => void;
  /** The device stopped answering (up=false, once per outage) or answers again (up=true). */
  readonly upstream: (status: UpstreamStatus, up: boolean) => void;
  /** A coded problem worth a person's attention (logged on change by the adapter). */
  readonly problem: (deviceId: string, code: string, reason: string, pointId?: string) => void;
}

export interface LinkDeps {
  readonly session: BacnetSession;
  /** Routers to the networks of routed devices (null before start: a link made for status() only). */
  readonly routes: RouterTable | null;
  readonly clock: Clock;
  readonly log: Logger;
  readonly hooks: LinkHooks;
  readonly processId: number;
  readonly backoff: { baseMs: number; capMs: number };
}

/**
 * One BACnet device, on the gateway's IP network or behind a router: finds the router when the
 * site file names none, reads the points, subscribes to COV where asked (cov-subscriptions.ts),
 * polls what is not subscribed, and between notifications reads the device object's
 * system-status every pollMs, so a device gone quiet is noticed within a poll period, not a
 * lifetime. A device that stops answering is one upstream down, reported once; it is retried with
 * capped backoff and re-subscribed when it answers (a restarted device has forgotten its subscribers).
 */
export class DeviceLink {
  readonly deviceId: string;
  readonly #src: BacnetSource;
  readonly #where: DeviceAddress;
  readonly #d: LinkDeps;
  readonly #points: LinkPoint[];
  readonly #backoff: Backoff;
  readonly #reader: PointReader;
  readonly #cov: CovSubscriptions;
  #state: LinkState = 'idle';
  #timer: TimerHandle | null = null;
  #busy = false;
  /** Where requests go: the device, or its router with DNET/DADR; found at each first contact. */
  #to: StackReceiver | null = null;
  #everUp = false;
  #reportedDown = false;
  #since: number;
  #reconnects = 0;
  #lastError: string | null = null;
  #health: DeviceLinkStatus['state'] = 'unknown';
  readonly #errors: Record<string, number> = {};
  polls = 0;

  constructor(deviceId: string, src: BacnetSource, deps: LinkDeps) {
    this.deviceId = deviceId;
    this.#src = src;
    this.#where = deviceAddress(src);
    this.#d = deps;
    this.#backoff = new Backoff(deps.backoff);
    this.#since = deps.clock.now();
    this.#points = linkPoints(src);
    const count = (code: string): void => {
      this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    };
    this.#reader = new PointReader({ deviceId, session: deps.session, clock: deps.clock, log: deps.log, timeoutMs: src.timeoutMs, reading: deps.hooks.reading, count });
    this.#cov = new CovSubscriptions(src, {
      session: deps.session,
      clock: deps.clock,
      processId: deps.processId,
      refused: (p, reason) => {
        count('GW_BACNET_COV_REFUSED');
        deps.hooks.problem(deviceId, 'GW_BACNET_COV_REFUSED', `${reason}; point ${p.id} is polled every ${src.pollMs} ms instead`, p.id);
      },
      renew: () => void this.#cycle(),
    });
  }

  get state(): LinkState {
    return this.#state;
  }

  start(phaseMs: number): void {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    this.#state = 'connecting';
    this.#cov.reset();
    this.#d.session.onCov(this.#d.processId, (v) => this.#onCov(v));
    this.#schedule(phaseMs);
  }

  /** Stops its timers; notifications are no longer taken. Subscriptions stay until cancelSubscriptions(). */
  stop(): void {
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = null;
    this.#d.session.offCov(this.#d.processId);
  }

  /** After stop(), before the socket closes: cancels what the device still holds (bounded). */
  cancelSubscriptions(): Promise<void> {
    return this.#cov.cancel(this.#points);
  }

  upstreamStatus(): UpstreamStatus {
    return {
      id: `bacnet://${this.#where.key}`,
      kind: 'bacnet-device',
      address: `${this.#label()} device ${this.#src.deviceInstance}`,
      state: this.#state,
      deviceIds: [this.deviceId],
      since: this.#since,
      lastError: this.#lastError,
      reconnects: this.#reconnects,
    };
  }

  status(): DeviceLinkStatus {
    return { deviceId: this.deviceId, state: this.#health, lastGoodReadingTs: this.#reader.lastGood, errors: { ...this.#errors }, lastError: this.#lastError };
  }

  /** Points read by polling now (cov off, or refused by the device). */
  polledPoints(): string[] {
    return this.#points.filter((p) => p.mode === 'poll').map((p) => p.id);
  }

  #label(): string {
    const router = this.#where.route === null ? null : (this.#to?.address ?? this.#where.route.router);
    return router === null ? this.#where.label : `${this.#where.label} via router ${router}`;
  }

  #schedule(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#d.clock.setTimeout(() => void this.#cycle(), ms);
  }

  async #cycle(): Promise<void> {
    if (this.#busy || this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#busy = true;
    this.polls += 1;
    try {
      const failure = await this.#work();
      if ((this.#state as LinkState) === 'stopped') return;
      if (failure !== null) this.#down(failure);
      this.#schedule(failure === null ? this.#src.pollMs : this.#backoff.next());
    } finally {
      this.#busy = false;
    }
  }

  /** One round: null when the device answered, else why it counts as down. */
  async #work(): Promise<LinkFailure | null> {
    let to = this.#to;
    if (this.#state !== 'online' || to === null) {
      // First contact or a retry: find the way, read everything, then subscribe what is to be subscribed.
      const found = await this.#locate();
      if ('code' in found) return found;
      to = found;
      this.#to = to;
      const failure = await this.#reader.read(this.#points, to, this.#label());
      if (failure !== null) return failure;
      this.#up();
    } else {
      const polled = this.#points.filter((p) => p.mode === 'poll');
      const failure = polled.length > 0 ? await this.#reader.read(polled, to, this.#label()) : await this.#alive(to);
      if (failure !== null) return failure;
    }
    if (!this.#cov.active && this.#points.some((p) => p.mode === 'cov')) return this.#cov.subscribe(this.#points, to, this.#label());
    return null;
  }

  /** The device's own address, or its router (the site file's, else asked for). */
  #locate(): Promise<StackReceiver | LinkFailure> {
    const routes = this.#d.routes;
    if (routes !== null) return routes.receiverFor(this.#where, this.#src.timeoutMs);
    // No network layer (the socket never opened): a direct device is still its own address.
    if (this.#where.route === null) return Promise.resolve(stackReceiver(this.#where, ''));
    return Promise.resolve({ code: 'GW_BACNET_SOCKET', reason: 'the BACnet socket is not open, so no router can be found' });
  }

  /** The device object's system-status: one small request that tells the device is there. */
  async #alive(to: StackReceiver): Promise<LinkFailure | null> {
    const o = await this.#d.session.request(`ReadProperty system-status from ${this.#label()}`, this.#src.timeoutMs, (c) =>
      c.readProperty(to, { type: DEVICE_OBJECT_TYPE, instance: this.#src.deviceInstance }, PROP.systemStatus),
    );
    // An Error answer (unknown device instance...) is still an answer: the device is there.
    return o.ok || o.refused ? null : o;
  }

  #onCov(v: CovValues): void {
    if (this.#state === 'stopped' || v.deviceInstance !== this.#src.deviceInstance) return;
    const p = this.#points.find((x) => x.type === v.objectType && x.instance === v.instance);
    if (p === undefined || v.presentValue === undefined) return;
    this.#reader.emit(p, v.presentValue, v.statusFlags);
  }

  #up(): void {
    const wasDown = this.#reportedDown;
    this.#state = 'online';
    this.#health = 'good';
    this.#backoff.reset();
    if (wasDown) {
      this.#reportedDown = false;
      this.#reconnects += 1;
      this.#since = this.#d.clock.now();
      this.#d.hooks.upstream(this.upstreamStatus(), true);
    } else if (!this.#everUp) {
      this.#since = this.#d.clock.now();
      this.#d.hooks.upstream(this.upstreamStatus(), true);
    }
    this.#everUp = true;
  }

  /** Reports the outage once, with bad readings for every point. */
  #down(failure: LinkFailure): void {
    const { code, reason } = this.#d.routes?.failed(this.#where, failure) ?? failure;
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    this.#lastError = `${code}: ${reason}`;
    this.#cov.lost();
    this.#to = null;
    this.#state = 'backoff';
    if (this.#reportedDown) return;
    this.#reportedDown = true;
    this.#health = 'bad';
    this.#since = this.#d.clock.now();
    const ts = this.#d.clock.now();
    for (const p of this.#points) this.#d.hooks.reading({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason: `${code}: ${reason}` });
    this.#d.hooks.upstream(this.upstreamStatus(), false);
  }
}
