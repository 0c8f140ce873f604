/**
 * When to log a failure that lasts (a device that keeps refusing the gateway's key, an agent that
 * never answers): when it starts, when its reason changes, and then once an hour while it goes on,
 * per key (a device). Compared per device, so two devices failing for the same reason each say so
 * once, and neither says it again at every poll. Elapsed time: a clock step changes nothing.
 */
export class ChangeLog {
  readonly #everyMs: number;
  readonly #last = new Map<string, { readonly text: string; readonly at: number }>();

  constructor(everyMs = 3_600_000) {
    this.#everyMs = everyMs;
  }

  /** Whether `text` for `key` is worth a log line at `now` (monotonic ms); if so, it counts as said. */
  due(key: string, text: string, now: number): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && last.text === text && now - last.at < this.#everyMs) return false;
    this.#last.set(key, { text, at: now });
    return true;
  }

  /** The failure of `key` is over: the next one is news. Returns whether one was going on. */
  clear(key: string): boolean {
    return this.#last.delete(key);
  }
}
