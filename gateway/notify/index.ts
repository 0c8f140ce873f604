import { TypedEmitter } from '../../adapters/typed-emitter.js';
import type { Clock } from '../clock.js';
import { resolveSecret } from '../config/secrets.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { Logger } from '../log.js';
import type { TicketChange, TicketService } from '../tickets/ticket-service.js';
import type { Ticket } from '../tickets/ticket.js';
import { alertOf, dingtalkBody, dingtalkSignedUrl, feishuBody, feishuSign, systemAlert, wecomBody, type Alert } from './alert-message.js';
import { ChannelQueue, type Deliver } from './channel-queue.js';
import type { Channel } from './config-schema.js';
import { Escalator } from './escalation.js';
import { DutyRoster, type Addressee, type EscalationStep } from './roster.js';

export type PublishMqtt = (topic: string, payload: string, opts: { qos: 0 | 1 }) => Promise<void>;

export type NotifierEvents = {
  alert: [{ channel: string; alert: Alert; ok: boolean }];
  escalated: [{ ticket: Ticket; step: EscalationStep }];
};

export interface Notifier {
  start(): Promise<void>;
  /** Tells staff that the gateway itself needs attention (e.g. GW_SYNC_UNAUTHORIZED). */
  system(code: string, title: { zh: string; en: string }): void;
  stop(): Promise<void>;
  status(): { channel: string; sent: number; failed: number; dropped: number; pending: number }[];
  on: TypedEmitter<NotifierEvents>['on'];
}

/**
 * Alerts a raised ticket after it is durable (TicketService emits `changed` only then): to the team
 * on duty for its skill and building, and on the channels that get every alert. Children of an
 * incident are summarised by the incident's own alert, except emergencies, which are always
 * alerted at once. An alert nobody acknowledges in time goes up the ladder (escalation.ts).
 */
class AlertNotifier extends TypedEmitter<NotifierEvents> implements Notifier {
  readonly #queues: ChannelQueue[];
  readonly #addressed: Set<string>;
  readonly #escalator: Escalator;
  readonly #clock: Clock;
  readonly #roster: DutyRoster;
  readonly #tickets: TicketService;
  readonly #publicUrl: string;
  readonly #siteName: string;
  readonly #onChange = (t: Ticket, change: TicketChange): void => this.#changed(t, change);

  constructor(deps: { site: SiteConfig; tickets: TicketService; clock: Clock; log: Logger; publishMqtt?: PublishMqtt; fetch?: typeof fetch; env?: NodeJS.ProcessEnv }) {
    super();
    this.#tickets = deps.tickets;
    this.#clock = deps.clock;
    this.#roster = new DutyRoster(deps.site.notify.roster, deps.site.site.timeZone);
    this.#addressed = this.#roster.addressedChannels();
    this.#escalator = new Escalator({
      tickets: deps.tickets,
      contract: deps.site.contract,
      roster: this.#roster,
      clock: deps.clock,
      log: deps.log,
      onEscalated: (t, step, to) => {
        this.#send(alertOf(t, this.#publicUrl, { level: to.level, name: to.name }, true), to);
        this.emit('escalated', { ticket: t, step });
      },
    });
    this.#siteName = deps.site.site.name;
    const h = deps.site.http;
    this.#publicUrl = h.publicUrl ?? `http://${h.host === '0.0.0.0' ? '127.0.0.1' : h.host}:${h.port}`;
    this.#queues = deps.site.notify.channels.flatMap((c) => {
      const deliver = makeDeliver(c, deps);
      if (deliver === null) return [];
      const q = new ChannelQueue(c.id, tierFilter(c, deliver), {
        retries: c.retries,
        queueLimit: c.queueLimit,
        clock: deps.clock,
        log: deps.log,
        onResult: (alert, ok) => this.emit('alert', { channel: c.id, alert, ok }),
      });
      return [q];
    });
  }

  async start(): Promise<void> {
    this.#tickets.on('changed', this.#onChange);
    this.#escalator.start();
  }

  async stop(): Promise<void> {
    this.#tickets.off('changed', this.#onChange);
    await this.#escalator.stop();
    for (const q of this.#queues) q.stop();
  }

  system(code: string, title: { zh: string; en: string }): void {
    const alert = systemAlert(code, title, this.#siteName, this.#publicUrl);
    for (const q of this.#queues) q.push(alert);
  }

  status(): { channel: string; sent: number; failed: number; dropped: number; pending: number }[] {
    return this.#queues.map((q) => ({ channel: q.id, sent: q.sent, failed: q.failed, dropped: q.dropped, pending: q.pending }));
  }

  #changed(t: Ticket, change: TicketChange): void {
    if (change !== 'raised') return;
    if (t.parentId !== null && t.tier !== 'emergency') return;
    const addressee = this.#roster.addressee('team', this.#clock.now(), t.skill, t.location.building);
    this.#send(alertOf(t, this.#publicUrl, { level: addressee.level, name: addressee.name }), addressee);
  }

  /** Channels of the addressee, plus the channels no addressee owns (they get every alert). */
  #send(alert: Alert, to: Addressee): void {
    for (const q of this.#queues) if (!this.#addressed.has(q.id) || to.channels.includes(q.id)) q.push(alert);
  }
}

function tierFilter(c: Channel, deliver: Deliver): Deliver {
  if (c.tiers === undefined) return deliver;
  const tiers = new Set(c.tiers);
  return async (a) => {
    if (tiers.has(a.tier)) await deliver(a);
  };
}

function makeDeliver(c: Channel, deps: { clock: Clock; publishMqtt?: PublishMqtt; fetch?: typeof fetch; env?: NodeJS.ProcessEnv }): Deliver | null {
  const env = deps.env ?? process.env;
  const post = async (url: string, body: unknown): Promise<void> => {
    const res = await (deps.fetch ?? fetch)(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    await res.arrayBuffer();
  };
  switch (c.type) {
    case 'mqtt': {
      const publish = deps.publishMqtt;
      if (publish === undefined) return null;
      return (a) => publish(c.topic.replaceAll('{tier}', a.kind === 'system' ? 'system' : a.tier), JSON.stringify(a), { qos: 1 });
    }
    case 'webhook':
      return (a) => post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', { type: a.kind === 'system' ? 'gateway.system' : 'ticket.raised', alert: a });
    case 'wecom':
      return (a) => post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', wecomBody(a));
    case 'dingtalk':
      return (a) => {
        const url = resolveSecret(c.url, `notify ${c.id} url`, env) ?? '';
        const secret = resolveSecret(c.secret, `notify ${c.id} secret`, env);
        return post(secret === undefined ? url : dingtalkSignedUrl(url, secret, deps.clock.now()), dingtalkBody(a));
      };
    case 'feishu':
      return (a) => {
        const secret = resolveSecret(c.secret, `notify ${c.id} secret`, env);
        const body = feishuBody(a) as Record<string, unknown>;
        return post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', secret === undefined ? body : { ...feishuSign(secret, Math.floor(deps.clock.now() / 1000)), ...body });
      };
    default: {
      const never: never = c;
      throw new Error(`unknown channel ${JSON.stringify(never)}`);
    }
  }
}

export function createNotifier(deps: { site: SiteConfig; tickets: TicketService; clock: Clock; log: Logger; publishMqtt?: PublishMqtt; fetch?: typeof fetch; env?: NodeJS.ProcessEnv }): Notifier {
  return new AlertNotifier(deps);
}
