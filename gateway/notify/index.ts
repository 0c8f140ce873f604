import type { ActingRight } from '../../core/acting-right.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { Clock } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import { preciseSpanWords } from '../../core/local-time.js';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import type { TicketChange, TicketService } from '../tickets/ticket-service.js';
import { reopenedByCallback } from '../tickets/callbacks.js';
import { isOpen, type Ticket } from '../tickets/ticket.js';
import type { Bilingual } from '../../core/vocabulary.js';
import { AlertBook } from './alert-book.js';
import { assignedFacts, escalatedFacts, raisedFacts, reopenedFacts, summaryFacts, systemFacts, whoOf, type AlertFacts } from './alert-facts.js';
import { makeDeliver, type PublishMqtt } from './channel-delivery.js';
import { ChannelQueue, type QueuedAlert } from './channel-queue.js';
import type { Channel } from './config-schema.js';
import { Escalator } from './escalation.js';
import { notSentYet, stillNeeded } from './alert-relevance.js';
import { undeliveredEmergencies, type AlertHealth, type UndeliveredAlert } from './alert-health.js';
import { IncidentSummaries } from './incident-summaries.js';
import { callbackFollowUp } from './callback-overdue.js';
import { FollowUpOverdue } from './follow-up-overdue.js';
import { recheckFollowUp } from './recheck-overdue.js';
import type { ChannelStatus, Notifier, NotifierDeps, NotifierEvents } from './notifier.js';
import { DutyRoster, type Addressee } from './roster.js';

export type { AlertHealth, ChannelStatus, Notifier, NotifierDeps, NotifierEvents, PublishMqtt, UndeliveredAlert };

