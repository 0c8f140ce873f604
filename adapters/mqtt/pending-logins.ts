import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.js';

export interface PendingLoginLimits {
  /** Connections not yet logged in, in all. */
  readonly max: number;
  /** Connections not yet logged in from one address. */
  readonly perAddress: number;
  /** Elapsed ms a connection has to log in. */
  readonly timeoutMs: number;
}

/**
 * Connections that have not logged in yet: bounded in number (in all and per address) and in time.
 * A hostile client on the LAN can hold at most `perAddress` of them, each for at most `timeoutMs`,
 * so devices keep getting through; a logged-in connection leaves this set.
 */
export class PendingLogins {
  readonly #waiting = new Map<Socket, { address: string; timer: TimerHandle }>();
  readonly #byAddress = new Map<string, number>();

  constructor(
    private readonly limits: PendingLoginLimits,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.#waiting.size;
  }

  /** Takes a new connection in, or says why not (the caller closes it). */
  admit(socket: Socket, onTimeout: () => void): 'ok' | 'too-many' | 'too-many-from-address' {
    const address = socket.remoteAddress ?? '?';
    if (this.#waiting.size >= this.limits.max) return 'too-many';
    const n = this.#byAddress.get(address) ?? 0;
    if (n >= this.limits.perAddress) return 'too-many-from-address';
    this.#byAddress.set(address, n + 1);
    const timer = this.clock.setTimeout(() => {
      if (!this.#waiting.has(socket)) return;
      this.release(socket);
      onTimeout();
      socket.destroy();
    }, this.limits.timeoutMs);
    this.#waiting.set(socket, { address, timer });
    return 'ok';
  }

  /** The connection logged in, or closed: it no longer counts. */
  release(socket: Socket): void {
    const w = this.#waiting.get(socket);
    if (w === undefined) return;
    w.timer.cancel();
    this.#waiting.delete(socket);
    const n = (this.#byAddress.get(w.address) ?? 1) - 1;
    if (n <= 0) this.#byAddress.delete(w.address);
    else this.#byAddress.set(w.address, n);
  }

  stop(): void {
    for (const s of [...this.#waiting.keys()]) this.release(s);
  }
}
