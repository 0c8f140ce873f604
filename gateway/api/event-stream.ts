import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../../core/clock.js';

const HEARTBEAT_MS = 15_000;
/** A client that cannot keep up (a phone on a weak Wi-Fi) is dropped rather than buffered forever. */
const MAX_BUFFERED_BYTES = 1_000_000;

export type LiveEvent = 'ticket' | 'devices' | 'sync' | 'alerts';

/** Which events one client hears (a patrol: the tickets of its buildings); null hears every event. */
export type EventFilter = ((event: LiveEvent, data: unknown) => boolean) | null;

/**
 * Server-sent events to the pages: `ticket` and `devices` events, a comment heartbeat so proxies
 * and phones keep the connection, and `close()` that ends every stream so the server can stop.
 */
export class EventStream {
  readonly #clients = new Map<ServerResponse, EventFilter>();
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

  attach(res: ServerResponse, address: string, filter: EventFilter = null): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.#clients.set(res, filter);
    this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
    res.on('close', () => {
      this.#clients.delete(res);
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.#byAddress.delete(address);
      else this.#byAddress.set(address, left);
    });
    this.#heartbeat ??= this.clock.setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS);
  }

  publish(event: LiveEvent, data: unknown): void {
    if (this.#clients.size === 0) return;
    this.#write(`id: ${this.#nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`, (filter) => filter === null || filter(event, data));
  }

  close(): void {
    this.#heartbeat?.cancel();
    this.#heartbeat = null;
    for (const res of this.#clients.keys()) res.end();
    this.#clients.clear();
  }

  #write(chunk: string, wants: (filter: EventFilter) => boolean = () => true): void {
    for (const [res, filter] of this.#clients) {
      if (!wants(filter)) continue;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        this.#clients.delete(res);
      } else res.write(chunk);
    }
  }
}
