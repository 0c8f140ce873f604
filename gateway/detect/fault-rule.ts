import type { ReadingValue } from '../../core/reading.js';
import type { Device } from '../config/site-schema.js';
import type { Bilingual, Skill, Tier } from '../../core/vocabulary.js';
import type { PointHistory } from './point-history.js';

/** The last event a point carried, as detection keeps it; a new event is a new object. */
export interface SeenEvent {
  readonly code: string;
  readonly text: string;
  /** Elapsed (monotonic) ms it arrived at: auto-clear counts from here. */
  readonly at: number;
}

/** What a rule sees of one device: the latest good value of each point and its recent history. */
export interface DeviceView {
  readonly device: Device;
  readonly now: number;
  /** When detection started (a point never heard from counts from here). */
  readonly startedAt: number;
  value(pointId: string): ReadingValue | undefined;
  history(pointId: string): PointHistory | undefined;
  /** Clock time of the last good reading of a point, or undefined when none came yet. */
  lastGoodTs(pointId: string): number | undefined;
  /** Good readings of a point so far: each is one event of an event-code point, even two in one millisecond with one value. */
  readings(pointId: string): number;
  /** The last event a point of kind `event` carried (a new object per event), or undefined. */
  event(pointId: string): SeenEvent | undefined;
}

/**
 * One fault condition on one device, compiled from the built-in table (or a custom rule) with the
 * device's overrides applied. `test` returns null while a point it needs has no good value yet.
 */
export interface CompiledRule {
  readonly fault: string;
  readonly tier: Tier;
  readonly skill: Skill;
  /** Points whose readings re-evaluate the rule; also the evidence of the ticket. */
  readonly points: readonly string[];
  /** The evidence when it reaches other devices of the system (state-aware rules); default `points` of this device. */
  readonly evidence?: readonly { readonly deviceId: string; readonly pointId: string }[];
  readonly onDelayMs: number;
  readonly offDelayMs: number;
  /** How far back the rule reads its points' history (elapsed ms; a drop within 10 s): their rings reach at least that far. */
  readonly lookbackMs?: number;
  /** The condition can change with time alone (no-data, rate): the engine re-checks it on its sweep. */
  readonly timeDriven?: boolean;
  /** Words for the fault while its on-delay runs (疑似困人): the pages show it live, before any ticket. */
  readonly suspect?: Bilingual;
  /** `active`: whether the alarm is on now, so thresholds can clear with hysteresis. */
  test(view: DeviceView, active: boolean): boolean | null;
  /** What was seen, in words staff read, at the moment the fault fires. */
  describe(view: DeviceView): { title: Bilingual; description: Bilingual };
  /** Event rules: a new raising event arrived while the fault is on (its words go to the open ticket); true once per event. */
  again?(view: DeviceView): boolean;
}

export type Params = Readonly<Record<string, unknown>>;

/** A number from the device's overrides, or the default. */
export function num(params: Params, key: string, fallback: number): number {
  const v = params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function asNumber(v: ReadingValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

export function asBool(v: ReadingValue | undefined): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const w = v.toLowerCase();
    if (['1', 'true', 'on', 'wet', 'alarm'].includes(w)) return true;
    if (['0', 'false', 'off', 'dry', 'normal'].includes(w)) return false;
  }
  return undefined;
}

export const fmt = (n: number, digits = 1): string => (Math.round(n * 10 ** digits) / 10 ** digits).toString();
