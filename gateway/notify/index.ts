import { TypedEmitter } from '../../adapters/typed-emitter.js';
import type { Clock } from '../clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import { errorMessage } from '../errors.js';
import { spanWords } from '../local-time.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { TicketChange, TicketService } from '../tickets/ticket-service.js';
import type { Ticket } from '../tickets/ticket.js';
import { AlertBook } from './alert-book.js';
import { alertOf, systemAlert, type Alert } from './alert-message.js';
import { makeDeliver, type PublishMqtt } from './channel-delivery.js';
import { ChannelQueue } from './channel-queue.js';
import type { Channel } from './config-schema.js';
import { Escalator } from './escalation.js';
import { DutyRoster, type Addressee, type EscalationStep } from './roster.js';

export type { PublishMqtt };

/** An emergency alert no channel has delivered, every channel having tried: staff must be told in words. */
export interface UndeliveredAlert {
  readonly number: string;
  readonly ticketId: string | null;
  readonly title: Ticket['title'];
  readonly where: string;
  /** Wall time the alert was made (epoch ms). */
  readonly since: number;
  readonly channels: readonly { readonly id: string; readonly error: string }[];
}

export interface AlertHealth {
  readonly undelivered: readonly UndeliveredAlert[];
}

export type NotifierEvents = {
  alert: [{ channel: string; alert: Alert; ok: boolean }];
  escalated: [{ ticket: Ticket; step: EscalationStep }];
  givenUp: [{ channel: string; alert: Alert; why: 'expired' | 'dropped' }];
  /** The set of undelivered emergency alerts changed. */
  health: [AlertHealth];
};

export interface ChannelStatus {
  readonly channel: string;
  readonly sent: number;
  readonly failed: number;
  readonly dropped: number;
  readonly expired: number;
  readonly pending: number;
  readonly lastError: string | null;
}

export interface Notifier {
  start(): Promise<void>;
  /** Tells staff that the gateway itself needs attention (e.g. GW_SYNC_UNAUTHORIZED). */
  system(code: string, title: { zh: string; en: string }): void;
  stop(): Promise<void>;
  status(): ChannelStatus[];
  health(): AlertHealth;
  /** The site broker is connected again: the MQTT channels send what waits at once. */
  mqttUp(): void;
  on: TypedEmitter<NotifierEvents>['on'];
}

export interface NotifierDeps {
  readonly site: SiteConfig;
  readonly tickets: TicketService;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly publishMqtt?: PublishMqtt;
  readonly fetch?: typeof fetch;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Alerts a raised ticket to the team on duty for its skill and building, and on the channels that
 * get every alert. Children of an incident are summarised by the incident's own alert, except
 * emergencies, which are always alerted at once. An alert nobody acknowledges in time goes up the
 * ladder (escalation.ts).
 *
 * Every alert is first a record in the store (alert-book.ts), written in the same durable write
 * as the ticket change that calls for it, and each channel takes it off once delivered. So an
 * alert is never sent about something not on disk, a restart sends again what was not delivered,
 * and an emergency is retried on every channel until it is delivered or someone takes the ticket.
 * When no channel can deliver an emergency, health() says so and /readyz and the pages show it.
 */
class AlertNotifier extends TypedEmitter<NotifierEvents> implements Notifier {
  readonly #queues: Map<string, ChannelQueue>;
  readonly #channels: Map<string, Channel>;
  readonly #addressed: Set<string>;
  readonly #escalator: Escalator;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #roster: DutyRoster;
  readonly #tickets: TicketService;
  readonly #store: Store;
  readonly #book: AlertBook;
  readonly #publicUrl: string;
  readonly #siteName: string;
  readonly #expireMs: number;
  #health: AlertHealth = { undelivered: [] };
  #healthText = '[]';
  readonly #onChange = (t: Ticket, change: TicketChange): void => this.#changed(t, change);

