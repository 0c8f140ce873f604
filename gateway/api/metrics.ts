import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdapterStatus } from '../../core/adapter.js';
import type { SyncStatus } from '../../cloud-sync/sync-status.js';
import type { Ticket } from '../tickets/ticket.js';
import { processRegistry } from './process-metrics.js';

/**
 * Prometheus metrics on a registry of our own (no global default). Counters are bumped by the
 * gateway as things happen; gauges are read from the live parts at scrape time. A scrape also
 * carries the process and Node.js metrics (event-loop lag, heap, handles, open files).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #readings: Counter;
  #readingsSinceScrape = 0;
  readonly #badInput: Counter<'device' | 'code'>;
  readonly #tickets: Counter<'tier' | 'fault'>;
  readonly #alerts: Counter<'channel' | 'result'>;
  readonly #givenUp: Counter<'channel' | 'tier' | 'why'>;
  readonly #latency: Histogram;
  readonly #escalations: Counter<'step' | 'tier'>;
  readonly #updatesNotApplied: Counter<'kind'>;
  readonly #apiRejected: Counter<'status'>;
  readonly #signIn: Counter<'result'>;
  readonly #refusedConnections: Counter<'what'>;

  constructor(sources: { sync: () => SyncStatus; adapters: () => AdapterStatus[]; alerts?: () => { pending: number; undeliveredEmergencies: number } }) {
    const r = this.registry;
    // Counted in a plain number on the hot path and handed to the counter when scraped.
    const readings: Counter = new Counter({
      name: 'gateway_readings_total',
      help: 'Readings received from all adapters',
      registers: [r],
      collect: () => {
        readings.inc(this.#readingsSinceScrape);
        this.#readingsSinceScrape = 0;
      },
    });
    this.#readings = readings;
    this.#badInput = new Counter({ name: 'gateway_bad_input_total', help: 'Bad input (decode errors, invalid values, refused publishes) by device and code', labelNames: ['device', 'code'], registers: [r] });
    this.#tickets = new Counter({ name: 'gateway_tickets_raised_total', help: 'Tickets raised by tier and fault', labelNames: ['tier', 'fault'], registers: [r] });
    this.#alerts = new Counter({ name: 'gateway_alerts_total', help: 'Alert deliveries by channel and result (sent; failed: the attempt that made an alert count as failing, it is still retried)', labelNames: ['channel', 'result'], registers: [r] });
    this.#givenUp = new Counter({ name: 'gateway_alerts_given_up_total', help: 'General and low alerts given up undelivered, by channel, tier and why (expired, dropped from a full queue); emergencies are never given up', labelNames: ['channel', 'tier', 'why'], registers: [r] });
    const alerts = sources.alerts;
    if (alerts !== undefined) {
      new Gauge({ name: 'gateway_alerts_pending', help: 'Alerts not yet delivered on every channel they are for (kept on disk)', registers: [r], collect() { this.set(alerts().pending); } });
      new Gauge({ name: 'gateway_alerts_undelivered_emergencies', help: 'Emergency alerts that no channel could deliver yet (every channel failed)', registers: [r], collect() { this.set(alerts().undeliveredEmergencies); } });
    }
    this.#latency = new Histogram({ name: 'gateway_detection_to_ticket_ms', help: 'From the fault condition being decided to its ticket being durable (ms)', buckets: [1, 2, 5, 10, 20, 50, 100, 250, 1000], registers: [r] });
    this.#escalations = new Counter({ name: 'gateway_escalations_total', help: 'Alerts escalated for want of an acknowledgement, by step and tier', labelNames: ['step', 'tier'], registers: [r] });
    this.#updatesNotApplied = new Counter({ name: 'gateway_sync_updates_not_applied_total', help: 'Updates from the central service not applied: refused (wrong shape, unknown status, a move the lifecycle forbids; kept as dead letters) or stale (from before a later step here)', labelNames: ['kind'], registers: [r] });
    this.#apiRejected = new Counter({ name: 'gateway_api_rejected_total', help: 'API requests answered with an error, by HTTP status (401, 403, 400, 413, ...)', labelNames: ['status'], registers: [r] });
    this.#signIn = new Counter({ name: 'gateway_api_sign_in_throttle_total', help: 'Presented tokens that were wrong (failed), not tried because their address is held after wrong tokens (refused), or delayed because their prefix is (delayed); docs/security.md', labelNames: ['result'], registers: [r] });
    this.#refusedConnections = new Counter({ name: 'gateway_api_refused_total', help: 'HTTP connections and live-stream clients refused by a cap (connection, live-stream), in all or per address', labelNames: ['what'], registers: [r] });
    const sync = sources.sync;
    new Gauge({ name: 'gateway_outbox_backlog', help: 'Ticket changes waiting for upload', registers: [r], collect() { this.set(sync().backlog); } });
    new Gauge({ name: 'gateway_outbox_oldest_age_seconds', help: 'Age of the oldest unsent change', registers: [r], collect() { this.set((sync().oldestAgeMs ?? 0) / 1000); } });
    new Gauge({ name: 'gateway_outbox_dead_letters', help: 'Ticket changes the central service rejected, and updates from it the gateway refused', registers: [r], collect() { this.set(sync().deadLetters); } });
    new Gauge({ name: 'gateway_sync_last_success_timestamp_seconds', help: 'Last successful upload (epoch s; 0 never)', registers: [r], collect() { this.set((sync().lastSuccessAt ?? 0) / 1000); } });
    new Gauge({ name: 'gateway_sync_last_error_timestamp_seconds', help: 'Last failed upload or refusal (epoch s; 0 never)', registers: [r], collect() { this.set((sync().lastErrorAt ?? 0) / 1000); } });
    new Gauge({
      name: 'gateway_adapter_connected',
      help: 'Adapter connected (1) or not (0)',
      labelNames: ['adapter'],
      registers: [r],
      collect() {
        for (const a of sources.adapters()) this.set({ adapter: a.kind }, a.connected ? 1 : 0);
      },
    });
  }

  /** Hot path: one number incremented (prom-client's inc() checks labels and value on every call). */
  reading(): void {
    this.#readingsSinceScrape += 1;
  }

  badInput(deviceId: string, code: string): void {
    this.#badInput.inc({ device: deviceId, code });
  }

  ticket(t: Ticket, latencyMs: number): void {
    this.#tickets.inc({ tier: t.tier, fault: t.fault });
    this.#latency.observe(latencyMs);
  }

  alert(channel: string, result: 'sent' | 'failed'): void {
    this.#alerts.inc({ channel, result });
  }

  alertGivenUp(channel: string, tier: string, why: 'expired' | 'dropped'): void {
    this.#givenUp.inc({ channel, tier, why });
  }

  escalation(step: string, tier: string): void {
    this.#escalations.inc({ step, tier });
  }

  updateNotApplied(kind: 'refused' | 'stale'): void {
    this.#updatesNotApplied.inc({ kind });
  }

  apiRejected(status: number): void {
    this.#apiRejected.inc({ status: String(status) });
  }

  signIn(result: 'failed' | 'refused' | 'delayed'): void {
    this.#signIn.inc({ result });
  }

  refused(what: 'connection' | 'live-stream'): void {
    this.#refusedConnections.inc({ what });
  }

  /** The gateway's metrics, then the process and Node.js ones (process-metrics.ts). */
  async text(): Promise<string> {
    return `${await this.registry.metrics()}\n${await processRegistry().metrics()}`;
  }
}
