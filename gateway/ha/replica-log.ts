import { Range, type Etcd3 } from 'etcd3';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { ReplicaGap, type FileStore } from '../store/store.js';
import { withinCall, type Leadership } from './leadership.js';
import type { PairKeys } from './pair-keys.js';

/**
 * Lines kept in etcd behind the newest (`ha.keptChanges`): a standby that was away for fewer
 * changes than this catches up from etcd alone, one away longer copies the active's store first;
 * etcd's space stays bounded (a line is a change, usually under 20 KB: a few hundred MB at most,
 * inside the 2 GB quota the docs set).
 */
export const KEPT_LINES = 10_000;
/** Lines read from etcd in one request while catching up. */
const PAGE = 500;

/** The active's side: each durable change committed to etcd under the fencing epoch, old lines trimmed. */
export class ReplicaWriter {
  readonly #client: Etcd3;
  readonly #keys: PairKeys;
  readonly #leadership: Leadership;
  readonly #clock: Clock;
  #trimmedTo = 0;
  /** etcd's NOSPACE alarm as its last refusal worded it, until a commit succeeds again. */
  #space: string | null = null;
  readonly #onSpace: (problem: string | null) => void;
  readonly #kept: number;

  constructor(d: { client: Etcd3; keys: PairKeys; leadership: Leadership; clock: Clock; onSpace?: (problem: string | null) => void; keptLines?: number }) {
    this.#onSpace = d.onSpace ?? (() => undefined);
    this.#kept = d.keptLines ?? KEPT_LINES;
    this.#client = d.client;
    this.#keys = d.keys;
    this.#leadership = d.leadership;
    this.#clock = d.clock;
  }

  /** The store's replicate hook: resolves once the line is committed under this gateway's epoch. */
  /** etcd refuses every write because its quota is used up (its NOSPACE alarm): the words of its refusal, else null. */
  spaceProblem(): string | null {
    return this.#space;
  }

  async commit(line: string, seq: number): Promise<void> {
    try {
      await this.#leadership.fenced(`change ${seq}`, [this.#client.put(this.#keys.logKey(seq)).value(line)]);
    } catch (err) {
      const message = errorMessage(err);
      if (/space exceeded|NOSPACE/i.test(message) && this.#space === null) {
        this.#space = message;
        this.#onSpace(message);
      }
      throw err;
    }
    if (this.#space !== null) {
      this.#space = null;
      this.#onSpace(null);
    }
    // Trimming is housekeeping: it never delays a change, and its failure is retried with the next.
    if (seq - this.#trimmedTo > this.#kept + Math.max(50, this.#kept / 20)) {
      const to = seq - this.#kept;
      this.#trimmedTo = to;
      void withinCall(this.#clock, 'trim the log', this.#client.delete().range(new Range(this.#keys.logKey(0), this.#keys.logKey(to))).exec(), 10_000).catch(() => {
        this.#trimmedTo = 0;
      });
    }
  }
}

export type FollowState = { readonly kind: 'following'; readonly seq: number } | { readonly kind: 'behind'; readonly seq: number; readonly why: string } | { readonly kind: 'unreachable'; readonly seq: number; readonly why: string };

/**
 * The standby's side: reads the active's changes from etcd in order and applies them to its own
 * store (same lines, same numbers), a few times a second. Polling, not a watch: a read says in one
 * answer what is there after an etcd restart or a lost connection, where a watch has to be
 * re-established from a revision that may have been compacted. Promotion calls catchUp() once the
 * old leader can no longer write, so nothing committed is missed whatever the poll missed.
 */
export class ReplicaFollower {
  readonly #client: Etcd3;
  readonly #keys: PairKeys;
  readonly #store: FileStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #everyMs: number;
  #timer: TimerHandle | null = null;
  #state: FollowState;
  #running: Promise<void> | null = null;
  readonly #onBehind: (why: string) => void;

  /** `onBehind`: etcd no longer holds the changes after this store's (trimmed while it was away). */
  constructor(d: { client: Etcd3; keys: PairKeys; store: FileStore; clock: Clock; log: Logger; everyMs?: number; onBehind?: (why: string) => void }) {
    this.#onBehind = d.onBehind ?? (() => undefined);
    this.#client = d.client;
    this.#keys = d.keys;
    this.#store = d.store;
    this.#clock = d.clock;
    this.#log = d.log;
    this.#everyMs = d.everyMs ?? 200;
    // Not following until etcd has been read once: a standby is not ready before it knows.
    this.#state = { kind: 'unreachable', seq: d.store.seq, why: 'etcd not read yet' };
  }

  state(): FollowState {
    return this.#state;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = this.#clock.setInterval(() => {
      if (this.#running === null) void this.catchUp().catch(() => undefined);
    }, this.#everyMs);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /** Applies every line etcd holds after the store's own; rejects when etcd cannot be read or a line is missing. */
  catchUp(): Promise<void> {
    if (this.#running !== null) return this.#running.then(() => this.#pull());
    const run = this.#pull().finally(() => {
      this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #pull(): Promise<void> {
    try {
      for (;;) {
        const from = this.#store.seq + 1;
        const res = await withinCall(
          this.#clock,
          'read the log',
          this.#client
            .getAll()
            .inRange(new Range(this.#keys.logKey(from), `${this.#keys.logPrefix}~`))
            .limit(PAGE)
            .exec(),
          5_000,
        );
        const lines = res.kvs.map((kv) => ({ seq: this.#keys.seqOf(kv.key.toString()), line: kv.value.toString() }));
        if (lines.length > 0) await this.#store.applyReplicated(lines);
        this.#setState({ kind: 'following', seq: this.#store.seq });
        if (lines.length < PAGE) return;
      }
    } catch (err) {
      if (err instanceof ReplicaGap) {
        this.#setState({ kind: 'behind', seq: this.#store.seq, why: err.message });
        this.#onBehind(err.message);
      } else {
        this.#setState({ kind: 'unreachable', seq: this.#store.seq, why: errorMessage(err) });
      }
      throw err;
    }
  }

  #setState(s: FollowState): void {
    if (s.kind !== this.#state.kind) {
      const level = s.kind === 'following' ? 'info' : 'warn';
      this.#log[level]({ event: 'ha.follow', state: s.kind, seq: s.seq, ...(s.kind === 'following' ? {} : { why: s.why }) }, s.kind === 'following' ? `the standby follows the active (change ${s.seq})` : `the standby cannot follow the active: ${s.why}`);
    }
    this.#state = s;
  }
}
