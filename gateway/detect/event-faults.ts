import type { HttpEventPoint } from '../../adapters/http-push/config.js';
import type { Device } from '../config/site-schema.js';
import type { Bilingual, Skill, Tier } from '../../core/vocabulary.js';
import { num, type CompiledRule, type DeviceView, type Params, type SeenEvent } from './fault-rule.js';
import { isEventFault, type EventFaultId, type FaultId } from '../../core/fault-catalogue.js';

const S = 1000;

/** The built-in faults a pushed event may raise, with what the ticket says (docs/faults.md). */
export const EVENT_FAULTS = {
  'fire-panel-alarm': { tier: 'emergency', skill: 'fire', title: { zh: '火灾报警', en: 'Fire alarm' } },
  'fire-panel-fault': { tier: 'general', skill: 'fire', title: { zh: '消防主机故障', en: 'Fire panel fault' } },
  'elevator-entrapment': { tier: 'emergency', skill: 'elevator', title: { zh: '电梯困人', en: 'Elevator entrapment' } },
  'elevator-out-of-service': { tier: 'general', skill: 'elevator', title: { zh: '电梯停用', en: 'Elevator out of service' } },
} as const satisfies Record<EventFaultId, { tier: Tier; skill: Skill; title: Bilingual }>;

interface Latch {
  readonly on: boolean;
  readonly text: string;
  readonly at: number;
  readonly autoClearMs: number | null;
}

const expired = (l: Latch, now: number): boolean => l.on && l.autoClearMs !== null && now - l.at >= l.autoClearMs;

/**
 * A fault raised and cleared by events: on as soon as a raising code arrives (no on-delay unless
 * the device sets one), off at a clearing code or after the point's `autoClearSeconds`. A second
 * raising event while the fault is on (a fire alarm in zone 5 after zone 3) is reported as `again`,
 * so its words reach the open ticket instead of being lost. Null when no event point of the device
 * raises this fault.
 */
export function eventRule(device: Device, fault: FaultId, p: Params): CompiledRule | null {
  if (device.source.protocol !== 'http' || !isEventFault(fault)) return null;
  const points = device.source.points.filter((pt): pt is HttpEventPoint => pt.kind === 'event' && Object.values(pt.raises).includes(fault));
  if (points.length === 0) return null;
  const meta = EVENT_FAULTS[fault];
  const seen = new Map<string, SeenEvent>();
  let latch: Latch | null = null;
  let again = false;
  // Runs from test() and again(): each new event object is applied once, in arrival order per point.
  const update = (v: DeviceView): void => {
    for (const pt of points) {
      const e = v.event(pt.id);
      if (e === undefined || seen.get(pt.id) === e) continue;
      seen.set(pt.id, e);
      if (pt.raises[e.code] === fault) {
        again = latch !== null && latch.on && !expired(latch, e.at);
        latch = { on: true, text: e.text, at: e.at, autoClearMs: pt.autoClearSeconds === undefined ? null : pt.autoClearSeconds * S };
      } else if (pt.clears[e.code]?.includes(fault) === true) {
        again = false;
        latch = { on: false, text: e.text, at: e.at, autoClearMs: null };
      }
    }
  };
  const name = { zh: device.name, en: device.nameEn ?? device.name };
  const place = { zh: device.location.description, en: device.location.descriptionEn ?? device.location.description };
  return {
    fault,
    tier: meta.tier,
    skill: meta.skill,
    points: points.map((pt) => pt.id),
    onDelayMs: num(p, 'onDelaySeconds', 0) * S,
    offDelayMs: num(p, 'offDelaySeconds', 0) * S,
    timeDriven: points.some((pt) => pt.autoClearSeconds !== undefined),
    test: (v) => {
      update(v);
      if (latch === null) return null;
      return latch.on && !expired(latch, v.now);
    },
    again: (v) => {
      update(v);
      const a = again;
      again = false;
      return a;
    },
    // The device's own words first: staff read "火警 3 区" as the panel shows it.
    describe: () => {
      const text = latch?.text ?? '';
      return {
        title: { zh: `${meta.title.zh}：${name.zh}`, en: `${meta.title.en}: ${name.en}` },
        description: latch?.on === false
          ? { zh: `${name.zh} 报告恢复：${text}`, en: `${name.en} reports a restore: ${text}` }
          : { zh: `${text}（${name.zh}，${place.zh}）`, en: `${text} (reported by ${name.en}, ${place.en})` },
      };
    },
  };
}
