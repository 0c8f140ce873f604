import type { DeviceLinkStatus } from '../../core/adapter.js';
import type { Reading } from '../../core/reading.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { ModbusSource } from './config.js';
import type { ModbusConnection, ModbusErrorCode, ReadOutcome } from './connection.js';
import type { ReadFunction } from './modbus-client.js';
import { planReads, type ReadBlock } from './batch-plan.js';
import { compilePoint, type ModbusTable } from './register-map.js';
import { PollTurns } from '../poll-turns.js';

const FUNCTION_OF: Readonly<Record<ModbusTable, ReadFunction>> = {
  coil: 1, // FC 0x01 read coils
  'discrete-input': 2, // FC 0x02 read discrete inputs
  'holding-register': 3, // FC 0x03 read holding registers
  'input-register': 4, // FC 0x04 read input registers
};

export interface PollerHooks {
  readonly reading: (r: Reading) => void;
  /** The device changed between unknown/good/bad, or its error reason changed. */
  readonly changed: (deviceId: string, error: { code: ModbusErrorCode; reason: string } | null) => void;
}

type PollerState = 'idle' | 'running' | 'stopped';

/**
 * Polls one device: a timer per device (period and phase of its own), its points planned into
 * as few reads as the protocol allows, read one block at a time through the shared connection.
 * At most one poll of a device is in flight; a tick that finds the last poll still running is
 * skipped (counted), so a slow unit never piles requests up in front of its neighbours.
 */
export class DevicePoller {
  readonly deviceId: string;
  readonly #source: ModbusSource;
  readonly #blocks: readonly ReadBlock[];
  readonly #conn: ModbusConnection;
  readonly #clock: Clock;
  readonly #hooks: PollerHooks;
  #state: PollerState = 'idle';
  #timer: TimerHandle | null = null;
  readonly #turns = new PollTurns();
  #health: DeviceLinkStatus['state'] = 'unknown';
  #lastGood: number | null = null;
  #lastError: string | null = null;
  readonly #errors: Record<string, number> = {};

  constructor(deviceId: string, source: ModbusSource, conn: ModbusConnection, clock: Clock, hooks: PollerHooks, maxGap: number) {
    this.deviceId = deviceId;
    this.#source = source;
    this.#conn = conn;
    this.#clock = clock;
    this.#hooks = hooks;
    this.#blocks = planReads(source.points.map(compilePoint), { maxGap });
  }

  get blocks(): readonly ReadBlock[] {
    return this.#blocks;
  }

  /** Starts polling after `phaseMs`, then every pollMs (phases spread devices over the period). */
  start(phaseMs: number): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#state !== 'running') return;
      this.#timer = this.#clock.setInterval(() => this.#tick(), this.#source.pollMs);
      this.#tick();
    }, phaseMs);
  }

  stop(): void {
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = null;
  }

  status(): DeviceLinkStatus {
    return {
      deviceId: this.deviceId,
      state: this.#health,
      lastGoodReadingTs: this.#lastGood,
      errors: { ...this.#errors },
      lastError: this.#lastError,
    };
  }

  /** Polls begun, and ticks skipped because a poll was still running. */
  get polls(): number {
    return this.#turns.polls;
  }

  get skippedTicks(): number {
    return this.#turns.skipped;
  }

  #tick(): void {
    if (this.#turns.begin()) this.#readBlock(0, this.#source.retries, null);
  }

  /** Reads block i, then i+1..., settling the poll when the last block is done. */
  #readBlock(i: number, retriesLeft: number, firstError: { code: ModbusErrorCode; reason: string } | null): void {
    if (this.#state !== 'running') return;
    const block = this.#blocks[i];
    if (block === undefined) return this.#settle(firstError);
    const { unitId, timeoutMs } = this.#source;
    const req = { fc: FUNCTION_OF[block.table], unitId, address: block.start, count: block.count, timeoutMs };
    this.#conn.read(req, (o: ReadOutcome) => {
      if (this.#state !== 'running') return;
      if (o.ok) {
        this.#emitBlock(block, o.words, o.bits);
        return this.#readBlock(i + 1, this.#source.retries, firstError);
      }
      // Retry a timeout only while the unit was answering: a dead unit costs one timeout per
      // poll, not (retries + 1), on a line the other units share. A retry re-queues at the back.
      if (o.code === 'GW_MODBUS_TIMEOUT' && retriesLeft > 0 && this.#health !== 'bad') {
        return this.#readBlock(i, retriesLeft - 1, firstError);
      }
      this.#count(o.code);
      this.#emitBad(block, o.code, o.reason);
      // A unit that did not answer will not answer the next block either: fail the rest now.
      if (o.code !== 'GW_MODBUS_EXCEPTION') {
        for (const rest of this.#blocks.slice(i + 1)) this.#emitBad(rest, o.code, o.reason);
        return this.#settle(firstError ?? { code: o.code, reason: o.reason });
      }
      return this.#readBlock(i + 1, this.#source.retries, firstError ?? { code: o.code, reason: o.reason });
    });
  }

  #emitBlock(block: ReadBlock, words: readonly number[], bits: readonly boolean[]): void {
    const ts = this.#clock.now();
    const last = block.points.length - 1;
    block.points.forEach((p, i) => {
      // One reply: detection judges the device once its last point is in (Reading.more).
      const more = i < last ? { more: true as const } : {};
      const value = p.decode(words, bits, block.start);
      const invalid = typeof value === 'number' && (!Number.isFinite(value) || outside(value, p.range));
      if (invalid) {
        this.#count('GW_READING_INVALID');
        this.#hooks.reading({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason: `GW_READING_INVALID: ${value} outside the valid range`, ...more });
      } else {
        this.#hooks.reading({ deviceId: this.deviceId, pointId: p.id, value, quality: 'good', ts, ...more });
      }
    });
    this.#lastGood = ts;
  }

  #emitBad(block: ReadBlock, code: ModbusErrorCode, reason: string): void {
    const ts = this.#clock.now();
    const text = `${code}: ${reason}`;
    for (const p of block.points) {
      this.#hooks.reading({ deviceId: this.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason: text });
    }
  }

  #settle(error: { code: ModbusErrorCode; reason: string } | null): void {
    this.#turns.end();
    const health = error === null ? 'good' : 'bad';
    const text = error === null ? null : `${error.code}: ${error.reason}`;
    const changed = health !== this.#health || (text !== null && text !== this.#lastError);
    this.#health = health;
    if (text !== null) this.#lastError = text;
    if (changed) this.#hooks.changed(this.deviceId, error);
  }

  #count(code: string): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }
}

function outside(v: number, range: { min?: number | undefined; max?: number | undefined } | undefined): boolean {
  if (range === undefined) return false;
  return (range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max);
}
