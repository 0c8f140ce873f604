/** Faults the reference central service can be told to show, switchable at run time. */
export type CentralFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'error500' }
  | { readonly kind: 'unavailable'; readonly retryAfterSeconds: number }
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Destroy the socket without answering, before or after applying the batch. */
  | { readonly kind: 'drop'; readonly when: 'before-apply' | 'after-apply' }
  /** Apply every batch twice, as a replaying proxy would; the effect must not double. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unauthorized' }
  /** Close the listener entirely; `none` brings it back on the same port. */
  | { readonly kind: 'down' };

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
      return { kind: 'slow', delayMs: typeof b['delayMs'] === 'number' ? b['delayMs'] : 2000 };
    case 'drop':
      return { kind: 'drop', when: b['when'] === 'after-apply' ? 'after-apply' : 'before-apply' };
    default:
      return null;
  }
}
