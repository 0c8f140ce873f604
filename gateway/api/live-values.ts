import type { AdapterStatus, DeviceLinkStatus } from '../../adapters/adapter.js';
import type { Reading } from '../../adapters/reading.js';
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

/**
 * The last value of every point, for the pages. Readings arrive by the ten thousand a second, so
 * the hot path keeps the reading itself (no copy) and marks its device; the pages' shape is made
 * only when someone asks, and which devices changed is handed out in batches.
 */
export class LiveValues {
  readonly #last = new Map<string, Map<string, Reading>>();
  #dirty = new Set<string>();

  constructor(private readonly site: SiteConfig) {}

  update(r: Reading): void {
    let points = this.#last.get(r.deviceId);
    if (points === undefined) {
      points = new Map();
      this.#last.set(r.deviceId, points);
    }
    points.set(r.pointId, r);
    this.#dirty.add(r.deviceId);
  }

  /** Devices changed since the last call. */
  takeChanged(): string[] {
    const out = [...this.#dirty];
    this.#dirty = new Set();
    return out;
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
            const r = seen?.get(p.id);
            return r === undefined ? { pointId: p.id, value: null, quality: 'none', ts: null } : { pointId: p.id, value: r.value, quality: r.quality, ts: r.ts };
          }),
          link: links.get(d.id) ?? null,
        };
      });
  }
}
