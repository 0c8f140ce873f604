/**
 * The site status of contract 2.1 (`POST /v1/sites/{siteId}/status`, cloud-sync/openapi.json
 * `SiteStatus`): a fact about now, sent every `central.heartbeatSeconds` and at once when the
 * gateway's health changes. Central treats three intervals without one as a silent site.
 */
/** single: one gateway; active: the pair's leader; alone: one of a pair acting without quorum (both may be); standby is never sent (the active speaks for the pair). */
export type GatewayRole = 'single' | 'active' | 'standby' | 'alone';

export interface UpstreamHealth {
  readonly id: string;
  readonly kind: string;
  readonly address: string;
  /** online | connecting | backoff | idle | stopping | stopped. */
  readonly state: string;
  readonly devices: number;
  /** Devices behind it without good readings: all of them while it is down. */
  readonly offlineDevices: number;
  /** ISO time of its last change of state, null when unknown. */
  readonly since: string | null;
  readonly lastError: string | null;
}

export interface AbsenceReport {
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
  /** `crash`, `power`, or `stopped:<who>` (`stopped:SIGTERM`, `stopped:ups-battery-low`...). */
  readonly cause: string;
  /** The raises and clears the readings made at start: what changed while it was away. */
  readonly raised: readonly { readonly number: string; readonly fault: string; readonly deviceId: string; readonly tier: string }[];
  readonly cleared: readonly { readonly number: string; readonly fault: string; readonly deviceId: string }[];
}

export interface SiteStatus {
  readonly siteId: string;
  readonly gatewayId: string;
  readonly version: string;
  readonly role: GatewayRole;
  /** One of a pair: the fencing epoch it acts under (absent for a single gateway and while alone). */
  readonly epoch?: number;
  /** `stopping`: its last status before a clean stop, with `stoppingBecause`. */
  readonly state: 'running' | 'stopping';
  readonly stoppingBecause?: string;
  readonly startedAt: string;
  readonly sentAt: string;
  readonly heartbeatSeconds: number;
  readonly upstreams: readonly UpstreamHealth[];
  readonly alerts: { readonly undeliveredEmergencies: number; readonly numbers: readonly string[] };
  readonly outbox: { readonly backlog: number; readonly oldestAgeSeconds: number | null; readonly deadLetters: number };
  readonly store: { readonly writable: boolean; readonly error: string | null };
  readonly clock: { readonly steps: number; readonly lastStep: { readonly at: string; readonly deltaSeconds: number } | null };
  readonly lastReadingAt: string | null;
  readonly lastAbsence: AbsenceReport | null;
  /** Storm mode on the site (general and low deadlines paused): since, until, where, why; absent when off. */
  readonly storm?: { readonly since: string; readonly until: string; readonly building: string | null; readonly reason: string };
}

/**
 * What counts as a change of health: it sends a status at once. The backlog's size and age move
 * with every ticket and are sent with the next heartbeat; whether something is down, undelivered,
 * unwritable or stepped is sent now.
 */
export function healthKey(s: SiteStatus): string {
  return JSON.stringify([
    s.state,
    s.upstreams.map((u) => `${u.id}:${u.state}:${u.offlineDevices}`),
    s.alerts.undeliveredEmergencies,
    s.store.writable,
    s.clock.steps,
    s.lastAbsence?.raised.length ?? -1,
    s.lastAbsence?.cleared.length ?? -1,
    s.storm?.since ?? null,
  ]);
}
