import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock, TimerHandle } from '../../gateway/clock.js';
import { SignInThrottle } from '../../gateway/api/sign-in-throttle.js';
import { resolveSecret } from '../../gateway/config/secrets.js';
import { GatewayError, type ErrorCode } from '../../gateway/errors.js';
import type { Logger } from '../../gateway/log.js';
import type { Adapter, AdapterEvents, AdapterStatus, LinkState, StatusOptions } from '../adapter.js';
import { DeviceLedger } from '../mqtt/device-ledger.js';
import { TypedEmitter } from '../typed-emitter.js';
import { PushDevice, type HttpPushDeviceSpec } from './push-device.js';
import { RateBucket } from './rate-bucket.js';

export interface HttpPushAdapterOptions {
  readonly devices: readonly HttpPushDeviceSpec[];
}

export interface HttpPushAdapterDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** Who is pushing: the device named in the path, the bearer token presented, the client address. */
export interface PushCaller {
  readonly deviceId: string;
  readonly token: string | null;
  readonly address: string;
}

/** An HTTP answer the route sends as is: `{ error: { code, message } }` with this status. */
export interface PushRefusal {
  readonly ok: false;
  readonly status: 400 | 401 | 404 | 413 | 429 | 503;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

export type Admission = { readonly ok: true; readonly maxBodyBytes: number } | PushRefusal;
export type PushResult = { readonly ok: true; readonly accepted: number; readonly warnings: readonly string[] } | PushRefusal;

export interface HttpPushAdapter extends Adapter {
  readonly kind: 'http';
  /** The largest body any device may send (the route's read limit; each device's own is checked too). */
  readonly maxBodyBytes: number;
  /** Before the body is read: the token, the wrong-token throttle, the device's rate limit. */
  admit(caller: PushCaller, declaredBytes: number | null): Admission;
  /** After admit(): the body decoded and, if all of it is good, emitted as readings. */
  push(deviceId: string, body: Buffer): PushResult;
  /** A body over the limit the route could not read: counted against the device. */
  tooLarge(deviceId: string): PushRefusal;
  /** The gateway's HTTP listener is taking pushes (attach) or not (detach): the adapter's link. */
  attach(): void;
  detach(): void;
}

export function createHttpPushAdapter(opts: HttpPushAdapterOptions, deps: HttpPushAdapterDeps): HttpPushAdapter {
  return new HttpPushAdapterImpl(opts, deps);
}

interface DeviceState {
  readonly device: PushDevice;
  readonly maxBodyBytes: number;
  readonly windowMs: number | null;
  digest: Buffer;
  bucket: RateBucket;
  /** Monotonic ms of the last good push (or of start), and whether the device is judged silent. */
  lastPushAt: number;
  silent: boolean;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Readings and events pushed by devices to `POST /ingest/{deviceId}` on the gateway's own HTTP
 * server. The route (gateway/api/ingest-routes.ts) owns HTTP; this adapter owns every device's
 * state: its token (held as a sha256 digest, compared in constant time, never logged), its rate
 * bucket, its decoders, its counts and its silence. A push protocol has no connection of its own
 * to lose: the link is the listener taking pushes, and a device's loss is its silence past
 * `expectEverySeconds`, which reads its points bad (GW_HTTP_PUSH_SILENT).
 */
class HttpPushAdapterImpl extends TypedEmitter<AdapterEvents> implements HttpPushAdapter {
  readonly kind = 'http' as const;
  readonly maxBodyBytes: number;
  readonly #deps: HttpPushAdapterDeps;
  readonly #log: Logger;
  readonly #ledger: DeviceLedger;
  readonly #devices = new Map<string, DeviceState>();
  /** Every device token's digest (hex) to its device: a token of another device is told from a wrong one. */
  #owners = new Map<string, string>();
  readonly #throttle: SignInThrottle;
  #state: LinkState = 'idle';
  #attached = false;
  #readings = 0;
  #lastError: string | null = null;
  #sweep: TimerHandle | null = null;

