import type { Bilingual } from '../../core/vocabulary.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { SuspectChange } from '../detect/detection-engine.js';

/** A suspected fault as the pages show it: the device and place by name, times as epoch ms (the page words them in the site's zone). */
export interface SuspectView {
  readonly deviceId: string;
  readonly fault: string;
  readonly words: Bilingual;
  readonly device: Bilingual;
  readonly place: Bilingual;
  readonly building: string;
  readonly since: number;
  readonly confirmAt: number;
}

export function suspectView(x: SuspectChange, site: SiteConfig): SuspectView {
  const d = site.devices.find((dev) => dev.id === x.deviceId);
  return {
    deviceId: x.deviceId,
    fault: x.fault,
    words: x.words,
    device: { zh: d?.name ?? x.deviceId, en: d?.nameEn ?? d?.name ?? x.deviceId },
    place: { zh: d?.location.description ?? '', en: d?.location.descriptionEn ?? d?.location.description ?? '' },
    building: d?.location.building ?? '',
    since: x.since,
    confirmAt: x.confirmAt,
  };
}
