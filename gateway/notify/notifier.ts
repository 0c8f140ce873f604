import type { ActingRight } from '../../core/acting-right.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { TypedEmitter } from '../../core/typed-emitter.js';
import type { Bilingual } from '../../core/vocabulary.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { Store } from '../store/store.js';
import type { Ticket } from '../tickets/ticket.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { AlertFacts } from './alert-facts.js';
import type { AlertHealth } from './alert-health.js';
import type { PublishMqtt } from './channel-delivery.js';
import type { EscalationStep } from './roster.js';

// The notifier as the rest of the gateway sees it: what it needs, what it does, what it tells.

export type NotifierEvents = {
  alert: [{ channel: string; alert: AlertFacts; ok: boolean }];
  escalated: [{ ticket: Ticket; step: EscalationStep }];
  givenUp: [{ channel: string; alert: AlertFacts; why: 'expired' | 'dropped' }];
  /** The set of undelivered emergency alerts changed. */
  health: [AlertHealth];
};

export interface ChannelStatus {
  readonly channel: string;
  readonly sent: number;
  readonly failed: number;
  readonly dropped: number;
  readonly expired: number;
  /** Messages that carried several alerts merged (the robot's rate limit was reached). */
  readonly digests: number;
  readonly pending: number;
  readonly lastError: string | null;
}

export interface Notifier {
  start(): Promise<void>;
  /**
   * Tells staff on every channel that the gateway itself needs attention (e.g. GW_SYNC_UNAUTHORIZED),
   * or that it is back (GW_BACK). One pending message per `key` (default the code): the same key
   * again brings the waiting one up to date. Resolves once it is written to the store.
   */
  system(code: string, title: Bilingual, detail?: Bilingual, key?: string): Promise<string | null>;
  /** Resolves once the system message of `key` went out on every channel (true), or after `withinMs` of elapsed time (false). */
  whenSent(key: string, withinMs: number): Promise<boolean>;
  stop(): Promise<void>;
  status(): ChannelStatus[];
  health(): AlertHealth;
  /** The site broker is connected again: the MQTT channels send what waits at once. */
  mqttUp(): void;
  /** Resolves once the escalations the sweeps so far started are written (or failed). */
  escalationsSettled(): Promise<void>;
  on: TypedEmitter<NotifierEvents>['on'];
}

export interface NotifierDeps {
  readonly site: SiteConfig;
  readonly tickets: TicketService;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly publishMqtt?: PublishMqtt;
  readonly env?: NodeJS.ProcessEnv;
  /** One of a pair: an alert leaves only while this gateway may act (checked at each attempt). */
  readonly acting?: ActingRight;
}
