import type { Clock, TimerHandle } from '../../core/clock.js';
import { Backoff } from '../../core/backoff.js';
import { BVLC_RESULT, bvlcResultText } from './bvll.js';
import { normalAddress } from './config.js';
import type { NetworkLayer } from './network-layer.js';

/** Where the registration stands; `refused` and `silent` carry the coded reason. */
export type RegistrationState =
  | { readonly state: 'unregistered' }
  | { readonly state: 'registered'; readonly bbmd: string; readonly ttlSeconds: number }
  | { readonly state: 'refused' | 'silent'; readonly bbmd: string; readonly code: 'GW_BACNET_BBMD_NAK' | 'GW_BACNET_TIMEOUT'; readonly reason: string };

export interface ForeignRegistrationOptions {
  readonly bbmd: string;
  readonly ttlSeconds: number;
  readonly timeoutMs: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
}

/**
 * The gateway as a foreign device of a BBMD (Annex J.5.2): Register-Foreign-Device with a
 * time-to-live, again at half of it on the monotonic clock (the BBMD drops an entry 30 s after
 * its TTL, J.5.2.1, so one lost renewal still leaves time for the next), retried with backoff when
 * the BBMD refuses or is silent. A Distribute-Broadcast-To-Network NAK means the BBMD no longer
 * holds us (it restarted): we register again at once. `onChange` hears each change of state
 * only, so a BBMD that keeps refusing is one log line, not one per retry.
 */
export class ForeignRegistration {
  readonly #o: ForeignRegistrationOptions;
  readonly #bbmd: string;
  readonly #network: NetworkLayer;
  readonly #clock: Clock;
  readonly #onChange: (s: RegistrationState) => void;
  readonly #backoff: Backoff;
  #state: RegistrationState = { state: 'unregistered' };
  #timer: TimerHandle | null = null;
  #pending: ((code: number | null) => void) | null = null;
  #stopped = false;

  constructor(o: ForeignRegistrationOptions, deps: { network: NetworkLayer; clock: Clock; onChange: (s: RegistrationState) => void }) {
    this.#o = o;
    this.#bbmd = normalAddress(o.bbmd);
    this.#network = deps.network;
    this.#clock = deps.clock;
    this.#onChange = deps.onChange;
    this.#backoff = new Backoff(o.backoff);
    deps.network.on('bvlc-result', (r) => this.#result(r.from, r.code));
  }

  get state(): RegistrationState {
    return this.#state;
  }

  /** Registers once; resolves when the BBMD has answered or `timeoutMs` has passed. */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#register();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    this.#pending?.(null);
  }

  async #register(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#stopped || this.#pending !== null) return;
    const code = await new Promise<number | null>((resolve) => {
      const timeout = this.#clock.setTimeout(() => resolve(null), this.#o.timeoutMs);
      this.#pending = (c) => {
        timeout.cancel();
        this.#pending = null;
        resolve(c);
      };
      this.#network.registerForeignDevice(this.#bbmd, this.#o.ttlSeconds);
    });
    this.#pending = null;
    if (this.#stopped) return;
    if (code === BVLC_RESULT.success) {
      this.#backoff.reset();
      this.#set({ state: 'registered', bbmd: this.#bbmd, ttlSeconds: this.#o.ttlSeconds });
      this.#later((this.#o.ttlSeconds * 1000) / 2);
      return;
    }
    if (code === null) {
      this.#set({ state: 'silent', bbmd: this.#bbmd, code: 'GW_BACNET_TIMEOUT', reason: `the BBMD ${this.#bbmd} did not answer Register-Foreign-Device within ${this.#o.timeoutMs} ms` });
    } else {
      this.#set({ state: 'refused', bbmd: this.#bbmd, code: 'GW_BACNET_BBMD_NAK', reason: `the BBMD ${this.#bbmd} refused Register-Foreign-Device: ${bvlcResultText(code)} (its foreign-device table is full, or it takes no foreign devices)` });
    }
    this.#later(this.#backoff.next());
  }

  #later(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => void this.#register(), ms);
  }

  #result(from: string, code: number): void {
    if (from !== this.#bbmd) return;
    if (code === BVLC_RESULT.success || code === BVLC_RESULT.registerForeignDeviceNak) {
      this.#pending?.(code);
      return;
    }
    // J.4.5: a BBMD refuses Distribute-Broadcast-To-Network from a device not in its table. Not
    // registered yet, that is known and being retried; registered, the BBMD has lost us.
    if (code !== BVLC_RESULT.distributeBroadcastToNetworkNak || this.#stopped || this.#state.state !== 'registered') return;
    this.#set({ state: 'refused', bbmd: this.#bbmd, code: 'GW_BACNET_BBMD_NAK', reason: `the BBMD ${this.#bbmd} refused a broadcast: ${bvlcResultText(code)} (it does not hold this gateway's registration); registering again` });
    void this.#register();
  }

  #set(s: RegistrationState): void {
    const before = this.#state;
    this.#state = s;
    if (before.state !== s.state || ('reason' in before && 'reason' in s && before.reason !== s.reason)) this.#onChange(s);
  }
}
