import type { ActingRight } from '../core/acting-right.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { CentralService } from './config.js';
import { resolveSecret } from '../core/secrets.js';
import type { Logger } from '../core/log.js';
import { CentralClient, type CallOutcome } from './central-client.js';
import { healthKey, type SiteStatus } from './site-status.js';

/** How the reporting of site status goes, for /readyz and the operator page. */
export interface ReporterStatus {
  /** not-configured: no central service; unsupported: it answered 404 (contract 2.0), not sent again until the next start. */
  readonly state: 'not-configured' | 'idle' | 'unsupported' | 'failing';
  readonly lastSentAt: number | null;
  readonly lastError: string | null;
}

export interface StatusReporterDeps {
  readonly config: CentralService | undefined;
  readonly siteId: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** The status as it is now (built fresh for each send: the latest replaces an unsent older one). */
  readonly snapshot: () => SiteStatus;
  /** One of a pair: statuses only while this gateway may act (the standby's own state reaches central through the active's). */
  readonly acting?: ActingRight;
}

/** How often the health is looked at for a change worth sending at once. */
const CHECK_MS = 1_000;
/** The last status at a clean stop may hold the stop this long at most. */
const FINAL_TIMEOUT_MS = 3_000;

/**
 * Sends the site status to the central service (contract 2.1): every heartbeat interval, and at
 * once when the health changes (healthKey). A status is a fact about now, not a ticket change: it
 * has its own connections (its own client), so it never waits behind an upload, and it is never
 * queued: one is in flight at a time, and what is sent next is built when it goes, so the latest
 * replaces any older one that did not go. A failure is tried again at the next heartbeat or change.
 */
export class StatusReporter {
  readonly #d: StatusReporterDeps;
  readonly #client: CentralClient | null;
  readonly #heartbeatMs: number;
  #timer: TimerHandle | null = null;
  #inFlight: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #unsupported = false;
  /** Monotonic time of the last attempt, and the health it carried. */
  #lastAttempt: number | null = null;
  #lastKey: string | null = null;
  #lastSentAt: number | null = null;
  #lastError: string | null = null;

  constructor(d: StatusReporterDeps) {
    this.#d = d;
    this.#heartbeatMs = (d.config?.heartbeatSeconds ?? 30) * 1000;
    this.#client =
      d.config === undefined
        ? null
        : new CentralClient({ baseUrl: d.config.url, timeoutMs: Math.min(d.config.timeoutMs, this.#heartbeatMs), token: () => resolveSecret(d.config?.token, 'central.token', d.env ?? process.env) ?? '', ...(d.acting === undefined ? {} : { acting: d.acting }) });
  }

  start(): void {
    if (this.#client === null || this.#timer !== null || this.#stopped) return;
    this.#send();
    this.#timer = this.#d.clock.setInterval(() => this.#tick(), CHECK_MS);
  }

  /** Sends the status now (a change the caller knows of: the return report is complete). */
  now(): void {
    this.#send();
  }

  /**
   * Stops the heartbeat; with `last`, sends that one status first (a clean stop), bounded in time.
   * A status still waiting for its answer is not waited for: the last one says more, on a
   * connection of its own, and closing the client ends the older one.
   */
  async stop(last?: SiteStatus): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    this.#stopped = true;
    const client = this.#client;
    if (client !== null && last !== undefined && !this.#unsupported) this.#record(await client.postStatus(this.#d.siteId, last, FINAL_TIMEOUT_MS), last);
    client?.close();
  }

  status(): ReporterStatus {
    const state = this.#client === null ? 'not-configured' : this.#unsupported ? 'unsupported' : this.#lastError !== null ? 'failing' : 'idle';
    return { state, lastSentAt: this.#lastSentAt, lastError: this.#lastError };
  }

  #tick(): void {
    if (this.#inFlight !== null || this.#unsupported) return;
    const due = this.#lastAttempt === null || this.#d.clock.monotonic() - this.#lastAttempt >= this.#heartbeatMs;
    if (due || healthKey(this.#d.snapshot()) !== this.#lastKey) this.#send();
  }

  #send(): void {
    const client = this.#client;
    if (client === null || this.#unsupported || this.#stopped) return;
    if (this.#inFlight !== null) {
      this.#again = true;
      return;
    }
    const status = this.#d.snapshot();
    this.#lastAttempt = this.#d.clock.monotonic();
    this.#lastKey = healthKey(status);
    this.#inFlight = client
      .postStatus(this.#d.siteId, status)
      .then((outcome) => this.#record(outcome, status))
      .finally(() => {
        this.#inFlight = null;
        if (this.#again) {
          this.#again = false;
          this.#send();
        }
      });
  }

  #record(outcome: CallOutcome<null>, status: SiteStatus): void {
    if (outcome.kind === 'ok') {
      if (this.#lastError !== null) this.#d.log.info({ event: 'sync.status_sent', state: status.state }, 'the central service takes the site status again');
      this.#lastError = null;
      this.#lastSentAt = this.#d.clock.now();
      return;
    }
    if (outcome.kind === 'rejected' && outcome.status === 404) {
      this.#unsupported = true;
      this.#d.log.info({ event: 'sync.status_unsupported' }, 'the central service does not take site status (contract 2.0, 404): not sent again until the next start; it cannot tell a silent gateway from a quiet site');
      return;
    }
    // Said once a change of reason, not at every heartbeat of a long outage.
    if (outcome.message !== this.#lastError) this.#d.log.warn({ event: 'sync.status_failed', code: outcome.kind === 'unauthorized' ? 'GW_SYNC_UNAUTHORIZED' : 'GW_SYNC_UNAVAILABLE', err: outcome.message }, `the site status did not reach the central service: ${outcome.message}; tried again at the next heartbeat`);
    this.#lastError = outcome.message;
  }
}
