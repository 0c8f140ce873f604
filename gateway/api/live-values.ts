import type { AdapterStatus, DeviceLinkStatus } from '../../core/adapter.js';
import { LatestValue } from '../../core/latest-value.js';
import type { Reading } from '../../core/reading.js';
import type { Device, SiteConfig } from '../config/site-schema.js';

export interface PointValue {
  readonly pointId: string;
  readonly value: Reading['value'] | null;
  readonly quality: Reading['quality'] | 'none';
  readonly ts: number | null;
}

export interface DeviceView {
  readonly id: string;
  readonly name: string;
  readonly nameEn: string | null;
  readonly kind: Device['kind'];
  readonly protocol: Device['source']['protocol'];
  readonly location: Device['location'];
  readonly points: readonly PointValue[];
  readonly link: DeviceLinkStatus | null;
}

/** What changed on one device since the last batch: only the points that changed, and its link now. */
export interface DeviceChange {
  readonly id: string;
  readonly points: readonly PointValue[];
  readonly link: DeviceLinkStatus | null;
}

/**
 * The last value of every point, for the pages. Readings arrive by the ten thousand a second, so
 * the hot path overwrites the point's slot in place (keeping no reading alive) and marks it
 * changed; the pages' shape is made only when someone asks, and which devices changed is handed
 * out in batches.
 */
/** One device's slots, made once at start, and which of its points changed since the last batch. */
interface DeviceSlots {
  readonly id: string;
  readonly slots: ReadonlyMap<string, LatestValue>;
  readonly changed: Set<string>;
}

const pointValue = (pointId: string, v: LatestValue | undefined): PointValue => ({ pointId, value: v?.value ?? null, quality: v?.quality ?? 'none', ts: v?.ts ?? null });

export class LiveValues {
  /** Every configured point's slot, made once at start: readings of other points are ignored. */
  readonly #last: Map<string, DeviceSlots>;
  /** Devices with points changed since the last batch (their sets are kept and cleared, not made again). */
  readonly #dirty = new Set<DeviceSlots>();

  constructor(private readonly site: SiteConfig) {
    this.#last = new Map(site.devices.map((d) => [d.id, { id: d.id, slots: new Map(d.source.points.map((p) => [p.id, new LatestValue()])), changed: new Set<string>() }]));
  }

  update(r: Reading): void {
    const device = this.#last.get(r.deviceId);
    const slot = device?.slots.get(r.pointId);
    if (device === undefined || slot === undefined) return;
    slot.set(r);
    device.changed.add(r.pointId);
    this.#dirty.add(device);
  }

  /**
   * What changed since the last call: each changed device's changed points only (the page has the
   * rest from GET /api/devices), and its link. Empty when nothing changed.
   */
  takeChanges(adapters: readonly AdapterStatus[]): DeviceChange[] {
    if (this.#dirty.size === 0) return [];
    const links = new Map(adapters.flatMap((a) => a.devices.map((d) => [d.deviceId, d] as const)));
    const out = [...this.#dirty].map((d): DeviceChange => ({ id: d.id, points: [...d.changed].map((pointId) => pointValue(pointId, d.slots.get(pointId))), link: links.get(d.id) ?? null }));
    this.dropChanges();
    return out;
  }

  /** Forgets what changed (nobody listens: the pages load the devices whole when they connect). */
  dropChanges(): void {
    for (const d of this.#dirty) d.changed.clear();
    this.#dirty.clear();
  }

  view(deviceIds: readonly string[] | null, adapters: readonly AdapterStatus[]): DeviceView[] {
    const links = new Map(adapters.flatMap((a) => a.devices.map((d) => [d.deviceId, d] as const)));
    const wanted = deviceIds === null ? null : new Set(deviceIds);
    return this.site.devices
      .filter((d) => wanted === null || wanted.has(d.id))
      .map((d) => {
        const seen = this.#last.get(d.id)?.slots;
        return {
          id: d.id,
          name: d.name,
          nameEn: d.nameEn ?? null,
          kind: d.kind,
          protocol: d.source.protocol,
          location: d.location,
          points: d.source.points.map((p) => pointValue(p.id, seen?.get(p.id))),
          link: links.get(d.id) ?? null,
        };
      });
  }
}