  constructor(opts: HttpPushAdapterOptions, deps: HttpPushAdapterDeps) {
    super();
    this.#deps = deps;
    this.#log = deps.log;
    this.#ledger = new DeviceLedger(opts.devices.map((d) => d.id), deps.log, 'http_push.bad_input');
    this.#throttle = new SignInThrottle(deps.clock);
    const now = deps.clock.monotonic();
    for (const spec of opts.devices) {
      const s = spec.source;
      this.#devices.set(spec.id, {
        device: new PushDevice(spec),
        maxBodyBytes: s.maxBodyBytes,
        windowMs: s.expectEverySeconds === undefined ? null : s.expectEverySeconds * 1000,
        digest: Buffer.alloc(32),
        bucket: new RateBucket(s.rateLimit.perSecond, s.rateLimit.burst, now),
        lastPushAt: now,
        silent: false,
      });
    }
    this.maxBodyBytes = Math.max(256, ...opts.devices.map((d) => d.source.maxBodyBytes));
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    // Secrets are read at start (a missing one is a site-file error thrown out of start()).
    const env = this.#deps.env ?? process.env;
    const owners = new Map<string, string>();
    for (const [id, st] of this.#devices) {
      const token = resolveSecret(st.device.spec.source.token, `devices[${id}].source.token`, env) ?? '';
      st.digest = sha256(token);
      const hex = st.digest.toString('hex');
      const other = owners.get(hex);
      if (other !== undefined) throw new GatewayError('GW_CONFIG_INVALID', `devices ${other} and ${id} push with the same token; give each device its own`, { devices: [other, id] });
      owners.set(hex, id);
    }
    this.#owners = owners;
    const now = this.#deps.clock.monotonic();
    for (const st of this.#devices.values()) {
      st.lastPushAt = now;
      st.silent = false;
    }
    const windows = [...this.#devices.values()].flatMap((d) => (d.windowMs === null ? [] : [d.windowMs]));
    if (windows.length > 0) this.#sweep = this.#deps.clock.setInterval(() => this.#findSilent(), Math.max(100, Math.min(1_000, Math.min(...windows) / 4)));
    this.#setState(this.#attached ? 'online' : 'connecting');
    this.#log.info({ event: 'http_push.started', devices: this.#devices.size, listening: this.#attached }, `HTTP push intake for ${this.#devices.size} device(s) on POST /ingest/{deviceId}`);
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#setState('stopping');
    this.#sweep?.cancel();
    this.#sweep = null;
    this.#setState('stopped');
  }

