import type { DeviceLinkStatus, LinkState, UpstreamStatus } from '../adapter.js';
import { Backoff } from '../backoff.js';
import type { Reading } from '../reading.js';
import type { Clock, TimerHandle } from '../../gateway/clock.js';
import type { Logger } from '../../gateway/log.js';
import type { BacnetSession, CovValues, Outcome } from './bacnet-session.js';
import { normalAddress, type BacnetSource } from './config.js';
import { DEVICE_OBJECT_TYPE, OBJECT_TYPES, PROP, presentValueOf, type ObjectKind } from './object-types.js';
import { flagsQuality } from './status-quality.js';

interface LinkPoint {
  readonly id: string;
  readonly type: number;
  readonly instance: number;
  readonly kind: ObjectKind;
  readonly scale: number;
  readonly offset: number;
  readonly range: { min?: number | undefined; max?: number | undefined } | undefined;
  /** cov: values arrive by notification; poll: read every pollMs (cov off, or refused). */
  mode: 'cov' | 'poll';
}

export interface LinkHooks {
  readonly reading: (r: Reading) => void;
  /** The device stopped answering (up=false, once per outage) or answers again (up=true). */
  readonly upstream: (status: UpstreamStatus, up: boolean) => void;
  /** A coded problem worth a person's attention (logged on change by the adapter). */
  readonly problem: (deviceId: string, code: string, reason: string, pointId?: string) => void;
}

type RpmAck = { values: Array<{ objectId: { type: number; instance: number }; values: Array<{ id: number; value: Array<{ type: number; value: unknown }> }> }> };

/**
 * One BACnet device: reads its points (ReadPropertyMultiple of present-value and status-flags,
 * ReadProperty each when the device has no RPM), subscribes to COV where asked and granted, renews
 * each subscription at half its lifetime, polls what is not subscribed, and between notifications
 * reads the device object's system-status every pollMs, so a device gone quiet is noticed within
 * a poll period, not a lifetime. A device that stops answering is one upstream down, reported
 * once; it is retried with capped backoff and re-subscribed when it answers (a restarted device
 * has forgotten its subscribers).
 */
export class DeviceLink {
  readonly deviceId: string;
  readonly #src: BacnetSource;
  readonly #address: string;
  readonly #session: BacnetSession;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #hooks: LinkHooks;
  readonly #points: LinkPoint[];
  readonly #processId: number;
  readonly #backoff: Backoff;
  #state: LinkState = 'idle';
  #timer: TimerHandle | null = null;
  #renewTimer: TimerHandle | null = null;
  #busy = false;
  #rpm = true;
  #subscribed = false;
  #everUp = false;
  #reportedDown = false;
  #since: number;
  #reconnects = 0;
  #lastError: string | null = null;
  #health: DeviceLinkStatus['state'] = 'unknown';
  #lastGood: number | null = null;
  readonly #errors: Record<string, number> = {};
  polls = 0;

  constructor(deviceId: string, src: BacnetSource, deps: { session: BacnetSession; clock: Clock; log: Logger; hooks: LinkHooks; processId: number; backoff: { baseMs: number; capMs: number } }) {
    this.deviceId = deviceId;
    this.#src = src;
    this.#address = normalAddress(src.address);
    this.#session = deps.session;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#hooks = deps.hooks;
    this.#processId = deps.processId;
    this.#backoff = new Backoff(deps.backoff);
    this.#since = deps.clock.now();
    this.#points = src.points.map((p) => ({ id: p.id, type: OBJECT_TYPES[p.objectType].type, instance: p.instance, kind: OBJECT_TYPES[p.objectType].kind, scale: p.scale, offset: p.offset, range: p.range, mode: src.cov ? 'cov' : 'poll' }));
  }

  get state(): LinkState {
    return this.#state;
  }

  start(phaseMs: number): void {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    this.#state = 'connecting';
    this.#subscribed = false;
    this.#session.onCov(this.#processId, (v) => this.#onCov(v));
    this.#schedule(phaseMs);
  }

  stop(): void {
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = null;
    this.#renewTimer?.cancel();
    this.#renewTimer = null;
    this.#session.offCov(this.#processId);
  }

  upstreamStatus(): UpstreamStatus {
    return {
      id: `bacnet://${this.#address}/${this.#src.deviceInstance}`,
      kind: 'bacnet-device',
      address: `${this.#address} device ${this.#src.deviceInstance}`,
      state: this.#state,
      deviceIds: [this.deviceId],
      since: this.#since,
      lastError: this.#lastError,
      reconnects: this.#reconnects,
    };
  }

