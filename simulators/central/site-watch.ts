import type { Clock, TimerHandle } from '../../core/clock.js';

/** A site status as this service keeps it (contract 2.1 SiteStatus, the fields the rule and the report read). */
export interface ReceivedStatus {
  readonly siteId: string;
  readonly gatewayId: string;
  readonly state: string;
  readonly heartbeatSeconds: number;
  readonly lastAbsence: { readonly cause: string; readonly seconds: number } | null;
  readonly [key: string]: unknown;
}

/** silent: no status for three intervals (page the site's manager); recovered: a status again after that. */
export interface SiteEvent {
  readonly siteId: string;
  readonly gatewayId: string;
  readonly kind: 'silent' | 'recovered';
  /** This service's wall time (epoch ms). */
  readonly at: number;
  /** What the gateway said last before it went silent, or, on recovery, why it says it was away. */
  readonly said: string;
}

export interface SiteReport {
  readonly siteId: string;
  readonly gatewayId: string;
  readonly state: 'live' | 'silent';
  readonly lastStatusAt: number;
  readonly silentSince: number | null;
  readonly last: ReceivedStatus;
}

interface Site {
  status: ReceivedStatus;
  /** Monotonic time the last status arrived. */
  heardAt: number;
  lastStatusAt: number;
  silentSince: number | null;
}

/** The contract's rule: three heartbeat intervals without a status. */
export const SILENT_AFTER_INTERVALS = 3;
const CHECK_MS = 1_000;

/**
 * The silent-site rule as a central service implements it (docs/central-contract.md, "Site status"):
 * a site whose gateway sent no status for three of the intervals it announced is silent, an event
 * a real service pages the site's manager with; a status after that is a recovery. Judged on this
 * service's own monotonic clock, never the gateway's stamps (the two machines' clocks differ).
 */
export class SiteWatch {
  readonly #clock: Clock;
  readonly #sites = new Map<string, Site>();
  readonly #onEvent: (e: SiteEvent) => void;
  readonly events: SiteEvent[] = [];
  #timer: TimerHandle | null = null;

  constructor(clock: Clock, onEvent: (e: SiteEvent) => void = () => undefined) {
    this.#clock = clock;
    this.#onEvent = onEvent;
  }

  start(): void {
    this.#timer ??= this.#clock.setInterval(() => this.check(), CHECK_MS);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  heard(status: ReceivedStatus): void {
    const site = this.#sites.get(status.siteId);
    const now = this.#clock.now();
    if (site?.silentSince != null) {
      const why = status.lastAbsence === null ? 'no time away reported' : `away ${status.lastAbsence.seconds} s, ${status.lastAbsence.cause}`;
      this.#emit({ siteId: status.siteId, gatewayId: status.gatewayId, kind: 'recovered', at: now, said: why });
    }
    this.#sites.set(status.siteId, { status, heardAt: this.#clock.monotonic(), lastStatusAt: now, silentSince: null });
  }

  check(): void {
    const mono = this.#clock.monotonic();
    for (const site of this.#sites.values()) {
      if (site.silentSince !== null) continue;
      if (mono - site.heardAt < SILENT_AFTER_INTERVALS * site.status.heartbeatSeconds * 1000) continue;
      site.silentSince = this.#clock.now();
      const said = site.status.state === 'stopping' ? `its last status said it was stopping (${String(site.status['stoppingBecause'] ?? '?')})` : 'its last status said it was running';
      this.#emit({ siteId: site.status.siteId, gatewayId: site.status.gatewayId, kind: 'silent', at: site.silentSince, said });
    }
  }

  report(): SiteReport[] {
    return [...this.#sites.values()].map((s) => ({ siteId: s.status.siteId, gatewayId: s.status.gatewayId, state: s.silentSince === null ? 'live' : 'silent', lastStatusAt: s.lastStatusAt, silentSince: s.silentSince, last: s.status }));
  }

  #emit(e: SiteEvent): void {
    this.events.push(e);
    this.#onEvent(e);
  }
}