  attach(): void {
    this.#attached = true;
    if (this.#state === 'connecting') this.#setState('online');
  }

  detach(): void {
    this.#attached = false;
    if (this.#state === 'online') this.#setState('connecting');
  }

  status(opts: StatusOptions = {}): AdapterStatus {
    return {
      kind: 'http',
      state: this.#state,
      connected: this.#state === 'online',
      lastGoodReadingTs: this.#ledger.lastGoodReadingTs(),
      readings: this.#readings,
      errors: this.#ledger.totals(),
      lastError: this.#lastError,
      upstreams: [],
      devices: opts.devices === false ? [] : this.#ledger.devices(),
    };
  }

  admit(caller: PushCaller, declaredBytes: number | null): Admission {
    if (this.#state !== 'online') return refuse(503, 'GW_HTTP_PUSH_NOT_READY', 'the gateway is not taking pushes right now; send again shortly', 5);
    // Unknown device or wrong token: the same 401 either way, so a caller without a valid token learns nothing of which devices exist.
    if (caller.token === null) return refuse(401, 'GW_HTTP_PUSH_UNAUTHORIZED', 'this needs the device token: Authorization: Bearer <token>');
    const st = this.#devices.get(caller.deviceId);
    // Wrong tokens are held per client address and device (unknown ids share one key): a vendor
    // cloud pushing many elevators from one address keeps delivering the others' entrapments while
    // one misconfigured device of it is held. Guessing stays bounded per key.
    const key = `${caller.address} ${st === undefined ? '?' : caller.deviceId}`;
    const verdict = this.#throttle.check(key, caller.token);
    if (verdict.kind === 'refuse') {
      this.#bad('GW_HTTP_PUSH_SLOW_DOWN', `too many wrong push tokens from ${caller.address}`);
      return refuse(429, 'GW_HTTP_PUSH_SLOW_DOWN', `too many wrong tokens from this address; try again in ${seconds(verdict.retryAfterMs)} s`, seconds(verdict.retryAfterMs));
    }
    const digest = sha256(caller.token);
    // Constant time on the digests: how much of a guess was right shows in no timing.
    if (st === undefined || !timingSafeEqual(digest, st.digest)) {
      const owner = this.#owners.get(digest.toString('hex'));
      if (owner === undefined) {
        this.#throttle.failed(key, caller.token);
        this.#bad('GW_HTTP_PUSH_UNAUTHORIZED', `a push to /ingest/${caller.deviceId.slice(0, 64)} from ${caller.address} with a token no device has`);
        return refuse(401, 'GW_HTTP_PUSH_UNAUTHORIZED', 'this token is not the token of this device');
      }
      // A real device's token: its pusher is misconfigured, and may be told what exists.
      if (st === undefined) {
        this.#bad('GW_HTTP_PUSH_UNKNOWN_DEVICE', `device ${owner}'s token was used to push to /ingest/${caller.deviceId.slice(0, 64)}, which is no device of this site`, owner);
        return refuse(404, 'GW_HTTP_PUSH_UNKNOWN_DEVICE', `no HTTP push device "${caller.deviceId.slice(0, 64)}" on this site`);
      }
      this.#bad('GW_HTTP_PUSH_UNAUTHORIZED', `device ${owner}'s token was used to push as ${caller.deviceId}`, owner);
      return refuse(401, 'GW_HTTP_PUSH_UNAUTHORIZED', 'this token is not the token of this device');
    }
    this.#throttle.succeeded(key);
    const take = st.bucket.take(this.#deps.clock.monotonic());
    if (!take.ok) {
      const s = seconds(take.retryAfterMs);
      this.#bad('GW_HTTP_PUSH_RATE_LIMITED', `${caller.deviceId} pushes faster than its rate limit (${st.device.spec.source.rateLimit.perSecond}/s, burst ${st.device.spec.source.rateLimit.burst})`, caller.deviceId);
      return refuse(429, 'GW_HTTP_PUSH_RATE_LIMITED', `this device pushes faster than its rate limit of ${st.device.spec.source.rateLimit.perSecond} a second; send again in ${s} s`, s);
    }
    if (declaredBytes !== null && declaredBytes > st.maxBodyBytes) return this.tooLarge(caller.deviceId);
    return { ok: true, maxBodyBytes: st.maxBodyBytes };
  }

  tooLarge(deviceId: string): PushRefusal {
    const limit = this.#devices.get(deviceId)?.maxBodyBytes ?? this.maxBodyBytes;
    this.#bad('GW_HTTP_PUSH_TOO_LARGE', `${deviceId}: a push body over ${limit} bytes was refused`, deviceId);
    return refuse(413, 'GW_HTTP_PUSH_TOO_LARGE', `the body is over this device's limit of ${limit} bytes`);
  }

  /** Hot path: one decode of the body, then one emit per reading. */
  push(deviceId: string, body: Buffer): PushResult {
    const st = this.#devices.get(deviceId);
    if (st === undefined) return refuse(404, 'GW_HTTP_PUSH_UNKNOWN_DEVICE', `no HTTP push device "${deviceId.slice(0, 64)}" on this site`);
    if (body.length > st.maxBodyBytes) return this.tooLarge(deviceId);
    const decoded = st.device.decode(body, this.#deps.clock.now());
    if (!decoded.ok) {
      for (const p of decoded.problems) this.#bad('GW_HTTP_PUSH_DECODE', `${deviceId}: ${p.message}`, deviceId, p.pointId);
      const all = decoded.problems.map((p) => p.message);
      return refuse(400, 'GW_HTTP_PUSH_DECODE', `nothing of this push was taken: ${all.slice(0, 5).join('; ')}${all.length > 5 ? `; and ${all.length - 5} more` : ''}`);
    }
    st.lastPushAt = this.#deps.clock.monotonic();
    st.silent = false;
    const warnings = decoded.unmapped.map((code) => `event code "${code.slice(0, 64)}" raises and clears no fault; it was kept as a value`);
    for (const code of decoded.unmapped) this.#bad('GW_HTTP_PUSH_UNMAPPED_EVENT', `${deviceId}: event code "${code.slice(0, 64)}" is in no raises or clears of its point`, deviceId);
    for (const r of decoded.readings) {
      this.#readings += 1;
      this.#ledger.good(deviceId, r.ts);
      this.emit('reading', r);
    }
    return { ok: true, accepted: decoded.readings.length, warnings };
  }

  /** A device silent past its window reads bad, once per silence; its next good push makes it good again. */
  #findSilent(): void {
    const now = this.#deps.clock.monotonic();
    const wall = this.#deps.clock.now();
    for (const [id, st] of this.#devices) {
      if (st.windowMs === null || st.silent || now - st.lastPushAt < st.windowMs) continue;
      st.silent = true;
      this.#ledger.mark(id, 'bad');
      this.#bad('GW_HTTP_PUSH_SILENT', `${id} pushed nothing for ${Math.round((now - st.lastPushAt) / 1000)} s (expected every ${st.windowMs / 1000} s)`, id);
      for (const pointId of st.device.pointIds) this.emit('reading', { deviceId: id, pointId, value: null, quality: 'bad', ts: wall, reason: 'GW_HTTP_PUSH_SILENT' });
    }
  }

  #bad(code: ErrorCode, message: string, deviceId?: string, pointId?: string): void {
    // The log window is elapsed time: a clock step must neither silence nor flood the log.
    this.#ledger.error(code, message, this.#deps.clock.monotonic(), deviceId, pointId === undefined ? {} : { pointId });
    this.#lastError = `${code}: ${message}`;
    this.emit('error', { code, message, ...(deviceId === undefined ? {} : { deviceId }), ...(pointId === undefined ? {} : { pointId }) });
  }

  #setState(s: LinkState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('status', this.status());
  }
}

function refuse(status: PushRefusal['status'], code: ErrorCode, message: string, retryAfterSeconds?: number): PushRefusal {
  return { ok: false, status, code, message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}
