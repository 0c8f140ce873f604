import type { DeviceLinkStatus } from '../../core/adapter.js';
import type { Reading } from '../../core/reading.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { AgentSession, SnmpErrorCode } from './agent-session.js';
import type { SnmpSource } from './config.js';
import type { SnmpPoint } from './point-schema.js';
import { decodeVarbind, type Varbind } from './varbind-decode.js';
import { PollTurns } from '../poll-turns.js';

/** One GET of a poll: its OIDs, and the points each OID feeds (two points may read one OID). */
interface GetChunk {
  readonly oids: readonly string[];
  readonly pointsByOid: ReadonlyMap<string, readonly SnmpPoint[]>;
}

export interface PollFailure {
  readonly code: SnmpErrorCode | 'GW_CONFIG_SECRET_MISSING';
  readonly reason: string;
}

export interface SnmpPollerHooks {
  readonly reading: (r: Reading) => void;
  /** Once per poll: null when the agent answered (even with bad points), else why not. */
  readonly polled: (deviceId: string, failure: PollFailure | null) => void;
  /** A point went bad for a new reason (noSuchObject, a wrong type...): logged and emitted once per change. */
  readonly pointError: (deviceId: string, pointId: string, code: string, reason: string) => void;
}

/** The unique OIDs of a device's points, in GETs of at most `max` OIDs. */
export function planGets(points: readonly SnmpPoint[], max: number): GetChunk[] {
  const byOid = new Map<string, SnmpPoint[]>();
  for (const p of points) byOid.set(p.oid, [...(byOid.get(p.oid) ?? []), p]);
  const oids = [...byOid.keys()];
  const chunks: GetChunk[] = [];
  for (let i = 0; i < oids.length; i += max) {
    const part = oids.slice(i, i + max);
    chunks.push({ oids: part, pointsByOid: new Map(part.map((o) => [o, byOid.get(o) ?? []])) });
  }
  return chunks;
}

/**
 * Polls one SNMP device on its own period (monotonic clock): every point in as few GETs as
 * maxOidsPerGet allows, one GET in flight at a time. A tick that finds the last poll still running
 * is skipped, so a silent agent never piles requests up.
 */
export class SnmpDevicePoller {
  readonly deviceId: string;
  readonly #source: SnmpSource;
  readonly #session: AgentSession;
  readonly #clock: Clock;
  readonly #hooks: SnmpPollerHooks;
  readonly #chunks: readonly GetChunk[];
  #running = false;
  #timer: TimerHandle | null = null;
  readonly #turns = new PollTurns();
  #again = false;
  #health: DeviceLinkStatus['state'] = 'unknown';
  #lastGood: number | null = null;
  #lastError: string | null = null;
  readonly #errors: Record<string, number> = {};
  readonly #pointReason = new Map<string, string>();

  constructor(deviceId: string, source: SnmpSource, session: AgentSession, clock: Clock, hooks: SnmpPollerHooks) {
    this.deviceId = deviceId;
    this.#source = source;
    this.#session = session;
    this.#clock = clock;
    this.#hooks = hooks;
    this.#chunks = planGets(source.points, source.maxOidsPerGet);
  }

  get points(): readonly SnmpPoint[] {
    return this.#source.points;
  }

  start(phaseMs: number): void {
    if (this.#running) return;
    this.#running = true;
    this.#timer = this.#clock.setTimeout(() => {
      if (!this.#running) return;
      this.#timer = this.#clock.setInterval(() => this.#tick(), this.#source.pollMs);
      this.#tick();
    }, phaseMs);
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = null;
    this.#session.reset();
  }

