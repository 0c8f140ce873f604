import { EventEmitter } from 'node:events';

/** Event map: event name -> listener argument tuple. */
export type EventMap = Record<string, unknown[]>;

/**
 * A thin typed face over EventEmitter so `emit('reading', ...)` is checked at compile time.
 * Listener errors are not caught here: emitters must keep their listeners cheap and total.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #inner = new EventEmitter({ captureRejections: false });

  constructor() {
    // Many consumers (detect, api SSE, metrics) may listen; the default cap of 10 is a false alarm.
    this.#inner.setMaxListeners(100);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#inner.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#inner.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#inner.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    // Node's EventEmitter throws an 'error' that nobody listens to; ours are reports, not failures.
    if (event === 'error' && this.#inner.listenerCount('error') === 0) return false;
    return this.#inner.emit(event, ...args);
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#inner.listenerCount(event);
  }

  removeAllListeners(): this {
    this.#inner.removeAllListeners();
    return this;
  }
}
