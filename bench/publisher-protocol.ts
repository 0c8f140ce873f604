import type { LoadDevice } from './sites.js';

/** Parent -> publisher process. */
export type PublisherIn =
  | { readonly kind: 'connect'; readonly port: number; readonly devices: readonly LoadDevice[]; readonly payloads: Readonly<Record<string, readonly string[]>> }
  /** ratePerSecond null: closed loop with `window` batches (QoS 0 readings, a QoS 1 marker) unacknowledged per session; else QoS 0 at that total rate, `burst` 4: a meter's 4 points in one write (default 1). */
  | { readonly kind: 'go'; readonly ratePerSecond: number | null; readonly window: number; readonly burst?: number }
  /** Stops publishing, keeps the sessions: answered with `paused` and the count written so far. */
  | { readonly kind: 'pause' }
  | { readonly kind: 'stop' };

/** Publisher process -> parent. */
export type PublisherOut =
  | { readonly kind: 'connected'; readonly accepted: number; readonly refused: number }
  | { readonly kind: 'paused'; readonly sent: number }
  | { readonly kind: 'stopped'; readonly sent: number };
