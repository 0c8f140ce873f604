import type { ActingRight } from '../../core/acting-right.js';
import type { AdapterStatus } from '../../core/adapter.js';
import type { Reading } from '../../core/reading.js';
import type { AbsenceReport, SiteStatus } from '../../cloud-sync/site-status.js';
import { StatusReporter, type ReporterStatus } from '../../cloud-sync/status-reporter.js';
import type { SyncStatus } from '../../cloud-sync/sync-status.js';
import type { ClockHealth } from '../clock-step-watch.js';
import type { Clock } from '../../core/clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Notifier } from '../notify/index.js';
import type { Store } from '../store/store.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { gatewayVersion } from '../version.js';
import { absenceOf, causeCode, type Absence } from './absence.js';
import { OutageLog } from './outage-log.js';
import { DEFAULT_SHUTDOWN_AT_MINUTES, PowerGuard, upsShutdownWords, type GatewayUps, type LowBattery } from './power-guard.js';
import { PresenceFile, type PresenceRecord, type StopBy } from './presence-file.js';
import { ReturnReport } from './return-report.js';
import { buildSiteStatus } from './site-status-builder.js';

export type { StopBy };

/**
 * The exit status of a gateway that stopped because its own UPS ran low: the systemd unit does not
 * restart it (RestartPreventExitStatus=75), so it is not started again into a dying battery.
 * (75 is EX_TEMPFAIL of sysexits.h: try again later.)
 */
export const UPS_SHUTDOWN_EXIT_CODE = 75;
/** The last alert of a UPS stop is given this long to go out on every channel before the gateway stops anyway. */
export const UPS_LAST_ALERT_MS = 60_000;

export interface LivenessDeps {
  /** One of a pair: statuses go to central only while this gateway may act. */
  readonly acting?: ActingRight;
  readonly site: SiteConfig;
  readonly gatewayId: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: Store;
  readonly tickets: TicketService;
  readonly notifier: Notifier;
  readonly env?: NodeJS.ProcessEnv;
  readonly adapters: () => readonly AdapterStatus[];
  readonly sync: () => SyncStatus;
  readonly clockHealth: () => ClockHealth;
  readonly storm: () => { readonly startedAt: number; readonly until: number; readonly building: string | null; readonly reason: string } | null;
  /** The gateway must stop (its UPS runs low): the host stops it and exits with `code`. */
  readonly requestStop: (by: StopBy, code: number) => void;
}

export interface LivenessHealth {
  readonly gatewayId: string;
  readonly startedAt: number;
  readonly lastAbsence: AbsenceReport | null;
  readonly statusToCentral: ReporterStatus;
}

/**
 * The gateway's own life, told to the people who depend on it (DESIGN "Liveness"): a presence
 * stamp that tells the next start how long it was away and why; the message staff get when it is
 * back; the outages kept for the monthly report; the site status to central, whose silence pages
 * the site's manager; and a clean stop when its own UPS runs low.
 */
export class Liveness {
  readonly #d: LivenessDeps;
  readonly #presence: PresenceFile;
  readonly #previous: PresenceRecord | null;
  readonly #outages: OutageLog;
  readonly #reporter: StatusReporter;
  readonly #guard: PowerGuard | null;
  #absence: Absence | null = null;
  #return: ReturnReport | null = null;
  #readings = 0;
  #readingsSeen = 0;
  #lastReadingAt: number | null = null;
  #started = false;
  #quietStop = false;

  constructor(d: LivenessDeps) {
    this.#d = d;
    this.#presence = new PresenceFile({ dataDir: d.site.dataDir, gatewayId: d.gatewayId, clock: d.clock, log: d.log });
    this.#previous = this.#presence.previous();
    this.#outages = new OutageLog(d.store, d.log);
    this.#reporter = new StatusReporter({ config: d.site.central, siteId: d.site.site.id, clock: d.clock, log: d.log, ...(d.env === undefined ? {} : { env: d.env }), snapshot: () => this.status(), ...(d.acting === undefined ? {} : { acting: d.acting }) });
    const ups = gatewayUps(d.site);
    // A gateway that stopped for its UPS and is started again while the UPS still runs low (Docker
    // restarts it whatever its exit status) stops again without telling anyone a second time.
    this.#guard = ups === null ? null : new PowerGuard(ups, d.log, (low) => void this.#upsLow(ups, low, this.#stillDown()));
  }

  get outages(): OutageLog {
    return this.#outages;
  }

