import type { Clock, TimerHandle } from '../../core/clock.js';
import type { BacnetSession } from './bacnet-session.js';
import type { BacnetSource } from './config.js';
import type { StackReceiver } from './device-address.js';
import type { LinkFailure, LinkPoint } from './link-point.js';

/**
 * A shutdown waits at most this long for a device to acknowledge the cancellations: one that is
 * gone must not hold up the gateway's stop, and its subscriptions lapse at their lifetime anyway.
 */
export const CANCEL_TIMEOUT_MS = 2000;

export interface CovDeps {
  readonly session: BacnetSession;
  readonly clock: Clock;
  readonly processId: number;
  /** A point the device would not subscribe: it is polled from now on. */
  readonly refused: (p: LinkPoint, reason: string) => void;
  /** Half the lifetime has passed: subscribe again (the device replaces the old one, 13.14.2). */
  readonly renew: () => void;
}

/**
 * One device's COV subscriptions (SubscribeCOV, clause 13.14): made after the first read, renewed
 * at half their lifetime, made again whenever the device answers after an outage (a restarted
 * device has forgotten its subscribers), and cancelled at stop so the device stops sending to a
 * gateway that is no longer there, instead of sending until each lifetime lapses.
 */
export class CovSubscriptions {
  readonly #src: BacnetSource;
  readonly #d: CovDeps;
  #renewTimer: TimerHandle | null = null;
  /** Where subscriptions were asked for (so stop cancels them, even half made); null when the device lost them. */
  #at: StackReceiver | null = null;
  #label = '';
  /** Every cov point subscribed and the renewal timer running. */
  #complete = false;
  /** Cancelled at stop: a round still subscribing asks for no more. */
  #cancelled = false;

  constructor(src: BacnetSource, deps: CovDeps) {
    this.#src = src;
    this.#d = deps;
  }

  get active(): boolean {
    return this.#complete;
  }

  /** Subscribes each `cov` point; null when the device answered every request (granted or refused). */
  async subscribe(points: readonly LinkPoint[], to: StackReceiver, label: string): Promise<LinkFailure | null> {
    this.#at = to;
    this.#label = label;
    for (const p of points) {
      if (this.#cancelled) return null;
      if (p.mode !== 'cov') continue;
      const o = await this.#d.session.request(`SubscribeCOV ${p.id} at ${label}`, this.#src.timeoutMs, (c) =>
        c.subscribeCov(to, { type: p.type, instance: p.instance }, this.#d.processId, false, this.#src.covConfirmed, this.#src.covLifetimeSeconds),
      );
      if (o.ok) continue;
      if (!o.refused) return o;
      // Refused (no COV, or no room for another subscriber): poll this point instead, say so once.
      p.mode = 'poll';
      this.#d.refused(p, o.reason);
    }
    // Cancelled while the last request was out: no renewal timer after stop.
    if (this.#cancelled) return null;
    this.#complete = true;
    this.#renewTimer?.cancel();
    this.#renewTimer = null;
    if (points.some((p) => p.mode === 'cov')) {
      // Renewed at half the lifetime, so one lost renewal still leaves time for the next.
      this.#renewTimer = this.#d.clock.setTimeout(() => {
        this.#renewTimer = null;
        this.#complete = false;
        this.#d.renew();
      }, (this.#src.covLifetimeSeconds * 1000) / 2);
    }
    return null;
  }

  /** A new start: nothing subscribed, nothing cancelled. */
  reset(): void {
    this.#cancelled = false;
    this.lost();
  }

  /** The device went silent: it may have forgotten them (a restart); the next round subscribes again. */
  lost(): void {
    this.#renewTimer?.cancel();
    this.#renewTimer = null;
    this.#complete = false;
    this.#at = null;
  }

  /**
   * SubscribeCOV without issue-confirmed-notifications and lifetime is a cancellation (13.14.1.1.3
   * and 13.14.1.1.4), one per cov point, all at once, each bounded by CANCEL_TIMEOUT_MS. Cancelling
   * one the device does not hold still succeeds (13.14.2), so a half-made set is cancelled whole;
   * a device that does not answer is left to let them lapse.
   */
  async cancel(points: readonly LinkPoint[]): Promise<void> {
    const to = this.#at;
    this.#cancelled = true;
    this.lost();
    if (to === null) return;
    const timeoutMs = Math.min(this.#src.timeoutMs, CANCEL_TIMEOUT_MS);
    await Promise.all(
      points
        .filter((p) => p.mode === 'cov')
        .map((p) => this.#d.session.request(`cancel SubscribeCOV ${p.id} at ${this.#label}`, timeoutMs, (c) => c.subscribeCov(to, { type: p.type, instance: p.instance }, this.#d.processId, true, false, 0))),
    );
  }
}
