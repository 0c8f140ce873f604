import type { Clock } from './clock.js';

/**
 * Failed sign-ins slow down, per client address and per token prefix (docs/security.md, "Token
 * guessing"). Each key counts its failures; from `free` of them on, the key is held for
 * base * 2^(failures - free) ms, up to a cap, from its last failure. Counts halve after a quiet
 * `forgetMs`, so a staff member who mistyped once is not penalised all day.
 *
 * - An **address** that is held gets 429 for any token, unevaluated: while held, its guesses are
 *   not tried at all, so holding it is what bounds the guessing rate. Only that address is held.
 * - A **token prefix** (the first PREFIX_CHARS characters of the token presented) counts guesses
 *   made from many addresses at one token. A prefix that is held delays a request by at most
 *   `prefix.capMs` before its token is tried, and a correct token then gets in: a guesser who knows
 *   a staff member's prefix can slow their sign-in by that small bound, never lock it out.
 *
 * Memory is bounded: at most `maxKeys` keys per kind; the least recently failed go first.
 */
export const PREFIX_CHARS = 4;

export interface ThrottleRule {
  /** Failures that hold the key for the first time (fewer hold nothing). */
  readonly free: number;
  readonly baseMs: number;
  readonly capMs: number;
}

export interface SignInThrottleOptions {
  readonly address: ThrottleRule;
  readonly prefix: ThrottleRule;
  readonly forgetMs: number;
  readonly maxKeys: number;
}

export const DEFAULT_THROTTLE: SignInThrottleOptions = {
  address: { free: 5, baseMs: 500, capMs: 60_000 },
  prefix: { free: 20, baseMs: 100, capMs: 2_000 },
  forgetMs: 15 * 60_000,
  maxKeys: 10_000,
};

interface Failures {
  count: number;
  /** Monotonic ms of the last failure. */
  last: number;
}

export type ThrottleVerdict = { readonly kind: 'go'; readonly delayMs: number } | { readonly kind: 'refuse'; readonly retryAfterMs: number };

export class SignInThrottle {
  readonly #byAddress = new Map<string, Failures>();
  readonly #byPrefix = new Map<string, Failures>();

  constructor(
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly opts: SignInThrottleOptions = DEFAULT_THROTTLE,
  ) {}

  /** Before a presented token is tried: refuse (address held) or go, after a delay (prefix held). */
  check(address: string, token: string): ThrottleVerdict {
    const now = this.clock.monotonic();
    const a = this.#remaining(this.#byAddress.get(address), this.opts.address, now);
    if (a > 0) return { kind: 'refuse', retryAfterMs: a };
    return { kind: 'go', delayMs: this.#remaining(this.#byPrefix.get(prefixOf(token)), this.opts.prefix, now) };
  }

  failed(address: string, token: string): void {
    const now = this.clock.monotonic();
    this.#count(this.#byAddress, address, now);
    this.#count(this.#byPrefix, prefixOf(token), now);
  }

  /** A correct token from this address: its own count starts over (the prefix's does not). */
  succeeded(address: string): void {
    this.#byAddress.delete(address);
  }

  get tracked(): { addresses: number; prefixes: number } {
    return { addresses: this.#byAddress.size, prefixes: this.#byPrefix.size };
  }

  #remaining(f: Failures | undefined, rule: ThrottleRule, now: number): number {
    if (f === undefined) return 0;
    const count = this.#decayed(f, now);
    if (count < rule.free) return 0;
    const hold = Math.min(rule.capMs, rule.baseMs * 2 ** Math.min(30, count - rule.free));
    return Math.max(0, f.last + hold - now);
  }

  #decayed(f: Failures, now: number): number {
    const halvings = Math.floor((now - f.last) / this.opts.forgetMs);
    return halvings <= 0 ? f.count : Math.floor(f.count / 2 ** Math.min(30, halvings));
  }

  #count(map: Map<string, Failures>, key: string, now: number): void {
    const f = map.get(key);
    const count = (f === undefined ? 0 : this.#decayed(f, now)) + 1;
    // Re-inserted so the map's order is least recently failed first.
    map.delete(key);
    map.set(key, { count, last: now });
    while (map.size > this.opts.maxKeys) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }
}

function prefixOf(token: string): string {
  return token.slice(0, PREFIX_CHARS);
}