  /** Every reading, from the adapters' loop: the time of the last one, and the gateway's own UPS. */
  reading(r: Reading): void {
    this.#readings += 1;
    if (this.#guard !== null && r.deviceId === this.#guard.deviceId) this.#guard.ingest(r);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#presence.start();
    this.#absence = absenceOf(this.#previous, this.#presence.startedAt, this.#presence.bootId);
    this.#outages.recordStart(this.#presence.startedAt, this.#absence);
    await this.#d.store.commit();
    const a = this.#absence;
    if (a === null) this.#d.log.info({ event: 'gateway.first_start', gatewayId: this.#d.gatewayId }, 'first start on this data folder: nothing to say about a time away');
    else {
      this.#d.log.info({ event: 'gateway.was_away', cause: causeCode(a.cause), awaySeconds: Math.round((a.to - a.from) / 1000) }, 'the gateway was away; staff hear how long and why once the readings at start are in');
      this.#return = new ReturnReport(a, {
        tickets: this.#d.tickets,
        clock: this.#d.clock,
        log: this.#d.log,
        timeZone: this.#d.site.site.timeZone,
        tell: (title, detail) => void this.#d.notifier.system('GW_BACK', title, detail, `system/GW_BACK/${this.#presence.startedAt}`),
        complete: () => this.#reporter.now(),
      });
      this.#return.start();
    }
    this.#reporter.start();
  }

  /** A clean stop: the last status to central first (bounded), and the presence says who stopped it. */
  async stopReporting(by: StopBy): Promise<void> {
    this.#return?.stop();
    await this.#reporter.stop(this.status(by));
  }

  /** After everything else stopped: the stamp that tells the next start it was a clean stop. */
  recordStop(by: StopBy): void {
    // A run that stopped again for its UPS before it told anyone it was back: the time away
    // still counts from the first stop.
    const carried = this.#quietStop && this.#return !== null && !this.#return.told ? this.#previous?.stop?.at : undefined;
    this.#presence.stop(by, carried);
  }

  status(stopping?: string): SiteStatus {
    return buildSiteStatus(
      {
        site: this.#d.site,
        gatewayId: this.#d.gatewayId,
        version: gatewayVersion(),
        role: this.#d.acting?.role() ?? 'single',
        epoch: this.#d.acting?.epoch() ?? null,
        clock: this.#d.clock,
        store: this.#d.store,
        startedAt: () => this.#presence.startedAt,
        adapters: this.#d.adapters,
        alerts: () => this.#d.notifier.health(),
        sync: this.#d.sync,
        clockHealth: this.#d.clockHealth,
        lastReadingAt: () => this.#lastReading(),
        lastAbsence: () => this.#return?.report() ?? null,
        storm: this.#d.storm,
      },
      stopping,
    );
  }

  health(): LivenessHealth {
    return { gatewayId: this.#d.gatewayId, startedAt: this.#presence.startedAt, lastAbsence: this.#return?.report() ?? null, statusToCentral: this.#reporter.status() };
  }

  /** Started again after a UPS stop, the UPS not yet back on mains, and nobody told it is back. */
  #stillDown(): boolean {
    return this.#previous?.stop?.by === 'ups-battery-low' && this.#guard?.seenMains !== true && this.#return?.told !== true;
  }

  /** Readings are counted on the hot path; the time of the last one is read when a status is built. */
  #lastReading(): number | null {
    if (this.#readings !== this.#readingsSeen) {
      this.#readingsSeen = this.#readings;
      this.#lastReadingAt = this.#d.clock.now();
    }
    return this.#lastReadingAt;
  }

  async #upsLow(ups: GatewayUps, low: LowBattery, quiet: boolean): Promise<void> {
    try {
      if (!quiet) {
        const words = upsShutdownWords(ups, low, Math.ceil(UPS_LAST_ALERT_MS / 60_000));
        const key = await this.#d.notifier.system('GW_UPS_SHUTDOWN', words.title, words.detail);
        if (key !== null) await this.#d.notifier.whenSent(key, UPS_LAST_ALERT_MS);
      } else {
        this.#quietStop = true;
        this.#d.log.warn({ event: 'gateway.ups_still_low', deviceId: ups.deviceId }, 'started again while its UPS still runs low on battery: stopping again, staff were told at the first stop');
      }
    } catch (err) {
      this.#d.log.error({ event: 'gateway.ups_alert_failed', err: errorMessage(err) }, 'the last alert before the UPS stop could not be staged; stopping all the same');
    }
    this.#d.requestStop('ups-battery-low', UPS_SHUTDOWN_EXIT_CODE);
  }
}

/** The UPS the site file says feeds the gateway's machine, or null. */
function gatewayUps(site: SiteConfig): GatewayUps | null {
  const d = site.devices.find((x) => x.powersGateway === true);
  if (d === undefined) return null;
  return { deviceId: d.id, name: { zh: d.name, en: d.nameEn ?? d.name }, shutdownAtMinutes: d.shutdownAtMinutes ?? DEFAULT_SHUTDOWN_AT_MINUTES };
}
