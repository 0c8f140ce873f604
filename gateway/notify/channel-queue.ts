import { Backoff } from '../../adapters/backoff.js';
import type { Clock, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Alert } from './alert-message.js';

export type Deliver = (alert: Alert) => Promise<void>;

/**
 * One channel's outgoing alerts: sent one at a time, retried with capped backoff and jitter, in a
 * bounded queue that drops the oldest non-emergency alert when full (never an emergency).
 */
export class ChannelQueue {
  readonly #queue: { alert: Alert; attempts: number }[] = [];
  readonly #backoff = new Backoff({ baseMs: 500, capMs: 30_000 });
  #timer: TimerHandle | null = null;
  #busy = false;
  #stopped = false;
  sent = 0;
  failed = 0;
  dropped = 0;

  constructor(
    readonly id: string,
    private readonly deliver: Deliver,
    private readonly opts: { retries: number; queueLimit: number; clock: Clock; log: Logger; onResult: (alert: Alert, ok: boolean) => void },
  ) {}

  push(alert: Alert): void {
    if (this.#stopped) return;
    if (this.#queue.length >= this.opts.queueLimit) {
      const victim = this.#queue.findIndex((q) => q.alert.tier !== 'emergency');
      if (victim < 0 && alert.tier !== 'emergency') {
        this.dropped += 1;
        return;
      }
      if (victim >= 0) {
        this.#queue.splice(victim, 1);
        this.dropped += 1;
      }
    }
    // Emergencies go ahead of the rest.
    const at = alert.tier === 'emergency' ? this.#queue.findIndex((q) => q.alert.tier !== 'emergency') : -1;
    if (at >= 0) this.#queue.splice(at, 0, { alert, attempts: 0 });
    else this.#queue.push({ alert, attempts: 0 });
    this.#pump();
  }

  get pending(): number {
    return this.#queue.length;
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #pump(): void {
    if (this.#busy || this.#timer !== null || this.#stopped) return;
    const head = this.#queue[0];
    if (head === undefined) return;
    this.#busy = true;
    this.deliver(head.alert).then(
      () => {
        this.#busy = false;
        this.#queue.shift();
        this.sent += 1;
        this.#backoff.reset();
        this.opts.onResult(head.alert, true);
        this.#pump();
      },
      (err: unknown) => {
        this.#busy = false;
        head.attempts += 1;
        if (head.attempts > this.opts.retries) {
          this.#queue.shift();
          this.failed += 1;
          this.opts.log.error({ event: 'notify.failed', code: 'GW_NOTIFY_FAILED', channel: this.id, number: head.alert.number, err: errorMessage(err) }, `alert for ${head.alert.number} could not be delivered on ${this.id}`);
          this.opts.onResult(head.alert, false);
          this.#pump();
          return;
        }
        this.#timer = this.opts.clock.setTimeout(() => {
          this.#timer = null;
          this.#pump();
        }, this.#backoff.next());
      },
    );
  }
}
