import type { ReadingValue } from '../../core/reading.js';
import type { Bilingual } from '../../core/vocabulary.js';
import type { Device } from '../config/site-schema.js';
import { pointName } from '../tickets/point-words.js';
import { asNumber, type DeviceView } from './fault-rule.js';
import type { PointHistory } from './point-history.js';
import { RollingWindow } from './rolling-window.js';

const S = 1000;
/** The pace rolling windows are fed at, elapsed ms: a mean over time, whatever the point's rate. */
const SAMPLE_MS = 1_000;

interface Ref {
  readonly deviceId: string;
  readonly pointId: string;
}

/**
 * A state-aware rule's inputs by role: where each reads (`flow` on the rule's own device,
 * `pump-1/flow` on another of the system), its value now, its history, its words and unit, and
 * the rolling windows its conditions average over, fed by `sample()` once a second.
 */
export class StateInputs {
  readonly #device: Device;
  readonly #devices: ReadonlyMap<string, Device>;
  readonly #view: (deviceId: string) => DeviceView | undefined;
  readonly #refs = new Map<string, Ref>();
  readonly #windows = new Map<string, { role: string; w: RollingWindow }>();
  #lastSample = -Infinity;

  constructor(device: Device, inputs: Readonly<Record<string, string>>, devices: ReadonlyMap<string, Device>, view: (deviceId: string) => DeviceView | undefined) {
    this.#device = device;
    this.#devices = devices;
    this.#view = view;
    for (const [role, ref] of Object.entries(inputs)) {
      const slash = ref.indexOf('/');
      this.#refs.set(role, slash < 0 ? { deviceId: device.id, pointId: ref } : { deviceId: ref.slice(0, slash), pointId: ref.slice(slash + 1) });
    }
  }

  ref(role: string): Ref {
    return this.#refs.get(role) ?? { deviceId: this.#device.id, pointId: role };
  }

  /** Every input's point once (two roles may read one point), for the evidence. */
  refs(): Ref[] {
    const seen = new Map<string, Ref>();
    for (const r of this.#refs.values()) seen.set(`${r.deviceId}/${r.pointId}`, r);
    return [...seen.values()];
  }

  read(role: string): ReadingValue | undefined {
    const r = this.ref(role);
    return this.#view(r.deviceId)?.value(r.pointId);
  }

  history(role: string): PointHistory | undefined {
    const r = this.ref(role);
    return this.#view(r.deviceId)?.history(r.pointId);
  }

  /** ` °C`, or nothing when the point has no unit. */
  unit(role: string): string {
    const p = this.#configured(role);
    return p !== undefined && 'unit' in p && p.unit !== undefined ? ` ${p.unit}` : '';
  }

  /** What staff call the input's point, with its device's name when it is another device's. */
  label(role: string): Bilingual {
    const p = this.#configured(role);
    const r = this.ref(role);
    const name = pointName(r.pointId, p !== undefined && 'name' in p ? p.name : undefined);
    if (r.deviceId === this.#device.id) return name;
    const other = this.#devices.get(r.deviceId);
    return { zh: `${other?.name ?? r.deviceId} ${name.zh}`, en: `${name.en} of ${other?.nameEn ?? other?.name ?? r.deviceId}` };
  }

  /** The rolling window of an input over `seconds` (made on first ask; conditions ask when compiled). */
  windowOf(role: string, seconds: number): RollingWindow {
    const key = `${role}@${seconds}`;
    let entry = this.#windows.get(key);
    if (entry === undefined) {
      entry = { role, w: new RollingWindow(seconds * S) };
      this.#windows.set(key, entry);
    }
    return entry.w;
  }

  /** Feeds every window the inputs' values now, at most once a second of elapsed time. */
  sample(now: number): void {
    if (now - this.#lastSample < SAMPLE_MS) return;
    this.#lastSample = now;
    for (const { role, w } of this.#windows.values()) {
      const x = asNumber(this.read(role));
      if (x !== undefined) w.add(now, x);
    }
  }

  /** The input's number: its rolling mean over `seconds`, else (or while the window is empty) its latest good value. */
  numberOf(role: string, seconds: number | undefined, now: number): number | undefined {
    const x = asNumber(this.read(role));
    if (seconds === undefined || x === undefined) return x;
    return this.windowOf(role, seconds).mean(now) ?? x;
  }

  #configured(role: string) {
    const r = this.ref(role);
    return this.#devices.get(r.deviceId)?.source.points.find((p) => p.id === r.pointId);
  }
}
