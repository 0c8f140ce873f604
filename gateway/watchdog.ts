import { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { WatchdogThreadData } from './watchdog-thread.js';

export interface WatchdogOptions {
  /** A main loop that has not run for this long (elapsed time) is stalled: the process is killed. */
  readonly stallAfterMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Fields every line the watchdog thread writes carries (siteId), as the root logger's child would. */
  readonly bindings?: Readonly<Record<string, unknown>>;
  /** The gateway's presence stamp (liveness/presence-file.ts): the thread records the stop it makes, for the next start's words. */
  readonly presenceFile?: string;
}

type State = 'idle' | 'running' | 'stopped';

/**
 * Event-loop watchdog (issue 19): a stalled gateway raises nothing, and a loop stuck in a busy
 * loop or a huge synchronous parse answers no signal, so it must be ended from outside the loop.
 * The main thread bumps a counter in a SharedArrayBuffer every beat; a worker thread
 * (watchdog-thread.ts) that sees the counter stand still for `stallAfterMs` logs
 * `GW_EVENT_LOOP_STALLED` and sends the process SIGKILL (exit status 137), so systemd's
 * Restart=on-failure or Docker's restart policy starts a fresh one.
 */
export class EventLoopWatchdog {
  readonly #opts: WatchdogOptions;
  readonly #beats = new Int32Array(new SharedArrayBuffer(4));
  #worker: Worker | null = null;
  #beat: TimerHandle | null = null;
  #state: State = 'idle';

  constructor(opts: WatchdogOptions) {
    this.#opts = opts;
  }

  start(): void {
    if (this.#state !== 'idle' || this.#opts.stallAfterMs <= 0) return;
    this.#state = 'running';
    // Beats several times per limit so one late timer is never taken for a stall.
    const everyMs = Math.max(10, Math.min(1_000, Math.floor(this.#opts.stallAfterMs / 4)));
    this.#beat = this.#opts.clock.setInterval(() => Atomics.add(this.#beats, 0, 1), everyMs);
    const workerData: WatchdogThreadData = { heartbeat: this.#beats.buffer as SharedArrayBuffer, stallAfterMs: this.#opts.stallAfterMs, checkEveryMs: everyMs, bindings: this.#opts.bindings ?? {}, presenceFile: this.#opts.presenceFile ?? null };
    const worker = new Worker(new URL('./watchdog-thread.js', import.meta.url), { workerData, stdout: false, stderr: false });
    worker.unref();
    worker.on('error', (err) => this.#opts.log.error({ event: 'watchdog.failed', err: err.message }, 'the event-loop watchdog thread failed; the gateway runs without it'));
    this.#worker = worker;
    this.#opts.log.info({ event: 'watchdog.started', stallAfterMs: this.#opts.stallAfterMs }, `event-loop watchdog on: a stall of ${this.#opts.stallAfterMs} ms ends the process`);
  }

  async stop(): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    this.#beat?.cancel();
    this.#beat = null;
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) await worker.terminate();
  }
}