  constructor(deps: NotifierDeps) {
    super();
    this.#tickets = deps.tickets;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#book = new AlertBook({ store: deps.store, log: deps.log });
    this.#roster = new DutyRoster(deps.site.notify.roster, deps.site.site.timeZone);
    this.#addressed = this.#roster.addressedChannels();
    this.#expireMs = deps.site.notify.expireMinutes * 60_000;
    this.#escalator = new Escalator({
      tickets: deps.tickets,
      contract: deps.site.contract,
      roster: this.#roster,
      clock: deps.clock,
      log: deps.log,
      stage: (t, step, to, n) => this.#stage(`${t.id}/escalated-${n}`, t.id, alertOf(t, this.#publicUrl, { level: to.level, name: to.name }, true), to),
      onEscalated: (t, step, n) => {
        this.#enqueue(`${t.id}/escalated-${n}`);
        this.emit('escalated', { ticket: t, step });
      },
    });
    this.#siteName = deps.site.site.name;
    const h = deps.site.http;
    this.#publicUrl = h.publicUrl ?? `http://${h.host === '0.0.0.0' ? '127.0.0.1' : h.host}:${h.port}`;
    this.#channels = new Map();
    this.#queues = new Map();
    for (const c of deps.site.notify.channels) {
      const deliver = makeDeliver(c, deps);
      if (deliver === null) continue;
      this.#channels.set(c.id, c);
      this.#queues.set(
        c.id,
        new ChannelQueue(c.id, deliver, {
          retries: c.retries,
          queueLimit: c.queueLimit,
          clock: deps.clock,
          log: deps.log,
          hooks: {
            delivered: (item) => {
              this.#book.done(item.key, c.id);
              this.emit('alert', { channel: c.id, alert: item.alert, ok: true });
              this.#updateHealth();
            },
            failed: (item, _err, attempts) => {
              if (attempts === c.retries + 1) this.emit('alert', { channel: c.id, alert: item.alert, ok: false });
              this.#updateHealth();
            },
            givenUp: (item, why, err) => this.#givenUp(c.id, item.key, item.alert, why, err),
          },
        }),
      );
    }
    // Staged inside the durable write of the raise (persist first): see TicketService.beforeDurable.
    deps.tickets.beforeDurable((t, change) => {
      if (change === 'raised' && this.#alerts(t)) {
        const to = this.#roster.addressee('team', this.#clock.now(), t.skill, t.location.building);
        this.#stage(`${t.id}/raised`, t.id, alertOf(t, this.#publicUrl, { level: to.level, name: to.name }), to);
      }
    });
  }

  async start(): Promise<void> {
    this.#tickets.on('changed', this.#onChange);
    // What a previous run staged and did not deliver goes out again (an emergency never expires).
    for (const rec of this.#book.all()) {
      const t = rec.ticketId === null ? undefined : this.#tickets.get(rec.ticketId);
      if (t !== undefined && takenCareOf(t)) {
        this.#book.dropTicket(t.id);
        continue;
      }
      for (const ch of rec.channels) if (!this.#queues.has(ch)) this.#book.done(rec.key, ch);
      if (this.#book.get(rec.key) !== undefined) {
        this.#log.info({ event: 'notify.resend', key: rec.key, number: rec.alert.number, channels: rec.channels }, `alert for ${rec.alert.number} was not delivered before the restart; sending it again`);
        this.#enqueue(rec.key);
      }
    }
    this.#escalator.start();
  }

  async stop(): Promise<void> {
    this.#tickets.off('changed', this.#onChange);
    await this.#escalator.stop();
    for (const q of this.#queues.values()) q.stop();
  }

  system(code: string, title: { zh: string; en: string }): void {
    const key = `system/${code}`;
    this.#stage(key, null, systemAlert(code, title, this.#siteName, this.#publicUrl), null);
    this.#store.commit().then(
      () => this.#enqueue(key),
      (err: unknown) => this.#log.error({ event: 'notify.system_not_written', code, err: errorMessage(err) }, `system alert ${code} could not be written`),
    );
  }

  status(): ChannelStatus[] {
    return [...this.#queues.values()].map((q) => ({ channel: q.id, sent: q.sent, failed: q.failed, dropped: q.dropped, expired: q.expired, pending: q.pending, lastError: q.lastError }));
  }

  health(): AlertHealth {
    return this.#health;
  }

  mqttUp(): void {
    for (const [id, q] of this.#queues) if (this.#channels.get(id)?.type === 'mqtt') q.retryNow();
  }

  /** Raised tickets are alerted, but children of an incident only when they are emergencies. */
  #alerts(t: Ticket): boolean {
    return t.parentId === null || t.tier === 'emergency';
  }

  /** A record for the channels of the addressee (null: every channel), that take the alert's tier. */
  #stage(key: string, ticketId: string | null, alert: Alert, to: Addressee | null): void {
    const targets = [...this.#channels.values()]
      .filter((c) => to === null || !this.#addressed.has(c.id) || to.channels.includes(c.id))
      .filter((c) => c.tiers === undefined || c.tiers.includes(alert.tier))
      .map((c) => c.id);
    if (targets.length === 0) return;
    this.#book.stage({ key, ticketId, tier: alert.tier, alert, targets, channels: targets, createdAt: this.#clock.now() });
  }

  /** Hands a durable record to the queues of the channels it still has to reach. */
  #enqueue(key: string): void {
    const rec = this.#book.get(key);
    if (rec === undefined) return;
    // An emergency waits for nobody's clock; a general or low alert expires, counted from when it was made.
    const age = Math.min(this.#expireMs, Math.max(0, this.#clock.now() - rec.createdAt));
    const giveUpAt = rec.tier === 'emergency' ? null : this.#clock.monotonic() + this.#expireMs - age;
    for (const ch of rec.channels) this.#queues.get(ch)?.push({ key, alert: rec.alert, giveUpAt });
  }

  #changed(t: Ticket, change: TicketChange): void {
    if (change === 'raised') {
      this.#enqueue(`${t.id}/raised`);
      return;
    }
    // Someone took the ticket: its alerts that have not gone out are not needed any more.
    if (!takenCareOf(t)) return;
    const gone = this.#book.dropTicket(t.id);
    if (gone.length === 0) return;
    const keys = new Set(gone.map((r) => r.key));
    for (const q of this.#queues.values()) q.remove(keys);
    this.#log.info({ event: 'notify.superseded', ticketId: t.id, number: t.number, status: t.status, alerts: gone.length }, `ticket ${t.number} is ${t.status}: its undelivered alerts are no longer sent`);
    this.#updateHealth();
  }

  /** A general or low alert was not delivered: counted, logged and written on its ticket. */
  #givenUp(channel: string, key: string, alert: Alert, why: 'expired' | 'dropped', err: string | null): void {
    this.#book.done(key, channel);
    this.emit('givenUp', { channel, alert, why });
    const reason = why === 'expired' ? `not delivered within ${spanWords(this.#expireMs)}${err === null ? '' : ` (${err})`}` : 'the channel queue was full';
    this.#log.error({ event: 'notify.given_up', code: 'GW_NOTIFY_EXPIRED', channel, number: alert.number, tier: alert.tier, why, err }, `alert for ${alert.number} on ${channel} given up: ${reason}`);
    if (alert.kind === 'ticket' && this.#tickets.get(alert.ticketId) !== undefined) {
      const zh = why === 'expired' ? `告警未能经 ${channel} 送达（${spanWords(this.#expireMs, 'zh')}内未成功${err === null ? '' : `：${err}`}）` : `告警未经 ${channel} 发送（发送队列已满）`;
      this.#tickets
        .mutate(alert.ticketId, 'gateway', () => ({ action: 'alert-undelivered', note: `${zh} / alert on ${channel} ${reason}` }))
        .catch((e: unknown) => this.#log.error({ event: 'notify.note_failed', err: errorMessage(e) }, 'could not note the undelivered alert on its ticket'));
    }
    this.#updateHealth();
  }

  /** Emergencies no channel has delivered, every channel having failed at least once. */
  #updateHealth(): void {
    // Runs after every delivery: look at the failing channels only when some emergency has reached no channel yet.
    const candidates = this.#book.undeliveredEmergencies();
    const undelivered: UndeliveredAlert[] = [];
    if (candidates.length > 0) {
      const failing = new Map([...this.#queues].map(([id, q]) => [id, q.failingKeys()]));
      for (const rec of candidates) {
        const errors = rec.channels.map((id) => ({ id, error: failing.get(id)?.get(rec.key) }));
        if (errors.some((e) => e.error === undefined)) continue;
        undelivered.push({ number: rec.alert.number, ticketId: rec.ticketId, title: rec.alert.title, where: rec.alert.where, since: rec.createdAt, channels: errors.map((e) => ({ id: e.id, error: e.error ?? '' })) });
      }
      undelivered.sort((a, b) => a.since - b.since);
    }
    const text = JSON.stringify(undelivered);
    if (text === this.#healthText) return;
    this.#healthText = text;
    this.#health = { undelivered };
    if (undelivered.length > 0) {
      this.#log.error({ event: 'notify.emergency_undelivered', code: 'GW_NOTIFY_FAILED', alerts: undelivered.map((u) => u.number) }, `no alert channel could deliver the emergency alert of ${undelivered.map((u) => u.number).join(', ')}: tell the engineer on duty by phone`);
    }
    this.emit('health', this.#health);
  }
}

/**
 * Whether a ticket's undelivered alerts are no longer needed: an engineer on site acknowledged it,
 * or there is nothing left to do (rejected as a false alarm, resolved, closed). The central
 * service dispatching it is not enough: the staff on duty on site may still know nothing.
 */
function takenCareOf(t: Ticket): boolean {
  return t.status === 'rejected' || t.status === 'resolved' || t.status === 'closed' || t.history.some((h) => h.action === 'acknowledged' && h.actor.startsWith('user:'));
}

export function createNotifier(deps: NotifierDeps): Notifier {
  return new AlertNotifier(deps);
}
