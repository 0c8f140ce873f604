import { actingHeaders, type ActingRight } from '../core/acting-right.js';
import { errorMessage } from '../core/errors.js';
import { createHttpRequester, HttpRequestError, type HttpAnswer, type HttpRequester } from '../core/http-request.js';
import type { AttachmentRef, TicketSnapshot } from './ticket-snapshot.js';
import type { SiteStatus } from './site-status.js';

/** What the gateway did with one update the central service sent (acknowledged back to it). */
export interface UpdateAck {
  readonly id: string;
  readonly result: 'applied' | 'duplicate' | 'refused';
  readonly reason?: string;
}

/** How a call ended, decided once here so the sender's policy reads as a switch. */
export type CallOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'unauthorized'; readonly status: number; readonly message: string }
  /** 4xx other than auth and rate limiting: the request itself is wrong and will not get better. */
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  /** Network error, timeout, 429, 5xx, a redirect or a reply that is not JSON: try again later (after `retryAfterMs` if the service said). */
  | { readonly kind: 'retry'; readonly message: string; readonly retryAfterMs: number | null };

export interface CentralClientOptions {
  readonly baseUrl: string;
  readonly token: () => string;
  readonly timeoutMs: number;
  /** One of a pair: nothing is sent unless this gateway may act, and each call says who sent it under which epoch. */
  readonly acting?: ActingRight;
}

/** The HTTP client of cloud-sync/openapi.json. Never throws: every failure is a CallOutcome. */
export class CentralClient {
  readonly #o: CentralClientOptions;
  /** Connections kept open between calls: the service is called every few seconds. */
  readonly #http: HttpRequester = createHttpRequester({ keepAlive: true });

  constructor(o: CentralClientOptions) {
    this.#o = o;
  }

  /** Closes the kept connections. */
  close(): void {
    this.#http.close();
  }

  /** The answer's body is returned as parsed JSON: the sender reads it against the contract (central-answers.ts). */
  upload(siteId: string, items: readonly TicketSnapshot[]): Promise<CallOutcome<unknown>> {
    return this.#call('POST', '/v1/tickets/batch', { type: 'application/json', body: JSON.stringify({ siteId, items }) }, (b) => b);
  }

  /** Uploads one photo (idempotent: the same id and bytes again is a 200). */
  putAttachment(siteId: string, a: AttachmentRef, bytes: Buffer): Promise<CallOutcome<null>> {
    const path = `/v1/sites/${encodeURIComponent(siteId)}/attachments/${encodeURIComponent(a.id)}`;
    return this.#call('PUT', path, { type: a.contentType, body: bytes, headers: { 'x-content-sha256': a.sha256 } }, () => null, true);
  }

  updates(siteId: string, since: string | null, limit = 200): Promise<CallOutcome<unknown>> {
    const q = new URLSearchParams({ siteId, limit: String(limit) });
    if (since !== null) q.set('since', since);
    return this.#call('GET', `/v1/updates?${q.toString()}`, undefined, (b) => b);
  }

  /** The site's status (contract 2.1; a 404 means the service does not take it). */
  postStatus(siteId: string, status: SiteStatus, timeoutMs?: number): Promise<CallOutcome<null>> {
    return this.#call('POST', `/v1/sites/${encodeURIComponent(siteId)}/status`, { type: 'application/json', body: JSON.stringify(status) }, () => null, true, timeoutMs);
  }

  /** Tells the service what became of the updates it sent (contract 2.0; a 404 means it does not take acknowledgements). */
  ackUpdates(siteId: string, results: readonly UpdateAck[]): Promise<CallOutcome<null>> {
    return this.#call('POST', '/v1/updates/ack', { type: 'application/json', body: JSON.stringify({ siteId, results }) }, () => null, true);
  }

  async #call<T>(
    method: string,
    path: string,
    send: { type: string; body: string | Buffer; headers?: Record<string, string> } | undefined,
    pick: (body: unknown) => T,
    anyReply = false,
    timeoutMs = this.#o.timeoutMs,
  ): Promise<CallOutcome<T>> {
    let res: HttpAnswer;
    if (this.#o.acting !== undefined && !this.#o.acting.mayAct()) return { kind: 'retry', message: 'this gateway is not the active of its pair (GW_HA_FENCED): nothing is sent', retryAfterMs: null };
    try {
      // A redirect is never followed (http-request.ts): it would post the site's tickets to another origin.
      res = await this.#http.request(new URL(path, this.#o.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.#o.token()}`, ...actingHeaders(this.#o.acting), ...(send === undefined ? {} : { 'content-type': send.type, ...send.headers }) },
        ...(send === undefined ? {} : { body: send.body }),
        timeoutMs,
      });
    } catch (err) {
      // A central.url that does not parse fails here too (the site file checks only its scheme).
      if (!(err instanceof HttpRequestError)) return { kind: 'retry', message: errorMessage(err), retryAfterMs: null };
      if (err.code === 'TIMEOUT') return { kind: 'retry', message: `no answer within ${timeoutMs} ms`, retryAfterMs: null };
      if (err.answered) return { kind: 'retry', message: `reply cut off: ${err.message}`, retryAfterMs: null };
      return { kind: 'retry', message: `cannot reach ${URL.canParse(this.#o.baseUrl) ? new URL(this.#o.baseUrl).host : 'central.url'} (${err.code})`, retryAfterMs: null };
    }
    const text = res.text;
    const message = `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
    if (res.status >= 300 && res.status < 400) {
      const to = res.header('location');
      return { kind: 'retry', message: `HTTP ${res.status} redirect${to === null ? '' : ` to ${to.slice(0, 200)}`} not followed: check central.url`, retryAfterMs: null };
    }
    if (res.status === 401 || res.status === 403) return { kind: 'unauthorized', status: res.status, message };
    // What the service asked for; the sender honours it up to the site's cap.
    if (res.status === 429 || res.status >= 500) return { kind: 'retry', message, retryAfterMs: parseRetryAfter(res.header('retry-after'), Date.now()) };
    // A pair's old active, told another holds a newer epoch: never dead-letter what it sent (the new active sends it).
    if (res.status === 409 && text.includes('stale_epoch')) return { kind: 'retry', message, retryAfterMs: null };
    if (res.status >= 400) return { kind: 'rejected', status: res.status, message };
    if (anyReply) return { kind: 'ok', value: pick(null) };
    try {
      return { kind: 'ok', value: pick(JSON.parse(text)) };
    } catch {
      return { kind: 'retry', message: `reply is not the JSON the contract promises: ${text.slice(0, 100)}`, retryAfterMs: null };
    }
  }
}

/**
 * Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). The date is an absolute time, so it is
 * read against the wall clock (`now`); the wait it gives is then run on the monotonic clock.
 */
export function parseRetryAfter(v: string | null, now: number): number | null {
  if (v === null || v.trim() === '') return null;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
