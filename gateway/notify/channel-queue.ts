import { Backoff } from '../../core/backoff.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { AlertFacts } from './alert-facts.js';
import { byTier } from '../../core/vocabulary.js';

/** Sends one alert, or several merged into one digest message; resolves once the other side took it. */
export type Deliver = (alerts: readonly AlertFacts[]) => Promise<void>;

/** One alert waiting on one channel. */
export interface QueuedAlert {
  /** The pending-alert record it belongs to (alert-book.ts). */
  readonly key: string;
  readonly alert: AlertFacts;
  /** Monotonic time after which it is given up; null: never (emergencies, until someone acknowledges). */
  readonly giveUpAt: number | null;
}

export interface ChannelQueueHooks {
  delivered(item: QueuedAlert, latencyMs: number, merged: number): void;
  /**
   * One attempt failed (it is retried). `attempts` counts them; the queue logs GW_NOTIFY_FAILED once,
   * when an alert has failed `retries + 1` times in a row.
   */
  failed(item: QueuedAlert, err: string, attempts: number, latencyMs: number): void;
  /** A general or low alert left undelivered: it expired, or a full queue pushed it out. */
  givenUp(item: QueuedAlert, why: 'expired' | 'dropped', err: string | null): void;
}

export interface ChannelQueueOptions {
  readonly retries: number;
  readonly queueLimit: number;
  /**
   * Messages the other side takes per minute (WeCom and DingTalk robots: 20). Over it, what waits
   * goes out as one digest when the window allows, emergencies first; nothing is dropped for it.
   */
  readonly perMinute?: number;
  /** One attempt that has not settled after this long counts as failed (a publish that hangs must not hold the channel). */
  readonly attemptTimeoutMs?: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly hooks: ChannelQueueHooks;
}

interface Entry extends QueuedAlert {
  attempts: number;
  lastError: string | null;
  /** Monotonic time it was queued (delivery latency is measured from it). */
  readonly queuedAt: number;
}

const WINDOW_MS = 60_000;
/**
 * One channel's outgoing alerts: sent one message at a time, emergencies first, retried with capped
 * backoff and jitter on elapsed time. An emergency is retried until it is delivered or taken off
 * (its ticket was acknowledged): a broker or robot that is down for an hour delays it, never loses
 * it. General and low alerts are retried until they expire; a full queue pushes out the oldest of
 * them, never an emergency. Either way the hooks tell, so a person is told.
 */
export class ChannelQueue {
  readonly #queue: Entry[] = [];
  readonly #backoff = new Backoff({ baseMs: 500, capMs: 30_000 });
  /** Monotonic times of the messages sent in the last minute (the rate limit's window). */
  readonly #sentAt: number[] = [];
  #timer: TimerHandle | null = null;
  #inFlight: readonly Entry[] = [];
  #stopped = false;
  #lastError: string | null = null;
  sent = 0;
  failed = 0;
  dropped = 0;
  expired = 0;
  digests = 0;

  constructor(
    readonly id: string,
    private readonly deliver: Deliver,
    private readonly opts: ChannelQueueOptions,
  ) {}

