import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { Reading } from '../../core/reading.js';
import type { BacnetSession, Outcome } from './bacnet-session.js';
import type { StackReceiver } from './device-address.js';
import type { LinkFailure, LinkPoint } from './link-point.js';
import { PROP, presentValueOf } from './object-types.js';
import { flagsQuality } from './status-quality.js';

type RpmAck = { values: Array<{ objectId: { type: number; instance: number }; values: Array<{ id: number; value: Array<{ type: number; value: unknown }> }> }> };

export interface ReaderDeps {
  readonly deviceId: string;
  readonly session: BacnetSession;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeoutMs: number;
  readonly reading: (r: Reading) => void;
  /** Counts a coded problem against the device. */
  readonly count: (code: string) => void;
}

/**
 * Reads a device's points (ReadPropertyMultiple of present-value and status-flags, ReadProperty
 * each when the device has no RPM) and turns values, status-flags and COV notifications into
 * readings. A silence is returned as the failure that takes the device down; an Error answer
 * for one point is a bad reading of that point.
 */
export class PointReader {
  readonly #d: ReaderDeps;
  #rpm = true;
  /** The last good reading's wall time. */
  lastGood: number | null = null;

  constructor(deps: ReaderDeps) {
    this.#d = deps;
  }

  /** Reads `points` at `to`; null when the device answered (each point then has a reading). */
  async read(points: readonly LinkPoint[], to: StackReceiver, label: string): Promise<LinkFailure | null> {
    if (this.#rpm) {
      const specs = points.map((p) => ({ objectId: { type: p.type, instance: p.instance }, properties: [{ id: PROP.presentValue, index: 0xffffffff }, { id: PROP.statusFlags, index: 0xffffffff }] }));
      const o = (await this.#d.session.request(`ReadPropertyMultiple from ${label}`, this.#d.timeoutMs, (c) => c.readPropertyMultiple(to, specs))) as Outcome<RpmAck>;
      if (o.ok) {
        this.#emitRpm(points, o.value);
        return null;
      }
      if (!o.refused) return o;
      // Some small controllers have no ReadPropertyMultiple: fall back to one ReadProperty per value.
      this.#rpm = false;
      this.#d.log.info({ event: 'bacnet.rpm_refused', deviceId: this.#d.deviceId, reason: o.reason }, 'bacnet device refused ReadPropertyMultiple; reading one property at a time');
    }
    for (const p of points) {
      const pv = await this.#readOne(p, PROP.presentValue, to, label);
      if (!pv.ok) {
        if (!pv.refused) return pv;
        this.bad(p, pv.code, pv.reason);
        continue;
      }
      const flags = await this.#readOne(p, PROP.statusFlags, to, label);
      if (!flags.ok && !flags.refused) return flags;
      this.emit(p, pv.value, flags.ok ? bitsOf(flags.value) : undefined);
    }
    return null;
  }

  async #readOne(p: LinkPoint, prop: number, to: StackReceiver, label: string): Promise<Outcome<unknown>> {
    const o = await this.#d.session.request(`ReadProperty ${p.id} from ${label}`, this.#d.timeoutMs, (c) => c.readProperty(to, { type: p.type, instance: p.instance }, prop));
    return o.ok ? { ok: true, value: o.value.values[0]?.value } : o;
  }

  #emitRpm(points: readonly LinkPoint[], ack: RpmAck): void {
    for (const p of points) {
      const obj = ack.values.find((o) => o.objectId.type === p.type && o.objectId.instance === p.instance);
      const pv = obj?.values.find((v) => v.id === PROP.presentValue)?.value[0];
      const sf = obj?.values.find((v) => v.id === PROP.statusFlags)?.value[0];
      if (pv === undefined || pv.type === 105) {
        // 105: the stack's tag for an error result inside an RPM answer (unknown object...).
        const e = pv?.value as { errorClass?: number; errorCode?: number } | undefined;
        this.bad(p, 'GW_BACNET_ERROR', `present-value of ${p.id}: device answered error class ${e?.errorClass ?? '?'} code ${e?.errorCode ?? '?'}`);
        continue;
      }
      this.emit(p, pv.value, sf === undefined || sf.type === 105 ? undefined : bitsOf(sf.value));
    }
  }

  // Hot path: one call per point per poll or notification.
  emit(p: LinkPoint, raw: unknown, flags: readonly number[] | undefined): void {
    const ts = this.#d.clock.now();
    const value = presentValueOf(p.kind, raw, p.scale, p.offset);
    if (value === undefined || (typeof value === 'number' && outside(value, p.range))) {
      this.#d.count('GW_READING_INVALID');
      this.#d.reading({ deviceId: this.#d.deviceId, pointId: p.id, value: null, quality: 'bad', ts, reason: `GW_READING_INVALID: ${String(raw)} is not a valid ${p.kind} present-value` });
      return;
    }
    const q = flagsQuality(flags);
    if (q.quality === 'bad') {
      this.#d.count('GW_BACNET_STATUS_FAULT');
      this.#d.reading({ deviceId: this.#d.deviceId, pointId: p.id, value: null, quality: 'bad', ts, ...(q.reason === undefined ? {} : { reason: q.reason }) });
      return;
    }
    this.lastGood = ts;
    this.#d.reading(q.reason === undefined ? { deviceId: this.#d.deviceId, pointId: p.id, value, quality: q.quality, ts } : { deviceId: this.#d.deviceId, pointId: p.id, value, quality: q.quality, ts, reason: q.reason });
  }

  bad(p: LinkPoint, code: string, reason: string): void {
    this.#d.count(code);
    this.#d.reading({ deviceId: this.#d.deviceId, pointId: p.id, value: null, quality: 'bad', ts: this.#d.clock.now(), reason: `${code}: ${reason}` });
  }
}

/** A BIT STRING as the stack decodes it: `{ bitsUsed, value: number[] }`. */
function bitsOf(v: unknown): readonly number[] | undefined {
  const bits = (v as { value?: unknown } | null | undefined)?.value;
  return Array.isArray(bits) && bits.every((b) => typeof b === 'number') ? (bits as number[]) : undefined;
}

function outside(v: number, range: LinkPoint['range']): boolean {
  if (range === undefined) return false;
  return (range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max);
}