  status(): DeviceLinkStatus {
    return { deviceId: this.deviceId, state: this.#health, lastGoodReadingTs: this.#lastGood, errors: { ...this.#errors }, lastError: this.#lastError };
  }

  /** Points read by polling now (cov off, or refused by the device). */
  polledPoints(): string[] {
    return this.#points.filter((p) => p.mode === 'poll').map((p) => p.id);
  }

  #schedule(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimeout(() => void this.#cycle(), ms);
  }

  async #cycle(): Promise<void> {
    if (this.#busy || this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#busy = true;
    this.polls += 1;
    try {
      const answering = await this.#work();
      if ((this.#state as LinkState) === 'stopped') return;
      this.#schedule(answering ? this.#src.pollMs : this.#backoff.next());
    } finally {
      this.#busy = false;
    }
  }

  /** One round: false when the device did not answer (it is then down). */
  async #work(): Promise<boolean> {
    const online = this.#state === 'online';
    if (!online) {
      // First contact or a retry: read everything, then subscribe what is to be subscribed.
      if (!(await this.#read(this.#points))) return false;
      this.#up();
    } else {
      const polled = this.#points.filter((p) => p.mode === 'poll');
      if (polled.length > 0) {
        if (!(await this.#read(polled))) return false;
      } else if (!(await this.#alive())) {
        return false;
      }
    }
    if (!this.#subscribed && this.#points.some((p) => p.mode === 'cov')) return this.#subscribe();
    return true;
  }

  async #read(points: readonly LinkPoint[]): Promise<boolean> {
    if (this.#rpm) {
      const specs = points.map((p) => ({ objectId: { type: p.type, instance: p.instance }, properties: [{ id: PROP.presentValue, index: 0xffffffff }, { id: PROP.statusFlags, index: 0xffffffff }] }));
      const o = (await this.#session.request(`ReadPropertyMultiple from ${this.#address}`, this.#src.timeoutMs, (c) => c.readPropertyMultiple({ address: this.#address }, specs))) as Outcome<RpmAck>;
      if (o.ok) {
        this.#emitRpm(points, o.value);
        return true;
      }
      if (!o.refused) return this.#down(o.code, o.reason);
      // Some small controllers have no ReadPropertyMultiple: fall back to one ReadProperty per value.
      this.#rpm = false;
      this.#log.info({ event: 'bacnet.rpm_refused', deviceId: this.deviceId, reason: o.reason }, 'bacnet device refused ReadPropertyMultiple; reading one property at a time');
    }
    for (const p of points) {
      const pv = await this.#readOne(p, PROP.presentValue);
      if (!pv.ok) {
        if (!pv.refused) return this.#down(pv.code, pv.reason);
        this.#bad(p, pv.code, pv.reason);
        continue;
      }
      const flags = await this.#readOne(p, PROP.statusFlags);
      if (!flags.ok && !flags.refused) return this.#down(flags.code, flags.reason);
      this.#emit(p, pv.value, flags.ok ? bitsOf(flags.value) : undefined);
    }
    return true;
  }

  async #readOne(p: LinkPoint, prop: number): Promise<Outcome<unknown>> {
    const o = await this.#session.request(`ReadProperty ${p.id} from ${this.#address}`, this.#src.timeoutMs, (c) => c.readProperty({ address: this.#address }, { type: p.type, instance: p.instance }, prop));
    return o.ok ? { ok: true, value: o.value.values[0]?.value } : o;
  }

  /** The device object's system-status: one small request that tells the device is there. */
  async #alive(): Promise<boolean> {
    const o = await this.#session.request(`ReadProperty system-status from ${this.#address}`, this.#src.timeoutMs, (c) =>
      c.readProperty({ address: this.#address }, { type: DEVICE_OBJECT_TYPE, instance: this.#src.deviceInstance }, PROP.systemStatus),
    );
    // An Error answer (unknown device instance...) is still an answer: the device is there.
    return o.ok || o.refused ? true : this.#down(o.code, o.reason);
  }

  async #subscribe(): Promise<boolean> {
    for (const p of this.#points) {
      if (p.mode !== 'cov') continue;
      const o = await this.#session.request(`SubscribeCOV ${p.id} at ${this.#address}`, this.#src.timeoutMs, (c) =>
        c.subscribeCov({ address: this.#address }, { type: p.type, instance: p.instance }, this.#processId, false, this.#src.covConfirmed, this.#src.covLifetimeSeconds),
      );
      if (o.ok) continue;
      if (!o.refused) return this.#down(o.code, o.reason);
      // Refused (no COV, or no room for another subscriber): poll this point instead, say so once.
      p.mode = 'poll';
      this.#count('GW_BACNET_COV_REFUSED');
      this.#hooks.problem(this.deviceId, 'GW_BACNET_COV_REFUSED', `${o.reason}; point ${p.id} is polled every ${this.#src.pollMs} ms instead`, p.id);
    }
    this.#subscribed = true;
    if (this.#points.some((p) => p.mode === 'cov')) {
      this.#renewTimer?.cancel();
      // Renewed at half the lifetime, so one lost renewal still leaves time for the next.
      this.#renewTimer = this.#clock.setTimeout(() => {
        this.#renewTimer = null;
        if (this.#state === 'online') this.#subscribed = false;
        void this.#cycle();
      }, (this.#src.covLifetimeSeconds * 1000) / 2);
    }
    return true;
  }

  #onCov(v: CovValues): void {
    if (this.#state === 'stopped' || v.deviceInstance !== this.#src.deviceInstance) return;
    const p = this.#points.find((x) => x.type === v.objectType && x.instance === v.instance);
    if (p === undefined || v.presentValue === undefined) return;
    this.#emit(p, v.presentValue, v.statusFlags);
  }

  #emitRpm(points: readonly LinkPoint[], ack: RpmAck): void {
    for (const p of points) {
      const obj = ack.values.find((o) => o.objectId.type === p.type && o.objectId.instance === p.instance);
      const pv = obj?.values.find((v) => v.id === PROP.presentValue)?.value[0];
      const sf = obj?.values.find((v) => v.id === PROP.statusFlags)?.value[0];
      if (pv === undefined || pv.type === 105) {
        // 105: the stack's tag for an error result inside an RPM answer (unknown object...).
        const e = pv?.value as { errorClass?: number; errorCode?: number } | undefined;
        this.#bad(p, 'GW_BACNET_ERROR', `present-value of ${p.id}: device answered error class ${e?.errorClass ?? '?'} code ${e?.errorCode ?? '?'}`);
        continue;
      }
      this.#emit(p, pv.value, sf === undefined || sf.type === 105 ? undefined : bitsOf(sf.value));
    }
  }

  // Hot path: one call per point per poll or notification.
  #emit(p: LinkPoint, raw: unknown, flags: readonly number[] | undefined): void {
    const ts = this.#clock.now();
    const value = presentValueOf(p.kind, raw, p.scale, p.offset);
    if (value === undefined || (typeof value === 'number' && outside(value, p.range))) {
      this.#count('GW_READING_INVALID');
      this.#hooks.reading({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason: `GW_READING_INVALID: ${String(raw)} is not a valid ${p.kind} present-value` });
      return;
    }
    const q = flagsQuality(flags);
    if (q.quality === 'bad') {
      this.#count('GW_BACNET_STATUS_FAULT');
      this.#hooks.reading({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, ...(q.reason === undefined ? {} : { reason: q.reason }) });
      return;
    }
    this.#lastGood = ts;
    this.#hooks.reading(q.reason === undefined ? { deviceId: this.deviceId, pointId: p.id, value, quality: q.quality, ts } : { deviceId: this.deviceId, pointId: p.id, value, quality: q.quality, ts, reason: q.reason });
  }

  #bad(p: LinkPoint, code: string, reason: string): void {
    this.#count(code);
    this.#hooks.reading({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts: this.#clock.now(), reason: `${code}: ${reason}` });
  }

  #up(): void {
    const wasDown = this.#reportedDown;
    this.#state = 'online';
    this.#health = 'good';
    this.#backoff.reset();
    if (wasDown) {
      this.#reportedDown = false;
      this.#reconnects += 1;
      this.#since = this.#clock.now();
      this.#hooks.upstream(this.upstreamStatus(), true);
    } else if (!this.#everUp) {
      this.#since = this.#clock.now();
      this.#hooks.upstream(this.upstreamStatus(), true);
    }
    this.#everUp = true;
  }

  /** Always false, for `return this.#down(...)`. Reports the outage once, with bad readings for every point. */
  #down(code: string, reason: string): false {
    // A request cut short by stop() (the socket closed under it) is not the device's fault.
    if (this.#state === 'stopped') return false;
    this.#count(code);
    this.#lastError = `${code}: ${reason}`;
    this.#subscribed = false;
    this.#renewTimer?.cancel();
    this.#renewTimer = null;
    this.#state = 'backoff';
    if (this.#reportedDown) return false;
    this.#reportedDown = true;
    this.#health = 'bad';
    this.#since = this.#clock.now();
    const ts = this.#clock.now();
    for (const p of this.#points) this.#hooks.reading({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason: `${code}: ${reason}` });
    this.#hooks.upstream(this.upstreamStatus(), false);
    return false;
  }

  #count(code: string): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }
}

/** A BIT STRING as the stack decodes it: `{ bitsUsed, value: number[] }`. */
function bitsOf(v: unknown): readonly number[] | undefined {
  const bits = (v as { value?: unknown } | null | undefined)?.value;
  return Array.isArray(bits) && bits.every((b) => typeof b === 'number') ? (bits as number[]) : undefined;
}

function outside(v: number, range: LinkPoint['range']): boolean {
  if (range === undefined) return false;
  return (range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max);
}
