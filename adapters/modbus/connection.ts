import type { LinkState, UpstreamStatus } from '../../core/adapter.js';
import { Backoff } from '../../core/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { describeException } from './exception-codes.js';
import { openModbusClient, targetAddress, type ModbusClient, type ModbusTarget, type ReadFunction } from './modbus-client.js';

export type ModbusErrorCode = 'GW_MODBUS_TIMEOUT' | 'GW_MODBUS_EXCEPTION' | 'GW_MODBUS_CONNECTION';

export type ReadOutcome =
  | { readonly ok: true; readonly words: readonly number[]; readonly bits: readonly boolean[] }
  | { readonly ok: false; readonly code: ModbusErrorCode; readonly reason: string };

export interface ReadRequest {
  readonly fc: ReadFunction;
  readonly unitId: number;
  readonly address: number;
  readonly count: number;
  readonly timeoutMs: number;
}

interface Pending {
  readonly req: ReadRequest;
  readonly done: (o: ReadOutcome) => void;
}

interface Inflight {
  readonly pending: Pending;
  /** Settles the request once: the first of answer, timeout or link loss wins. */
  readonly finish: (o: ReadOutcome) => void;
}

export interface ConnectionDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly connectTimeoutMs: number;
  /** Bound on close(): past it, log and go on. */
  readonly closeTimeoutMs: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
  /** The link went down (up=false) or came back after being down (up=true). */
  readonly onUpstreamChange: (status: UpstreamStatus, up: boolean) => void;
}

/**
 * One connection owner per TCP gateway (host:port) or serial port, shared by every device behind
 * it. It serves one request at a time from a FIFO queue: serial lines and most TCP-to-RTU
 * gateways cannot take two at once. A timeout answers only the request that timed out; the
 * socket stays open for the other units (closing it on one unit's timeout is the classic bug).
 */
export class ModbusConnection {
  readonly id: string;
  readonly target: ModbusTarget;
  readonly #deps: ConnectionDeps;
  readonly #backoff: Backoff;
  readonly #users = new Set<string>();
  readonly #queue: Pending[] = [];
  #state: LinkState = 'idle';
  #client: ModbusClient | null = null;
  #inflight: Inflight | null = null;
  #retryTimer: TimerHandle | null = null;
  #connectAttempt: AbortController | null = null;
  /** The connect attempt in flight, settled (never rejected) once its outcome is handled. */
  #opening: Promise<void> | null = null;
  /** Clients being closed (after a loss or at stop): close() and the next open wait for them. */
  readonly #closing = new Set<Promise<void>>();
  #closed: Promise<void> | null = null;
  #since: number;
  #lastError: string | null = null;
  #reconnects = 0;
  #reportedDown = false;
  #everOnline = false;

  constructor(target: ModbusTarget, deps: ConnectionDeps) {
    this.target = target;
    this.id = target.kind === 'tcp' ? `modbus-tcp://${targetAddress(target)}` : `modbus-rtu://${target.path}`;
    this.#deps = deps;
    this.#backoff = new Backoff(deps.backoff);
    this.#since = deps.clock.now();
  }

  get state(): LinkState {
    return this.#state;
  }

