import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../../core/clock.js';

const HEARTBEAT_MS = 15_000;
/** A client that cannot keep up (a phone on a weak Wi-Fi) is dropped rather than buffered forever. */
const MAX_BUFFERED_BYTES = 1_000_000;

export const LIVE_EVENTS = ['ticket', 'devices', 'sync', 'alerts', 'warnings'] as const;
export type LiveEvent = (typeof LIVE_EVENTS)[number];

/** Which events one client hears (a patrol: the tickets of its buildings); null hears every event. */
export type EventFilter = ((event: LiveEvent, data: unknown) => boolean) | null;

/** One client: who it is allowed to hear, and the events it asked for (null: every event). */
interface Client {
  readonly filter: EventFilter;
  readonly events: ReadonlySet<LiveEvent> | null;
}

/**
 * Server-sent events to the pages: `ticket` and `devices` events, a comment heartbeat so proxies
 * and phones keep the connection, and `close()` that ends every stream so the server can stop.
 * Each client hears only the events it asked for: a patrol phone that shows no device must not
 * receive every changed device once a second (254 MB in 15 minutes on a 600-device site).
 */
export class EventStream {
  readonly #clients = new Map<ServerResponse, Client>();
  readonly #byAddress = new Map<string, number>();
  #heartbeat: TimerHandle | null = null;
  #nextId = 1;

  /** `caps`: clients in all and from one address (each may hold up to MAX_BUFFERED_BYTES). */
  constructor(
    private readonly clock: Clock,
    private readonly caps: { readonly max: number; readonly perAddress: number } = { max: 64, perAddress: 8 },
  ) {}

  get clients(): number {
    return this.#clients.size;
  }

  /** Is there room for one more client from this address? */
  room(address: string): 'ok' | 'full' | 'full-for-address' {
    if (this.#clients.size >= this.caps.max) return 'full';
    return (this.#byAddress.get(address) ?? 0) >= this.caps.perAddress ? 'full-for-address' : 'ok';
  }

  /** Whether any client would hear `event` now (a devices view is not built for nobody). */
  wanted(event: LiveEvent): boolean {
    for (const c of this.#clients.values()) if (c.events === null || c.events.has(event)) return true;
    return false;
  }

  attach(res: ServerResponse, address: string, filter: EventFilter = null, events: ReadonlySet<LiveEvent> | null = null): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.#clients.set(res, { filter, events });
    this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
    res.on('close', () => {
      this.#clients.delete(res);
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.#byAddress.delete(address);
      else this.#byAddress.set(address, left);
    });
    this.#heartbeat ??= this.clock.setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS);
  }

  /** `json`: the data already written out, when the caller had to (to see whether it changed). */
  publish(event: LiveEvent, data: unknown, json?: string): void {
    // Nobody to hear it (no client, or none asked for it): not even written out.
    if (!this.wanted(event)) return;
    this.#write(`id: ${this.#nextId++}\nevent: ${event}\ndata: ${json ?? JSON.stringify(data)}\n\n`, (c) => (c.events === null || c.events.has(event)) && (c.filter === null || c.filter(event, data)));
  }

  close(): void {
    this.#heartbeat?.cancel();
    this.#heartbeat = null;
    for (const res of this.#clients.keys()) res.end();
    this.#clients.clear();
  }

  #write(chunk: string, wants: (client: Client) => boolean = () => true): void {
    for (const [res, client] of this.#clients) {
      if (!wants(client)) continue;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        this.#clients.delete(res);
      } else res.write(chunk);
    }
  }
}