  /** Polls at once (a trap said something changed); if a poll is running, one more follows it. */
  pollNow(): void {
    if (!this.#running) return;
    if (this.#turns.polling) this.#again = true;
    else this.#tick();
  }

  /** Emits values that did not come from a poll (a trap's varbinds), decoded as a poll answer would be, as one answer. */
  deliver(varbinds: readonly Varbind[]): void {
    const ts = this.#clock.now();
    this.#emitAll(varbinds.flatMap((vb) => this.#source.points.filter((p) => p.oid === vb.oid).map((p) => this.#pointReading(p, vb, ts))));
  }

  status(): DeviceLinkStatus {
    return { deviceId: this.deviceId, state: this.#health, lastGoodReadingTs: this.#lastGood, errors: { ...this.#errors }, lastError: this.#lastError };
  }

  /** Polls begun, and ticks skipped because a poll was still running. */
  get polls(): number {
    return this.#turns.polls;
  }

  get skippedTicks(): number {
    return this.#turns.skipped;
  }

  #tick(): void {
    if (this.#turns.begin()) this.#get(0, null);
  }

  #get(i: number, firstFailure: PollFailure | null): void {
    if (!this.#running) return;
    const chunk = this.#chunks[i];
    if (chunk === undefined) return this.#settle(firstFailure);
    try {
      this.#session.get(chunk.oids, (o) => {
        if (!this.#running) return;
        if (o.ok) {
          this.#emitChunk(chunk, o.varbinds);
          return this.#get(i + 1, firstFailure);
        }
        this.#count(o.code);
        const failure = firstFailure ?? { code: o.code, reason: o.reason };
        this.#emitBad(chunk, `${o.code}: ${o.reason}`);
        // An agent that timed out or refused our credentials will do the same for the next GET.
        if (o.code === 'GW_SNMP_ERROR_STATUS') return this.#get(i + 1, failure);
        for (const rest of this.#chunks.slice(i + 1)) this.#emitBad(rest, `${o.code}: ${o.reason}`);
        this.#session.reset();
        return this.#settle(failure);
      });
    } catch (err) {
      // A secret named by the site file is missing from the environment: bad, counted, never a crash.
      const reason = err instanceof Error ? err.message : String(err);
      this.#count('GW_CONFIG_SECRET_MISSING');
      for (const c of this.#chunks) this.#emitBad(c, `GW_CONFIG_SECRET_MISSING: ${reason}`);
      this.#settle({ code: 'GW_CONFIG_SECRET_MISSING', reason });
    }
  }

  #emitChunk(chunk: GetChunk, varbinds: readonly Varbind[]): void {
    const ts = this.#clock.now();
    const out: Reading[] = [];
    // An agent answers in request order (RFC 3416 §4.2.1); match by OID anyway, it costs little.
    const seen = new Set<string>();
    for (const vb of varbinds) {
      const points = chunk.pointsByOid.get(vb.oid);
      if (points === undefined) continue;
      seen.add(vb.oid);
      for (const p of points) out.push(this.#pointReading(p, vb, ts));
    }
    for (const oid of chunk.oids) {
      if (seen.has(oid)) continue;
      for (const p of chunk.pointsByOid.get(oid) ?? []) out.push(this.#pointReading(p, { oid, type: 128 }, ts));
    }
    this.#emitAll(out);
  }

  /** One answer's readings: all but the last marked `more`, so detection judges the device on the whole answer. */
  #emitAll(readings: readonly Reading[]): void {
    const last = readings.length - 1;
    readings.forEach((r, i) => this.#hooks.reading(i < last && r.event === undefined ? { ...r, more: true } : r));
  }

  #pointReading(p: SnmpPoint, vb: Varbind, ts: number): Reading {
    const d = decodeVarbind(p, vb);
    if (d.ok) {
      this.#lastGood = ts;
      this.#pointReason.delete(p.id);
      return { deviceId: this.deviceId, pointId: p.id, value: d.value, quality: 'good', ts };
    }
    this.#count(d.code);
    const text = `${d.code}: ${d.reason}`;
    if (this.#pointReason.get(p.id) !== text) {
      this.#pointReason.set(p.id, text);
      this.#lastError = text;
      this.#hooks.pointError(this.deviceId, p.id, d.code, d.reason);
    }
    return { deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason: text };
  }

  #emitBad(chunk: GetChunk, reason: string): void {
    const ts = this.#clock.now();
    this.#emitAll([...chunk.pointsByOid.values()].flat().map((p): Reading => ({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason })));
  }

  #settle(failure: PollFailure | null): void {
    this.#turns.end();
    this.#health = failure === null ? 'good' : 'bad';
    if (failure !== null) this.#lastError = `${failure.code}: ${failure.reason}`;
    this.#hooks.polled(this.deviceId, failure);
    if (this.#again && this.#running) {
      this.#again = false;
      this.#tick();
    }
  }

  #count(code: string): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }
}