  /** Reference counting: the first user opens the link, the last one to leave closes it. */
  acquire(deviceId: string): void {
    this.#users.add(deviceId);
    if (this.#state === 'idle' || this.#state === 'stopped') this.#connect();
  }

  /** Returns true when this was the last user: the caller then closes the link. */
  release(deviceId: string): boolean {
    this.#users.delete(deviceId);
    return this.#users.size === 0;
  }

  /**
   * Cancels the retry timer, aborts a connect, fails what is queued, and resolves once every
   * socket and port this owner opened is closed: a serial port's lock must be free before stop()
   * returns, or the next gateway cannot open it. A serial open cannot be cancelled, so a port that
   * opens only now is waited for and closed too. Bounded by closeTimeoutMs (logs and goes on).
   * Idempotent: a second call gets the same promise.
   */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#setState('stopping');
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    this.#connectAttempt?.abort();
    this.#connectAttempt = null;
    if (this.#client !== null) this.#retire(this.#client);
    this.#client = null;
    this.#failAll('GW_MODBUS_CONNECTION', 'connection closed: adapter stopping');
    const pending = [...this.#closing];
    if (this.#opening !== null) pending.push(this.#opening);
    this.#closed = this.#waitClosed(pending).then(() => {
      if (this.#state === 'stopping') this.#setState('stopped');
    });
    return this.#closed;
  }

  /** Queues one read; always resolves (never rejects), with a value or a coded reason. */
  read(req: ReadRequest, done: (o: ReadOutcome) => void): void {
    // While connecting, wait (bounded by the connect timeout) rather than fail: a poll that
    // fires a millisecond before the socket opens is not a communication loss.
    if (this.#state !== 'online' && this.#state !== 'connecting') {
      done({ ok: false, code: 'GW_MODBUS_CONNECTION', reason: `no connection to ${targetAddress(this.target)}: ${this.#lastError ?? this.#state}` });
      return;
    }
    this.#queue.push({ req, done });
    if (this.#inflight === null && this.#state === 'online') this.#pump();
  }

  status(): UpstreamStatus {
    return {
      id: this.id,
      kind: this.target.kind === 'tcp' ? 'modbus-tcp' : 'modbus-rtu',
      address: targetAddress(this.target),
      state: this.#state,
      deviceIds: [...this.#users],
      since: this.#since,
      lastError: this.#lastError,
      reconnects: this.#reconnects,
    };
  }

  #pump(): void {
    const client = this.#client;
    if (client === null) return;
    const next = this.#queue.shift();
    if (next === undefined) return;
    const { req } = next;
    let settled = false;
    const finish = (o: ReadOutcome): void => {
      if (settled) return; // a late answer after the timeout, or a timeout after the answer
      settled = true;
      timer.cancel();
      if (this.#inflight?.pending === next) this.#inflight = null;
      next.done(o);
      if (this.#inflight === null && this.#state === 'online') this.#pump();
    };
    this.#inflight = { pending: next, finish };
    // The device answers in real time, so its timeout is real time whatever clock polling runs on
    // (a scenario at 10x speed must not turn a 500 ms timeout into 50 ms).
    const timer = systemClock.setTimeout(() => {
      finish({ ok: false, code: 'GW_MODBUS_TIMEOUT', reason: `unit ${req.unitId} did not answer within ${req.timeoutMs} ms` });
    }, req.timeoutMs);
    client.read(req.fc, req.unitId, req.address, req.count, (r) => {
      if (r.ok) return finish({ ok: true, words: r.words, bits: r.bits });
      if (r.kind === 'exception') return finish({ ok: false, code: 'GW_MODBUS_EXCEPTION', reason: `exception ${describeException(r.exceptionCode)}` });
      // The port closed under us: fail this and every queued request, then reconnect.
      if (r.kind === 'connection') return this.#lost(r.message);
      // A malformed or mismatched frame: that request failed, the link itself is fine.
      finish({ ok: false, code: 'GW_MODBUS_EXCEPTION', reason: `bad response: ${r.message}` });
    });
  }

  #connect(): void {
    this.#setState('connecting');
    this.#closed = null;
    const { connectTimeoutMs } = this.#deps;
    const attempt = new AbortController();
    this.#connectAttempt = attempt;
    // A serial port stays locked until closed: open again once the last client let go (bounded).
    // Real time, like the request timeout: the network does not run on the scenario's clock.
    const opened = this.#waitClosed([...this.#closing]).then(() => openModbusClient(this.target, systemClock, connectTimeoutMs, attempt.signal));
    const opening: Promise<void> = opened.then(
      (client) => {
        if (this.#connectAttempt === attempt) this.#connectAttempt = null;
        // Stopped while connecting: close() waits for this promise, hence for this close.
        if (this.#state !== 'connecting') return client.close();
        this.#client = client;
        client.onLost((reason) => this.#lost(reason));
        this.#backoff.reset();
        if (this.#everOnline) this.#reconnects += 1;
        this.#everOnline = true;
        this.#lastError = null;
        this.#setState('online');
        this.#deps.log.info({ event: 'modbus.link_online', upstream: this.id }, 'modbus link online');
        this.#pump();
        if (this.#reportedDown) {
          this.#reportedDown = false;
          this.#deps.onUpstreamChange(this.status(), true);
        }
      },
      (err: unknown) => {
        if (this.#connectAttempt === attempt) this.#connectAttempt = null;
        if (this.#state !== 'connecting') return;
        this.#down(`connect failed: ${errorMessage(err)}`);
      },
    );
    this.#opening = opening;
    void opening.finally(() => {
      if (this.#opening === opening) this.#opening = null;
    });
  }

  #lost(reason: string): void {
    if (this.#state !== 'online') return;
    if (this.#client !== null) this.#retire(this.#client);
    this.#client = null;
    this.#down(`connection lost: ${reason}`);
  }

  /** Closes a client this owner is done with; close() and the next open wait for it (bounded). */
  #retire(client: ModbusClient): void {
    const closing: Promise<void> = client.close().finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }

  /** Waits for `pending`, at most closeTimeoutMs (real time, like every I/O bound here). */
  async #waitClosed(pending: readonly Promise<void>[]): Promise<void> {
    if (pending.length === 0) return;
    const ms = this.#deps.closeTimeoutMs;
    let timer: TimerHandle | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = systemClock.setTimeout(() => resolve('expired'), ms);
    });
    const outcome = await Promise.race([Promise.all(pending), expired]);
    timer?.cancel();
    if (outcome === 'expired') this.#deps.log.warn({ event: 'modbus.link_close_timeout', upstream: this.id, ms }, 'modbus link did not close in time; going on');
  }

  #down(reason: string): void {
    this.#lastError = reason;
    this.#failAll('GW_MODBUS_CONNECTION', reason);
    const delay = this.#backoff.next();
    this.#setState('backoff');
    this.#deps.log.warn({ event: 'modbus.link_down', code: 'GW_MODBUS_CONNECTION', upstream: this.id, reason, retryInMs: delay }, 'modbus link down');
    if (!this.#reportedDown) {
      this.#reportedDown = true;
      this.#deps.onUpstreamChange(this.status(), false);
    }
    this.#retryTimer = this.#deps.clock.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#state === 'backoff') this.#connect();
    }, delay);
  }

  #failAll(code: ModbusErrorCode, reason: string): void {
    const inflight = this.#inflight;
    this.#inflight = null;
    const waiting = this.#queue.splice(0);
    inflight?.finish({ ok: false, code, reason });
    for (const p of waiting) p.done({ ok: false, code, reason });
  }

  #setState(s: LinkState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.#since = this.#deps.clock.now();
  }
}
