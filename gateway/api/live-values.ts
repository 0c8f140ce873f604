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
 * the hot path overwrites the point's slot in place (keeping no reading alive) and marks its
 * device; the pages' shape is made only when someone asks, and which devices changed is handed
 * out in batches.
 */
export class LiveValues {
  /** Every configured point's slot, made once at start: readings of other points are ignored. */
  readonly #last: Map<string, Map<string, LatestValue>>;
  /** Points changed since the last batch, by device. */
  #dirty = new Map<string, Set<string>>();

  constructor(private readonly site: SiteConfig) {
    this.#last = new Map(site.devices.map((d) => [d.id, new Map(d.source.points.map((p) => [p.id, new LatestValue()]))]));
  }

  update(r: Reading): void {
    const slot = this.#last.get(r.deviceId)?.get(r.pointId);
    if (slot === undefined) return;
    slot.set(r);
    let points = this.#dirty.get(r.deviceId);
    if (points === undefined) {
      points = new Set();
      this.#dirty.set(r.deviceId, points);
    }
    points.add(r.pointId);
  }

  /**
   * What changed since the last call: each changed device's changed points only (the page has the
   * rest from GET /api/devices), and its link. Empty when nothing changed.
   */
  takeChanges(adapters: readonly AdapterStatus[]): DeviceChange[] {
    if (this.#dirty.size === 0) return [];
    const dirty = this.#dirty;
    this.#dirty = new Map();
    const links = new Map(adapters.flatMap((a) => a.devices.map((d) => [d.deviceId, d] as const)));
    return [...dirty].map(([id, pointIds]) => ({
      id,
      points: [...pointIds].map((pointId): PointValue => {
        const v = this.#last.get(id)?.get(pointId);
        return { pointId, value: v?.value ?? null, quality: v?.quality ?? 'none', ts: v?.ts ?? null };
      }),
      link: links.get(id) ?? null,
    }));
  }

  /** Forgets what changed (nobody listens: the pages load the devices whole when they connect). */
  dropChanges(): void {
    this.#dirty = new Map();
  }

  view(deviceIds: readonly string[] | null, adapters: readonly AdapterStatus[]): DeviceView[] {
    const links = new Map(adapters.flatMap((a) => a.devices.map((d) => [d.deviceId, d] as const)));
    const wanted = deviceIds === null ? null : new Set(deviceIds);
    return this.site.devices
      .filter((d) => wanted === null || wanted.has(d.id))
      .map((d) => {
        const seen = this.#last.get(d.id);
        return {
          id: d.id,
          name: d.name,
          nameEn: d.nameEn ?? null,
          kind: d.kind,
          protocol: d.source.protocol,
          location: d.location,
          points: d.source.points.map((p): PointValue => {
            const v = seen?.get(p.id);
            return { pointId: p.id, value: v?.value ?? null, quality: v?.quality ?? 'none', ts: v?.ts ?? null };
          }),
          link: links.get(d.id) ?? null,
        };
      });
  }
}
