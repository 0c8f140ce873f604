/**
 * One run at a time of a periodic job (a poll, a pass): a call while it runs joins that run
 * instead of starting a second one beside it; `settled()` lets a stop wait for it.
 */
export class SingleFlight {
  readonly #job: () => Promise<void>;
  #running: Promise<void> | null = null;

  constructor(job: () => Promise<void>) {
    this.#job = job;
  }

  run(): Promise<void> {
    if (this.#running !== null) return this.#running;
    const run = this.#job().finally(() => {
      this.#running = null;
    });
    this.#running = run;
    return run;
  }

  /** Resolves once no run is in flight (whatever it ended with). */
  async settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }
}
