import type { HttpSource } from '../../adapters/http-push/config.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { pushOnce, type PushAnswer } from './http-pusher.js';

export type PushValue = number | boolean | string;

export interface SimulatedPushDeviceOptions {
  readonly deviceId: string;
  readonly source: HttpSource;
  readonly token: string;
  readonly gatewayUrl: string;
  readonly clock: Clock;
  /** Values the sample points start at (default 0). */
  readonly initial?: Readonly<Record<string, PushValue>>;
}

/**
 * A device that pushes to the gateway, shaped by its own site-file source: a fire panel gateway
 * (events only) or an elevator vendor's cloud (state samples plus events). Each push is a JSON body
 * with every value at its point's decoder path, so it reads back through the same decoders the
 * gateway runs. Sample points are re-sent every quarter of `expectEverySeconds` (its heartbeat);
 * `silence` stops that, `resume` starts it again. An event is driven with `set(point, "CODE|words")`.
 */
export class SimulatedPushDevice {
  readonly deviceId: string;
  readonly #o: SimulatedPushDeviceOptions;
  readonly #values = new Map<string, PushValue>();
  #timer: TimerHandle | null = null;
  #silent = false;
  #stopped = true;
  /** Pushes in flight, awaited by stop() so none outlives the simulator. */
  readonly #inflight = new Set<Promise<PushAnswer>>();
  readonly answers: PushAnswer[] = [];

  constructor(o: SimulatedPushDeviceOptions) {
    this.deviceId = o.deviceId;
    this.#o = o;
    for (const p of o.source.points) if (p.kind !== 'event') this.#values.set(p.id, o.initial?.[p.id] ?? 0);
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    const every = this.#o.source.expectEverySeconds;
    if (every !== undefined && this.#values.size > 0) {
      await this.#pushSamples();
      this.#timer = this.#o.clock.setInterval(() => void this.#pushSamples(), Math.min(60_000, (every * 1000) / 4));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    await Promise.all([...this.#inflight]);
  }

  silence(): void {
    this.#silent = true;
  }

  async resume(): Promise<void> {
    this.#silent = false;
    await this.#pushSamples();
  }

  /** A sample point takes the value (and is pushed now); an event point sends `CODE` or `CODE|words` once. */
  async set(pointId: string, value: PushValue): Promise<PushAnswer> {
    const point = this.#o.source.points.find((p) => p.id === pointId);
    if (point === undefined) throw new Error(`device "${this.deviceId}" has no point "${pointId}"`);
    if (point.kind === 'event') {
      const [code = '', ...rest] = String(value).split('|');
      const body: Record<string, unknown> = {};
      place(body, jsonPath(point), code);
      if (point.textPath !== undefined) place(body, point.textPath, rest.length === 0 ? code : rest.join('|'));
      return this.#send(body);
    }
    this.#values.set(pointId, value);
    return this.#send(this.#sampleBody());
  }

  #sampleBody(): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const p of this.#o.source.points) {
      const v = this.#values.get(p.id);
      if (p.kind !== 'event' && v !== undefined) place(body, jsonPath(p), v);
    }
    return body;
  }

  async #pushSamples(): Promise<void> {
    if (this.#silent || this.#stopped || this.#values.size === 0) return;
    await this.#send(this.#sampleBody());
  }

  #send(body: Record<string, unknown>): Promise<PushAnswer> {
    const p = pushOnce(this.#o.gatewayUrl, this.deviceId, this.#o.token, JSON.stringify(body));
    this.#inflight.add(p);
    return p.then((a) => {
      this.#inflight.delete(p);
      this.answers.push(a);
      if (this.answers.length > 100) this.answers.shift();
      return a;
    });
  }
}

function jsonPath(p: HttpSource['points'][number]): string {
  const d = p.decoder;
  if (d === undefined) return p.id;
  if (d.type !== 'json') throw new Error(`the push simulator sends JSON; point "${p.id}" decodes a ${d.type} body`);
  return d.path;
}

/** Puts a value at a dot path, making the objects on the way. */
function place(body: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = body;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next !== null && typeof next === 'object') cur = next as Record<string, unknown>;
    else {
      const made: Record<string, unknown> = {};
      cur[k] = made;
      cur = made;
    }
  }
  cur[keys.at(-1) ?? path] = value;
}