  /** Queues an alert (an alert of the same key already queued is replaced in place: the newer words win). */
  push(item: QueuedAlert): void {
    if (this.#stopped) return;
    const same = this.#queue.findIndex((e) => e.key === item.key);
    if (same >= 0) {
      const old = this.#queue[same];
      if (old !== undefined) this.#queue[same] = { ...item, attempts: old.attempts, lastError: old.lastError, queuedAt: old.queuedAt };
      return;
    }
    if (this.#queue.length >= this.opts.queueLimit) {
      const victim = this.#queue.findIndex((q) => q.alert.tier !== 'emergency' && !this.#inFlight.includes(q));
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
    const entry: Entry = { ...item, attempts: 0, lastError: null, queuedAt: this.opts.clock.monotonic() };
    // Emergencies go ahead of the rest (but behind what is being sent).
    const at = item.alert.tier === 'emergency' ? this.#queue.findIndex((q) => q.alert.tier !== 'emergency' && !this.#inFlight.includes(q)) : -1;
    if (at >= 0) this.#queue.splice(at, 0, entry);
    else this.#queue.push(entry);
    this.#pump();
  }

  /** Whether the alert under this key is on its way now (its message can no longer be changed). */
  sending(key: string): boolean {
    return this.#inFlight.some((e) => e.key === key);
  }

  /** Takes alerts off (nobody needs them any more); one in flight finishes but is not retried. */
  remove(keys: ReadonlySet<string>): void {
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const e = this.#queue[i];
      if (e !== undefined && keys.has(e.key) && !this.#inFlight.includes(e)) this.#queue.splice(i, 1);
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

  /** What the next message carries: the head alone, or everything waiting when the rate limit is about to bite. */
  #nextBatch(now: number): Entry[] | 'wait' {
    const limit = this.opts.perMinute;
    if (limit === undefined) return this.#queue.slice(0, 1);
    while (this.#sentAt.length > 0 && (this.#sentAt[0] ?? 0) <= now - WINDOW_MS) this.#sentAt.shift();
    if (this.#sentAt.length >= limit) return 'wait';
    // The last message the window allows carries everything waiting, so nothing waits a minute behind it.
    if (this.#sentAt.length === limit - 1 && this.#queue.length > 1) return [...this.#queue].sort((a, b) => byTier(a.alert.tier, b.alert.tier));
    return this.#queue.slice(0, 1);
  }

  /** One attempt, failed if it has not settled within the attempt timeout. */
  #attempt(alerts: readonly AlertFacts[]): Promise<void> {
    const ms = this.opts.attemptTimeoutMs ?? 20_000;
    let timer: TimerHandle | null = null;
    const late = new Promise<never>((_, reject) => {
      timer = this.opts.clock.setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)} s`)), ms);
    });
    return Promise.race([this.deliver(alerts), late]).finally(() => timer?.cancel());
  }

  #pump(): void {
    if (this.#inFlight.length > 0 || this.#timer !== null || this.#stopped || this.#queue.length === 0) return;
    const now = this.opts.clock.monotonic();
    const batch = this.#nextBatch(now);
    if (batch === 'wait') {
      const oldest = this.#sentAt[0] ?? now;
      this.#timer = this.opts.clock.setTimeout(() => {
        this.#timer = null;
        this.#expire();
        this.#pump();
      }, Math.max(1, oldest + WINDOW_MS - now));
      return;
    }
    const head = batch[0];
    if (head === undefined) return;
    this.#inFlight = batch;
    this.#sentAt.push(now);
    this.#attempt(batch.map((e) => e.alert)).then(
      () => {
        this.#inFlight = [];
        const at = this.opts.clock.monotonic();
        for (const e of batch) this.#take(e);
        this.sent += 1;
        if (batch.length > 1) this.digests += 1;
        this.#lastError = null;
        this.#backoff.reset();
        if (!this.#stopped) for (const e of batch) this.opts.hooks.delivered(e, at - e.queuedAt, batch.length);
        this.#pump();
      },
      (err: unknown) => {
        this.#inFlight = [];
        if (this.#stopped) return;
        const reason = errorMessage(err);
        this.#lastError = reason;
        for (const e of batch) {
          if (!this.#queue.includes(e)) continue;
          e.attempts += 1;
          e.lastError = reason;
          if (e.attempts === this.opts.retries + 1) {
            this.failed += 1;
            this.opts.log.error(
              { event: 'notify.failed', code: 'GW_NOTIFY_FAILED', channel: this.id, number: e.alert.number, tier: e.alert.tier, attempts: e.attempts, err: reason },
              e.giveUpAt === null ? `alert for ${e.alert.number} could not be delivered on ${this.id} (${reason}); retrying until it is delivered or acknowledged` : `alert for ${e.alert.number} could not be delivered on ${this.id} (${reason}); retrying until it expires`,
            );
          }
          this.opts.hooks.failed(e, reason, e.attempts, this.opts.clock.monotonic() - e.queuedAt);
        }
        this.#expire();
        if (!this.#queue.includes(head)) return this.#pump();
        this.#timer = this.opts.clock.setTimeout(() => {
          this.#timer = null;
          this.#expire();
          this.#pump();
        }, Math.min(this.#backoff.next(), this.#untilNextExpiry()));
      },
    );
  }

  /** Time until the first waiting alert's time is up, so it is given up (and said) then, not at the next retry after it. */
  #untilNextExpiry(): number {
    const now = this.opts.clock.monotonic();
    let soonest = Number.POSITIVE_INFINITY;
    for (const e of this.#queue) if (e.giveUpAt !== null) soonest = Math.min(soonest, e.giveUpAt - now);
    return Math.max(1, soonest);
  }

  /** Gives up the general and low alerts whose time is up (never one in flight). */
  #expire(): void {
    const now = this.opts.clock.monotonic();
    for (const e of [...this.#queue]) {
      if (this.#inFlight.includes(e) || e.giveUpAt === null || now < e.giveUpAt) continue;
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
