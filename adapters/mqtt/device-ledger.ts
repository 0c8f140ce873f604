import type { DeviceLinkStatus } from '../../core/adapter.js';
import type { Logger } from '../../core/log.js';

interface Entry {
  lastGoodReadingTs: number | null;
  state: DeviceLinkStatus['state'];
  errors: Record<string, number>;
  lastError: string | null;
  /** Bounded-rate logging: one line per device per window, with the count of what was held back. */
  lastLoggedAt: number;
  suppressed: number;
}

const LOG_WINDOW_MS = 10_000;

/** Per-device counts and last good reading of a push adapter (MQTT, HTTP push); logs bad input at a bounded rate. */
export class DeviceLedger {
  readonly #entries = new Map<string, Entry>();
  readonly #totals: Record<string, number> = {};
  /** The newest good reading of any device, kept as they come (status is read on every scrape). */
  #lastGood: number | null = null;
  readonly #log: Logger;

  readonly #logEvent: string;

  constructor(deviceIds: readonly string[], log: Logger, logEvent = 'mqtt.bad_input') {
    this.#log = log;
    this.#logEvent = logEvent;
    for (const id of deviceIds) {
      this.#entries.set(id, { lastGoodReadingTs: null, state: 'unknown', errors: {}, lastError: null, lastLoggedAt: -Infinity, suppressed: 0 });
    }
  }

  good(deviceId: string, ts: number): void {
    const e = this.#entries.get(deviceId);
    if (e === undefined) return;
    e.lastGoodReadingTs = ts;
    e.state = 'good';
    if (this.#lastGood === null || ts > this.#lastGood) this.#lastGood = ts;
  }

  /** Counts an error against a device (or the adapter, for an unknown topic) and maybe logs it; `now` is elapsed (monotonic) time. */
  error(code: string, message: string, now: number, deviceId?: string, context: Record<string, unknown> = {}): void {
    this.#totals[code] = (this.#totals[code] ?? 0) + 1;
    const e = deviceId === undefined ? undefined : this.#entries.get(deviceId);
    if (e === undefined) {
      this.#maybeLog(this.#adapterEntry, code, message, now, context);
      return;
    }
    e.errors[code] = (e.errors[code] ?? 0) + 1;
    e.lastError = `${code}: ${message}`;
    this.#maybeLog(e, code, message, now, { deviceId, ...context });
  }

  /** One device's link judged from outside (a pushing device gone silent). */
  mark(deviceId: string, state: DeviceLinkStatus['state']): void {
    const e = this.#entries.get(deviceId);
    if (e !== undefined) e.state = state;
  }

  markAll(state: DeviceLinkStatus['state']): void {
    for (const e of this.#entries.values()) e.state = state;
  }

  totals(): Readonly<Record<string, number>> {
    return { ...this.#totals };
  }

  devices(): DeviceLinkStatus[] {
    return [...this.#entries].map(([deviceId, e]) => ({
      deviceId,
      state: e.state,
      lastGoodReadingTs: e.lastGoodReadingTs,
      errors: { ...e.errors },
      lastError: e.lastError,
    }));
  }

  lastGoodReadingTs(): number | null {
    return this.#lastGood;
  }

  readonly #adapterEntry: Entry = { lastGoodReadingTs: null, state: 'unknown', errors: {}, lastError: null, lastLoggedAt: -Infinity, suppressed: 0 };

  #maybeLog(e: Entry, code: string, message: string, now: number, context: Record<string, unknown>): void {
    if (now - e.lastLoggedAt < LOG_WINDOW_MS) {
      e.suppressed += 1;
      return;
    }
    this.#log.warn({ event: this.#logEvent, code, ...context, suppressed: e.suppressed }, message);
    e.lastLoggedAt = now;
    e.suppressed = 0;
  }
}
