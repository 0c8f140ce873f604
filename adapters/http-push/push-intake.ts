import type { ErrorCode } from '../../core/errors.js';
import type { Adapter } from '../../core/adapter.js';

// What the route (gateway/api/ingest-routes.ts) and the HTTP push adapter say to each other.

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

export function refuse(status: PushRefusal['status'], code: ErrorCode, message: string, retryAfterSeconds?: number): PushRefusal {
  return { ok: false, status, code, message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}
