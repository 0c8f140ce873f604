import { Backoff } from '../../adapters/backoff.js';
import type { Clock, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Alert } from './alert-message.js';

export type Deliver = (alert: Alert) => Promise<void>;

/** One alert waiting on one channel. */
export interface QueuedAlert {
  /** The pending-alert record it belongs to (alert-book.ts). */
  readonly key: string;
  readonly alert: Alert;
  /** Monotonic time after which it is given up; null: never (emergencies, until someone acknowledges). */
  readonly giveUpAt: number | null;
}

export interface ChannelQueueHooks {
  delivered(item: QueuedAlert): void;
  /**
   * One attempt failed (it is retried). `attempts` counts them; the queue logs GW_NOTIFY_FAILED once,
   * when an alert has failed `retries + 1` times in a row.
   */
  failed(item: QueuedAlert, err: string, attempts: number): void;
  /** A general or low alert left undelivered: it expired, or a full queue pushed it out. */
  givenUp(item: QueuedAlert, why: 'expired' | 'dropped', err: string | null): void;
}

export interface ChannelQueueOptions {
  readonly retries: number;
  /** One attempt that has not settled after this long counts as failed (a publish that hangs must not hold the channel). */
  readonly attemptTimeoutMs?: number;
  readonly queueLimit: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly hooks: ChannelQueueHooks;
}

interface Entry extends QueuedAlert {
  attempts: number;
  lastError: string | null;
}

/**
 * One channel's outgoing alerts: sent one at a time, emergencies first, retried with capped
 * backoff and jitter on elapsed time. An emergency is retried until it is delivered or taken off
 * (its ticket was acknowledged): a broker or robot that is down for an hour delays it, never loses
 * it. General and low alerts are retried until they expire; a full queue pushes out the oldest of
 * them, never an emergency. Either way the hooks tell, so a person is told.
 */
export class ChannelQueue {
  readonly #queue: Entry[] = [];
  readonly #backoff = new Backoff({ baseMs: 500, capMs: 30_000 });
  #timer: TimerHandle | null = null;
  #inFlight: Entry | null = null;
  #stopped = false;
  #lastError: string | null = null;
  sent = 0;
  failed = 0;
  dropped = 0;
  expired = 0;

  constructor(
    readonly id: string,
    private readonly deliver: Deliver,
    private readonly opts: ChannelQueueOptions,
  ) {}

  /** Queues an alert (an alert of the same key already queued is replaced in place). */
  push(item: QueuedAlert): void {
    if (this.#stopped) return;
    const same = this.#queue.findIndex((e) => e.key === item.key);
    if (same >= 0) {
      this.#queue[same] = { ...item, attempts: this.#queue[same]?.attempts ?? 0, lastError: this.#queue[same]?.lastError ?? null };
      return;
    }
    if (this.#queue.length >= this.opts.queueLimit) {
      const victim = this.#queue.findIndex((q) => q.alert.tier !== 'emergency' && q !== this.#inFlight);
      if (victim >= 0) {
        const [out] = this.#queue.splice(victim, 1);
        this.dropped += 1;
        if (out !== undefined) this.opts.hooks.givenUp(out, 'dropped', null);
      } else if (item.alert.tier !== 'emergency') {
        this.dropped += 1;
        this.opts.hooks.givenUp(item, 'dropped', null);
        return;
      }
    }
    const entry: Entry = { ...item, attempts: 0, lastError: null };
    // Emergencies go ahead of the rest (but behind the one being sent).
    const at = item.alert.tier === 'emergency' ? this.#queue.findIndex((q, i) => q.alert.tier !== 'emergency' && !(i === 0 && q === this.#inFlight)) : -1;
    if (at >= 0) this.#queue.splice(at, 0, entry);
    else this.#queue.push(entry);
    this.#pump();
  }

  /** Takes alerts off (nobody needs them any more); one in flight finishes but is not retried. */
  remove(keys: ReadonlySet<string>): void {
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const e = this.#queue[i];
      if (e !== undefined && keys.has(e.key) && e !== this.#inFlight) this.#queue.splice(i, 1);
    }
  }

  /** Keys this channel has tried and failed to deliver (the last attempt failed). */
  failingKeys(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.#queue) if (e.lastError !== null) out.set(e.key, e.lastError);
    return out;
  }

  get pending(): number {
    return this.#queue.length;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  /** The channel's transport is back (the broker reconnected): try the waiting alerts now, not after the backoff. */
  retryNow(): void {
    if (this.#timer === null) return;
    this.#timer.cancel();
    this.#timer = null;
    this.#backoff.reset();
    this.#pump();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  /** One attempt, failed if it has not settled within the attempt timeout. */
  #attempt(alert: Alert): Promise<void> {
    const ms = this.opts.attemptTimeoutMs ?? 20_000;
    let timer: TimerHandle | null = null;
    const late = new Promise<never>((_, reject) => {
      timer = this.opts.clock.setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)} s`)), ms);
    });
    return Promise.race([this.deliver(alert), late]).finally(() => timer?.cancel());
  }

  #pump(): void {
    if (this.#inFlight !== null || this.#timer !== null || this.#stopped) return;
    const head = this.#queue[0];
    if (head === undefined) return;
    this.#inFlight = head;
    this.#attempt(head.alert).then(
      () => {
        this.#inFlight = null;
        this.#take(head);
        this.sent += 1;
        this.#lastError = null;
        this.#backoff.reset();
        if (!this.#stopped) this.opts.hooks.delivered(head);
        this.#pump();
      },
      (err: unknown) => {
        this.#inFlight = null;
        if (this.#stopped || !this.#queue.includes(head)) return this.#pump();
        const reason = errorMessage(err);
        head.attempts += 1;
        head.lastError = reason;
        this.#lastError = reason;
        if (head.attempts === this.opts.retries + 1) {
          this.failed += 1;
          this.opts.log.error(
            { event: 'notify.failed', code: 'GW_NOTIFY_FAILED', channel: this.id, number: head.alert.number, tier: head.alert.tier, attempts: head.attempts, err: reason },
            head.giveUpAt === null ? `alert for ${head.alert.number} could not be delivered on ${this.id} (${reason}); retrying until it is delivered or acknowledged` : `alert for ${head.alert.number} could not be delivered on ${this.id} (${reason}); retrying until it expires`,
          );
        }
        this.opts.hooks.failed(head, reason, head.attempts);
        this.#expire();
        if (this.#queue[0] !== head) return this.#pump();
        this.#timer = this.opts.clock.setTimeout(() => {
          this.#timer = null;
          this.#expire();
          this.#pump();
        }, this.#backoff.next());
      },
    );
  }

  /** Gives up the general and low alerts whose time is up (never the one in flight). */
  #expire(): void {
    const now = this.opts.clock.monotonic();
    for (const e of [...this.#queue]) {
      if (e === this.#inFlight || e.giveUpAt === null || now < e.giveUpAt) continue;
      this.#take(e);
      this.expired += 1;
      this.opts.hooks.givenUp(e, 'expired', e.lastError);
    }
  }

  #take(e: Entry): void {
    const i = this.#queue.indexOf(e);
    if (i >= 0) this.#queue.splice(i, 1);
  }
}
