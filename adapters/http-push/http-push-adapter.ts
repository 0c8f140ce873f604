import type { Clock, TimerHandle } from '../../core/clock.js';
import type { ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { AdapterEvents, AdapterStatus, LinkState, StatusOptions } from '../../core/adapter.js';
import { DeviceLedger } from '../mqtt/device-ledger.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import { PushDevice, type HttpPushDeviceSpec } from './push-device.js';
import { refuse, type Admission, type HttpPushAdapter, type PushCaller, type PushRefusal, type PushResult } from './push-intake.js';
import { PushTokens } from './push-tokens.js';
import { RateBucket } from './rate-bucket.js';

export interface HttpPushAdapterOptions {
  readonly devices: readonly HttpPushDeviceSpec[];
}

export interface HttpPushAdapterDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

export type { Admission, HttpPushAdapter, PushCaller, PushRefusal, PushResult } from './push-intake.js';

export function createHttpPushAdapter(opts: HttpPushAdapterOptions, deps: HttpPushAdapterDeps): HttpPushAdapter {
  return new HttpPushAdapterImpl(opts, deps);
}

interface DeviceState {
  readonly device: PushDevice;
  readonly maxBodyBytes: number;
  readonly windowMs: number | null;
  bucket: RateBucket;
  /** Monotonic ms of the last good push (or of start), and whether the device is judged silent. */
  lastPushAt: number;
  silent: boolean;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Readings and events pushed by devices to `POST /ingest/{deviceId}` on the gateway's own HTTP
 * server. The route (gateway/api/ingest-routes.ts) owns HTTP; this adapter owns every device's
 * state: its token (push-tokens.ts: a digest compared in constant time, never logged), its rate
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
  readonly #tokens: PushTokens;
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
    this.#tokens = new PushTokens(deps.clock);
    const now = deps.clock.monotonic();
    for (const spec of opts.devices) {
      const s = spec.source;
      this.#devices.set(spec.id, {
        device: new PushDevice(spec),
        maxBodyBytes: s.maxBodyBytes,
        windowMs: s.expectEverySeconds === undefined ? null : s.expectEverySeconds * 1000,
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
    this.#tokens.load([...this.#devices].map(([id, st]) => ({ id, token: st.device.spec.source.token })), env);
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
    const id = caller.deviceId.slice(0, 64);
    const verdict = this.#tokens.check(caller.deviceId, caller.token, caller.address);
    switch (verdict.kind) {
      case 'ok':
        break;
      case 'held': {
        const s = seconds(verdict.retryAfterMs);
        this.#bad('GW_HTTP_PUSH_SLOW_DOWN', `too many wrong push tokens for /ingest/${id} from ${caller.address}`);
        return refuse(429, 'GW_HTTP_PUSH_SLOW_DOWN', `too many wrong tokens from this address; try again in ${s} s`, s);
      }
      case 'wrong':
        this.#bad('GW_HTTP_PUSH_UNAUTHORIZED', `a push to /ingest/${id} from ${caller.address} with a token no device has`);
        return refuse(401, 'GW_HTTP_PUSH_UNAUTHORIZED', 'this token is not the token of this device');
      case 'unknown-device':
        // A real device's token: its pusher is misconfigured, and may be told what exists.
        this.#bad('GW_HTTP_PUSH_UNKNOWN_DEVICE', `device ${verdict.owner}'s token was used to push to /ingest/${id}, which is no device of this site`, verdict.owner);
        return refuse(404, 'GW_HTTP_PUSH_UNKNOWN_DEVICE', `no HTTP push device "${id}" on this site`);
      case 'other-device':
        this.#bad('GW_HTTP_PUSH_UNAUTHORIZED', `device ${verdict.owner}'s token was used to push as ${id}`, verdict.owner);
        return refuse(401, 'GW_HTTP_PUSH_UNAUTHORIZED', 'this token is not the token of this device');
      default: {
        const never: never = verdict;
        throw new Error(`unknown token verdict ${JSON.stringify(never)}`);
      }
    }
    const st = this.#devices.get(caller.deviceId);
    if (st === undefined) return refuse(404, 'GW_HTTP_PUSH_UNKNOWN_DEVICE', `no HTTP push device "${id}" on this site`);
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