/**
 * Alerts a raised ticket to the team on duty for its skill and building (@-mentioning the people
 * on duty), and on the channels that get every alert. The alarms an incident groups (a flood, the
 * equipment a lost power board feeds) are told by the incident's summary, first at once and then
 * as updates, not one message each. An alert nobody acknowledges in time goes up the ladder
 * (escalation.ts), saying who missed what.
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
  /** The follow-ups a repair is owed, told once when overdue: the re-check, the callback. */
  readonly #followUps: readonly FollowUpOverdue[];
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #roster: DutyRoster;
  readonly #tickets: TicketService;
  readonly #store: Store;
  readonly #acting: ActingRight | undefined;
  readonly #book: AlertBook;
  readonly #summaries: IncidentSummaries;
  readonly #publicUrl: string;
  readonly #siteName: string;
  readonly #expireMs: number;
  /**
   * Records staged and not sent yet, each with the store generation whose commit makes it durable:
   * every alert (a ticket's, an escalation's, a follow-up's, the gateway's own) is staged one way
   * and sent one way, once that generation is on disk (#sendDurable).
   */
  readonly #staged = new Map<string, number>();
  #health: AlertHealth = { undelivered: [] };
  #healthText = '[]';
  readonly #onChange = (t: Ticket, change: TicketChange): void => this.#changed(t, change);

  constructor(deps: NotifierDeps) {
    super();
    const site = deps.site;
    this.#tickets = deps.tickets;
    this.#store = deps.store;
    this.#acting = deps.acting;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#book = new AlertBook({ store: deps.store, log: deps.log });
    this.#roster = new DutyRoster(site.notify.roster, site.site.timeZone, site.users);
    this.#addressed = this.#roster.addressedChannels();
    this.#expireMs = site.notify.expireMinutes * 60_000;
    this.#summaries = new IncidentSummaries(deps.clock, site.notify.summaryEverySeconds * 1000);
    this.#siteName = site.site.name;
    const h = site.http;
    this.#publicUrl = h.publicUrl ?? `http://${h.host === '0.0.0.0' ? '127.0.0.1' : h.host}:${h.port}`;
    this.#escalator = new Escalator({
      tickets: deps.tickets,
      escalation: site.escalation,
      acknowledgeMinutes: (tier) => site.contract[tier].acknowledgeMinutes,
      grabMinutes: site.contract.grabMinutes,
      chaseLeaderAfterMinutes: site.repairs.chaseLeaderAfterMinutes,
      roster: this.#roster,
      clock: deps.clock,
      log: deps.log,
      stage: (t, e) => this.#stage(`${t.id}/escalated-${e.n}`, t.id, escalatedFacts(t, e.missedBy, e.to, e.step, e.minutes, this.#publicUrl), e.to),
      onEscalated: (t, level) => {
        this.#sendDurable();
        this.emit('escalated', { ticket: t, step: level });
      },
    });
    // A resolved public-area repair nobody re-checked in time goes back to the team on duty, once;
    // an in-unit repair whose owner nobody called back in time goes to the desk, once.
    const followUpDeps = {
      tickets: deps.tickets,
      clock: deps.clock,
      log: deps.log,
      timeZone: site.site.timeZone,
      whoOf,
      stage: (t: Ticket, key: string, facts: AlertFacts, to: Addressee) => void this.#stage(key, t.id, facts, to),
      onWritten: () => this.#sendDurable(),
    };
    this.#followUps = [
      new FollowUpOverdue(recheckFollowUp({ publicUrl: this.#publicUrl, addressee: (t) => this.#addressee(t) }), followUpDeps),
      new FollowUpOverdue(callbackFollowUp({ publicUrl: this.#publicUrl, desk: () => this.#roster.desk() }), followUpDeps),
    ];
    this.#channels = new Map();
    this.#queues = new Map();
    const delivery = { clock: deps.clock, timeZone: site.site.timeZone, publicUrl: this.#publicUrl, ...(deps.publishMqtt === undefined ? {} : { publishMqtt: deps.publishMqtt }), ...(deps.env === undefined ? {} : { env: deps.env }) };
    for (const c of site.notify.channels) {
      const made = makeDeliver(c, delivery);
      if (made === null) continue;
      const acting = deps.acting;
      // The last step before an alert leaves: a paused old active of a pair finds out here, not after.
      const deliver: typeof made = acting === undefined ? made : (alerts) => (acting.mayAct() ? made(alerts) : Promise.reject(new Error('this gateway is not the active of its pair (GW_HA_FENCED): nothing is sent')));
      this.#channels.set(c.id, c);
      const perMinute = c.type === 'mqtt' ? undefined : c.perMinute;
      this.#queues.set(
        c.id,
        new ChannelQueue(c.id, deliver, {
          retries: c.retries,
          queueLimit: c.queueLimit,
          ...(perMinute === undefined ? {} : { perMinute }),
          clock: deps.clock,
          log: deps.log,
          hooks: {
            delivered: (item, latencyMs, merged) => this.#delivered(c.id, item, latencyMs, merged),
            failed: (item, err, attempts, latencyMs) => {
              // One line per alert that fails (and GW_NOTIFY_FAILED from the queue once it keeps failing).
              if (attempts === 1) this.#log.warn({ event: 'notify.attempt_failed', channel: c.id, number: item.alert.number, tier: item.alert.tier, result: 'failed', latencyMs: Math.round(latencyMs), err }, `alert for ${item.alert.number} on ${c.id} failed (${err}); retrying`);
              if (attempts === c.retries + 1) this.emit('alert', { channel: c.id, alert: item.alert, ok: false });
              this.#updateHealth();
            },
            givenUp: (item, why, err) => this.#givenUp(c.id, item.key, item.alert, why, err),
          },
        }),
      );
    }
    // Staged inside the durable write of the change that calls for it (persist first).
    deps.tickets.beforeDurable((t, change, previous) => this.#beforeDurable(t, change, previous));
  }

  async start(): Promise<void> {
    this.#tickets.on('changed', this.#onChange);
    // What a previous run staged and did not deliver goes out again (an emergency never expires).
    // After a pair's failover it says so: the old active may have sent it and died before recording it.
    const failover = (this.#acting?.epoch() ?? null) !== null;
    if (failover) {
      for (const rec of this.#book.all()) if (rec.alert.resentAfterFailover !== true) this.#book.stage({ ...rec, alert: { ...rec.alert, resentAfterFailover: true } });
      await this.#store.commit();
    }
    for (const rec of this.#book.all()) {
      const t = rec.ticketId === null ? undefined : this.#tickets.get(rec.ticketId);
      if (t !== undefined && !stillNeeded(rec.alert, t)) {
        this.#book.drop([rec.key]);
        continue;
      }
      for (const ch of rec.channels) if (!this.#queues.has(ch)) this.#book.done(rec.key, ch);
      if (this.#book.get(rec.key) !== undefined) {
        this.#log.info({ event: 'notify.resend', key: rec.key, number: rec.alert.number, channels: rec.channels }, `alert for ${rec.alert.number} was not delivered before the restart; sending it again`);
        this.#enqueue(rec.key);
      }
    }
    this.#escalator.start();
    for (const f of this.#followUps) f.start();
  }

  escalationsSettled(): Promise<void> {
    return this.#escalator.settled();
  }

  async stop(): Promise<void> {
    this.#tickets.off('changed', this.#onChange);
    await this.#escalator.stop();
    for (const f of this.#followUps) await f.stop();
    this.#summaries.stop();
    for (const q of this.#queues.values()) q.stop();
  }

  async system(code: string, title: Bilingual, detail?: Bilingual, key = `system/${code}`): Promise<string | null> {
    if (!this.#stage(key, null, systemFacts(code, title, detail ?? null, this.#siteName, this.#publicUrl), null)) return null;
    await this.#commitThenSend(`system alert ${code}`);
    return key;
  }

  whenSent(key: string, withinMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#book.get(key) !== undefined) return;
        finish(true);
      };
      const timer = this.#clock.setTimeout(() => finish(false), withinMs);
      const finish = (sent: boolean): void => {
        timer.cancel();
        this.off('alert', check);
        this.off('givenUp', check);
        resolve(sent);
      };
      this.on('alert', check);
      this.on('givenUp', check);
      check();
    });
  }

  status(): ChannelStatus[] {
    return [...this.#queues.values()].map((q) => ({ channel: q.id, sent: q.sent, failed: q.failed, dropped: q.dropped, expired: q.expired, digests: q.digests, pending: q.pending, lastError: q.lastError }));
  }

  health(): AlertHealth {
    return this.#health;
  }

  mqttUp(): void {
    for (const [id, q] of this.#queues) if (this.#channels.get(id)?.type === 'mqtt') q.retryNow();
  }

  #beforeDurable(t: Ticket, change: TicketChange, previous: Ticket | undefined): void {
    if (change === 'raised') {
      // An incident is told by its summary once it groups an alarm; a grouped alarm by its incident's;
      // a ticket storm mode paused by the storm's hourly digest.
      if (t.kind === 'incident' || t.parentId !== null || t.paused !== undefined) return;
      const to = this.#addressee(t);
      this.#stage(`${t.id}/raised`, t.id, raisedFacts(t, to, this.#publicUrl), to);
      return;
    }
    const last = t.history.at(-1);
    if (last?.action === 'assigned' && t.assigneeId !== undefined && t.assignee !== null) {
      // The engineer the supervisor gave it to hears it by name (派工), on their teams' channels.
      const to = this.#roster.person(t.assigneeId, t.assignee);
      const n = t.history.filter((h) => h.action === 'assigned').length;
      const [zh = '', en = zh] = (last.note ?? '').split(' / ');
      this.#stage(`${t.id}/assigned-${n}`, t.id, assignedFacts(t, to, { zh, en }, this.#publicUrl), to);
      return;
    }
    if (t.status === 'reopened' && previous?.status !== 'reopened') {
      // A repair reopened goes back to the team on duty, told why: central's reopen with its note, a failed re-check with its reason, an owner's callback that found it not fixed.
      const to = this.#addressee(t);
      const n = t.history.filter((h) => h.status === 'reopened').length;
      const cause = last?.actor === 'central' ? 'central' : reopenedByCallback(t) ? 'callback' : 'recheck';
      this.#stage(`${t.id}/reopened-${n}`, t.id, reopenedFacts(t, to, cause, last?.note ?? null, this.#publicUrl), to);
      return;
    }
    if (t.childIds.length <= (previous?.childIds.length ?? 0)) return;
    // Brought up to date in place only while it has gone out nowhere: once one channel has it (or is
    // sending it), that channel's staff must get the update too, even while a slower channel still
    // retries the first.
    const d = this.#summaries.decide(t.id, (key) => notSentYet(this.#book.get(key)) && ![...this.#queues.values()].some((q) => q.sending(key)), () => this.#summaryDue(t.id));
    if (d.what === 'later') return;
    const to = this.#addressee(t);
    this.#stage(d.key, t.id, summaryFacts(t, this.#childrenOf(t), to, this.#publicUrl), to);
  }

  /** A throttled summary's time came: staged on its own durable write with the incident as it is now. */
  #summaryDue(incidentId: string): void {
    const t = this.#tickets.get(incidentId);
    if (t === undefined || !isOpen(t)) return;
    const key = this.#summaries.due(incidentId);
    const to = this.#addressee(t);
    this.#stage(key, t.id, summaryFacts(t, this.#childrenOf(t), to, this.#publicUrl), to);
    void this.#commitThenSend(`summary of ${t.number}`);
  }

  #childrenOf(t: Ticket): Ticket[] {
    return t.childIds.flatMap((id) => this.#tickets.get(id) ?? []);
  }

  #addressee(t: Ticket): Addressee {
    return this.#roster.addressee('team', this.#clock.now(), t.skill, t.location.building);
  }

  /** A record for the channels of the addressee (null: every channel), that take the alert's tier. */
  #stage(key: string, ticketId: string | null, facts: AlertFacts, to: Addressee | null): boolean {
    const targets = [...this.#channels.values()]
      .filter((c) => to === null || !this.#addressed.has(c.id) || to.channels.includes(c.id))
      .filter((c) => c.tiers === undefined || c.tiers.includes(facts.tier))
      .map((c) => c.id);
    if (targets.length === 0) return false;
    const pending = this.#book.get(key);
    // A summary brought up to date keeps the channels that still have to send it.
    const channels = pending === undefined ? targets : pending.channels;
    this.#book.stage({ key, ticketId, tier: facts.tier, alert: facts, targets, channels, createdAt: pending?.createdAt ?? this.#clock.now() });
    this.#staged.set(key, this.#store.pendingGeneration());
    return true;
  }

  /** Sends every staged record whose write is on disk (nothing goes out about what is not). */
  #sendDurable(): void {
    const durable = this.#store.durableGeneration();
    for (const [key, generation] of this.#staged) {
      if (generation > durable) continue;
      this.#staged.delete(key);
      this.#enqueue(key);
    }
  }

  /** For what is staged outside a ticket's change (the gateway's own messages, a summary's update): its own write, then send. */
  #commitThenSend(what: string): Promise<void> {
    return this.#store.commit().then(
      () => this.#sendDurable(),
      (err: unknown) => this.#log.error({ event: 'notify.not_written', what, err: errorMessage(err) }, `${what} could not be written`),
    );
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
    this.#sendDurable();
    if (change === 'raised') return;
    // The step an alert asked for was taken (or the ticket is over): its undelivered alerts are not needed any more.
    const gone = this.#book.drop(this.#book.ofTicket(t.id).filter((r) => !stillNeeded(r.alert, t)).map((r) => r.key));
    if (gone.length === 0) return;
    const keys = new Set(gone.map((r) => r.key));
    for (const q of this.#queues.values()) q.remove(keys);
    this.#log.info({ event: 'notify.superseded', ticketId: t.id, number: t.number, status: t.status, alerts: gone.length }, `ticket ${t.number} is ${t.status}: its undelivered alerts are no longer sent`);
    this.#updateHealth();
  }

  #delivered(channel: string, item: QueuedAlert, latencyMs: number, merged: number): void {
    this.#book.done(item.key, channel);
    this.#log.info(
      { event: 'notify.sent', channel, number: item.alert.number, tier: item.alert.tier, kind: item.alert.kind, result: 'sent', latencyMs: Math.round(latencyMs), merged },
      `alert for ${item.alert.number} sent on ${channel} in ${Math.round(latencyMs)} ms${merged > 1 ? ` (one of ${merged} merged into a digest)` : ''}`,
    );
    this.emit('alert', { channel, alert: item.alert, ok: true });
    this.#updateHealth();
  }

  /** A general or low alert was not delivered: counted, logged and written on its ticket. */
  #givenUp(channel: string, key: string, alert: AlertFacts, why: 'expired' | 'dropped', err: string | null): void {
    this.#book.done(key, channel);
    this.emit('givenUp', { channel, alert, why });
    // The site's configured window, said exactly (12 s in a test, 30 min on a site).
    const reason = why === 'expired' ? `not delivered within ${preciseSpanWords(this.#expireMs, 'en')}${err === null ? '' : ` (${err})`}` : 'the channel queue was full';
    this.#log.error({ event: 'notify.given_up', code: 'GW_NOTIFY_EXPIRED', channel, number: alert.number, tier: alert.tier, why, err }, `alert for ${alert.number} on ${channel} given up: ${reason}`);
    if (alert.kind !== 'system' && this.#tickets.get(alert.ticketId) !== undefined) {
      const zh = why === 'expired' ? `告警未能经 ${channel} 送达（${preciseSpanWords(this.#expireMs, 'zh')}内未成功${err === null ? '' : `：${err}`}）` : `告警未经 ${channel} 发送（发送队列已满）`;
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
    const undelivered = candidates.length === 0 ? [] : undeliveredEmergencies(candidates, this.#queues, this.#siteName);
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

export function createNotifier(deps: NotifierDeps): Notifier {
  return new AlertNotifier(deps);
}
