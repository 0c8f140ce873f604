/** Faults the reference central service can be told to show, switchable at run time. */
export type CentralFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'error500' }
  /** 503 with `Retry-After: retryAfterSeconds` (3000000 and 86400 are the values that once broke the sender). */
  | { readonly kind: 'unavailable'; readonly retryAfterSeconds: number }
  /** Every answer late by delayMs; `on: 'status'` the site status route only, `on: 'other'` every route but it. */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly on?: 'status' | 'other' }
  /** Destroy the socket without answering, before or after applying the batch. */
  | { readonly kind: 'drop'; readonly when: 'before-apply' | 'after-apply' }
  /** Apply every batch twice, as a replaying proxy would; the effect must not double. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unauthorized' }
  /** Close the listener entirely; `none` brings it back on the same port. */
  | { readonly kind: 'down' }
  /** Answer uploads (`batch`) or polls (`updates`) with this status and body instead, applying nothing: an answer off the contract. */
  | { readonly kind: 'reply'; readonly on: 'batch' | 'updates'; readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** Answer every call with a redirect to `location` (another origin). */
  | { readonly kind: 'redirect'; readonly status: 301 | 302 | 307 | 308; readonly location: string }
  /** Apply uploads but answer each item with a result the contract does not name. */
  | { readonly kind: 'unknown-result'; readonly result: string };

export const FAULT_KINDS = ['none', 'error500', 'unavailable', 'slow', 'drop', 'duplicate', 'unauthorized', 'down', 'reply', 'redirect', 'unknown-result'] as const;

export function parseFault(body: unknown): CentralFault | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  switch (b['kind']) {
    case 'none':
    case 'error500':
    case 'duplicate':
    case 'unauthorized':
    case 'down':
      return { kind: b['kind'] };
    case 'unavailable':
      return { kind: 'unavailable', retryAfterSeconds: typeof b['retryAfterSeconds'] === 'number' ? b['retryAfterSeconds'] : 1 };
    case 'slow':
      return { kind: 'slow', delayMs: typeof b['delayMs'] === 'number' ? b['delayMs'] : 2000, ...(b['on'] === 'status' || b['on'] === 'other' ? { on: b['on'] } : {}) };
    case 'drop':
      return { kind: 'drop', when: b['when'] === 'after-apply' ? 'after-apply' : 'before-apply' };
    case 'reply':
      return {
        kind: 'reply',
        on: b['on'] === 'updates' ? 'updates' : 'batch',
        status: typeof b['status'] === 'number' ? b['status'] : 200,
        body: b['body'] ?? {},
        ...(typeof b['headers'] === 'object' && b['headers'] !== null ? { headers: Object.fromEntries(Object.entries(b['headers']).map(([k, v]) => [k, String(v)])) } : {}),
      };
    case 'redirect': {
      const status = b['status'];
      return { kind: 'redirect', status: status === 301 || status === 302 || status === 308 ? status : 307, location: typeof b['location'] === 'string' ? b['location'] : 'http://127.0.0.1:9/elsewhere' };
    }
    case 'unknown-result':
      return { kind: 'unknown-result', result: typeof b['result'] === 'string' ? b['result'] : 'queued' };
    default:
      return null;
  }
}
