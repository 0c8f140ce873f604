import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { DetectionEngine, type SuspectChange } from '../../../gateway/detect/detection-engine.js';
import type { FaultCondition } from '../../../gateway/detect/fault-conditions.js';
import type { SiteFileInput } from '../../../gateway/config/site-schema.js';
import { stampDeadlines } from '../../../gateway/tickets/deadlines.js';
import { testSite } from '../../helpers/site.js';

type Values = Record<string, number | boolean | string>;
type DeviceInput = SiteFileInput['devices'][number];

const SIGNALS = ['position', 'floor', 'moving', 'inDoorZone', 'doorsClosed', 'occupied', 'alarmButton', 'speed', 'powerOn', 'topLimit', 'bottomLimit'];

/** An elevator on a controller's signals (the OPC UA simulator's point ids). */
const controller = (faults: DeviceInput['faults'] = {}): DeviceInput => ({
  id: 'lift-a',
  kind: 'elevator',
  name: 'A 号客梯',
  nameEn: 'Elevator A',
  location: { building: 'T1', floor: '1F', description: 'T1 大堂 A 梯', descriptionEn: 'T1 lobby, elevator A', publicArea: true },
  source: { protocol: 'mqtt', username: 'lift-a', password: { value: 'pw-lift-a' }, points: SIGNALS.map((id) => ({ id })) },
  faults,
});

/** An elevator box that reports events as codes on `eventCode` (or a vendor's own table). */
const box = (eventCodes?: DeviceInput['eventCodes']): DeviceInput => ({
  id: 'lift-box',
  kind: 'elevator',
  name: 'B 号客梯',
  nameEn: 'Elevator B',
  location: { building: 'T2', floor: '1F', description: 'T2 大堂 B 梯', descriptionEn: 'T2 lobby, elevator B', publicArea: true },
  source: { protocol: 'mqtt', username: 'lift-box', password: { value: 'pw-lift-box' }, points: [{ id: 'eventCode' }, { id: 'floor' }, { id: 'alarmCode' }] },
  ...(eventCodes === undefined ? {} : { eventCodes }),
});

/** Parked at floor 3, doors open, power on, nobody inside. */
const IDLE: Values = { position: 9.6, floor: 3, moving: false, inDoorZone: true, doorsClosed: false, occupied: false, alarmButton: false, speed: 0, powerOn: true, topLimit: false, bottomLimit: false };

/** A real detection engine on a manual clock: feed frames (every point once a second), collect what it raises. */
function rig(device: DeviceInput) {
  const clock = new ManualClock();
  const engine = new DetectionEngine(testSite({ devices: [device] }), clock);
  const seen: FaultCondition[] = [];
  const suspects: SuspectChange[] = [];
  engine.on('condition', (c) => {
    if (c.fault !== 'device-offline') seen.push(c);
  });
  engine.on('suspect', (x) => suspects.push(x));
  engine.start();
  const feed = (values: Values, seconds: number): void => {
    for (let s = 0; s < seconds; s++) {
      for (const [pointId, value] of Object.entries(values)) engine.ingest({ deviceId: device.id, pointId, value, quality: 'good', ts: clock.now() });
      clock.advance(1000);
    }
  };
  const once = (values: Values): void => {
    for (const [pointId, value] of Object.entries(values)) engine.ingest({ deviceId: device.id, pointId, value, quality: 'good', ts: clock.now() });
  };
  const raised = (): string[] => seen.filter((c) => c.active).map((c) => c.fault);
  return { clock, engine, seen, suspects, feed, once, raised };
}

describe('elevator faults from a controller’s signals', () => {
  it('raises 冲顶 (over-travel at the top) at once when the top limit switch trips, as an emergency for the elevator team', () => {
    const r = rig(controller());
    r.feed(IDLE, 3);
    r.feed({ ...IDLE, topLimit: true, floor: 20, inDoorZone: false, doorsClosed: true }, 1);
    const c = r.seen.find((x) => x.fault === 'elevator-overtravel-top');
    expect(c?.active).toBe(true);
    expect(c?.tier).toBe('emergency');
    expect(c?.skill).toBe('elevator');
    expect(c?.title).toEqual({ zh: '电梯冲顶：A 号客梯', en: 'Elevator over-travel at the top: Elevator A' });
    expect(c?.description.en).toContain('top limit switch tripped');
  });

  it('raises 冲顶 from the position past the top landing the site gives, and not below it', () => {
    const r = rig(controller({ 'elevator-overtravel-top': { topLandingMeters: 60.8 } }));
    r.feed({ ...IDLE, position: 60.9, floor: 19 }, 3);
    expect(r.raised()).not.toContain('elevator-overtravel-top');
    r.feed({ ...IDLE, position: 61.3, floor: 19, inDoorZone: false, doorsClosed: true }, 1);
    expect(r.raised()).toContain('elevator-overtravel-top');
  });

  it('raises 蹲底 (over-travel at the bottom) from the car below the bottom landing', () => {
    const r = rig(controller());
    r.feed(IDLE, 2);
    r.feed({ ...IDLE, position: -0.5, floor: 0, inDoorZone: false, doorsClosed: true }, 1);
    expect(r.raised()).toContain('elevator-overtravel-bottom');
    expect(r.seen.find((x) => x.fault === 'elevator-overtravel-bottom')?.tier).toBe('emergency');
  });

  it('raises 开门走梯 when the car runs with its doors open outside the door zone for 2 s', () => {
    const r = rig(controller());
    r.feed(IDLE, 2);
    r.feed({ ...IDLE, moving: true, inDoorZone: false, speed: 1, position: 10.5 }, 3);
    expect(r.raised()).toEqual(['elevator-moving-doors-open']);
    expect(r.seen[0]?.tier).toBe('emergency');
  });

  it('does not take doors opening as the car levels into the door zone for 开门走梯', () => {
    const r = rig(controller());
    r.feed({ ...IDLE, moving: true, inDoorZone: true, doorsClosed: false, speed: 0.2 }, 10);
    expect(r.raised()).toEqual([]);
  });

  it('raises 超速 above 115 % of the rated speed, and not at the rated speed', () => {
    const r = rig(controller({ 'elevator-overspeed': { ratedSpeedMps: 2.5 } }));
    r.feed({ ...IDLE, moving: true, doorsClosed: true, inDoorZone: false, speed: 2.5 }, 10);
    expect(r.raised()).toEqual([]);
    r.feed({ ...IDLE, moving: true, doorsClosed: true, inDoorZone: false, speed: 3.0 }, 2);
    expect(r.raised()).toEqual(['elevator-overspeed']);
    expect(r.seen[0]?.description.en).toBe('Car speed 3 m/s, above 115 % of the rated 2.5 m/s (near floor 3)');
  });

  it('raises 非平层停梯 for an empty car stopped outside a door zone for 10 s, as general', () => {
    const r = rig(controller());
    r.feed({ ...IDLE, inDoorZone: false, doorsClosed: true, position: 11 }, 9);
    expect(r.raised()).toEqual([]);
    r.feed({ ...IDLE, inDoorZone: false, doorsClosed: true, position: 11 }, 2);
    expect(r.raised()).toEqual(['elevator-stopped-outside-landing']);
    expect(r.seen[0]?.tier).toBe('general');
  });

  it('leaves a car stopped outside a door zone with someone inside to elevator-entrapment alone', () => {
    const r = rig(controller());
    r.feed({ ...IDLE, inDoorZone: false, doorsClosed: true, occupied: true, position: 11 }, 31);
    expect(r.raised()).toEqual(['elevator-entrapment']);
  });

  it('raises 反复开关门 after five closings in a minute without the car running, and clears once they age out', () => {
    const r = rig(controller());
    r.feed(IDLE, 2);
    for (let i = 0; i < 5; i++) {
      r.feed({ ...IDLE, doorsClosed: true }, 3);
      r.feed({ ...IDLE, doorsClosed: false }, 3);
    }
    expect(r.raised()).toEqual(['elevator-door-cycling']);
    expect(r.seen[0]?.tier).toBe('general');
    // No reading at all: the window slides on, the closings leave it, the off-delay runs out.
    r.clock.advance(120_000);
    expect(r.seen.filter((c) => c.fault === 'elevator-door-cycling').map((c) => c.active)).toEqual([true, false]);
  });

  it('does not count doors closing between trips as 反复开关门', () => {
    const r = rig(controller());
    for (let i = 0; i < 8; i++) {
      r.feed({ ...IDLE, doorsClosed: true }, 1);
      r.feed({ ...IDLE, doorsClosed: true, moving: true, inDoorZone: false }, 2);
      r.feed({ ...IDLE, doorsClosed: false }, 3);
    }
    expect(r.raised()).toEqual([]);
  });

  it('raises 轿厢意外移动 when the car leaves the door zone with doors open while not driven', () => {
    const r = rig(controller());
    r.feed(IDLE, 2);
    r.feed({ ...IDLE, inDoorZone: false, position: 9.2, speed: 0.3 }, 2);
    expect(r.raised()).toEqual(['elevator-unintended-movement']);
    expect(r.seen[0]?.tier).toBe('emergency');
  });

  it('raises 停电 (power lost) as general after 3 s, not for a 2 s dip', () => {
    const r = rig(controller());
    r.feed({ ...IDLE, powerOn: false }, 2);
    r.feed(IDLE, 20);
    expect(r.raised()).toEqual([]);
    r.feed({ ...IDLE, powerOn: false }, 4);
    expect(r.raised()).toEqual(['elevator-power-lost']);
    expect(r.seen[0]?.tier).toBe('general');
  });

  it('raises nothing for a car in normal service: trips between floors, doors opening at each landing', () => {
    const r = rig(controller());
    for (let trip = 0; trip < 10; trip++) {
      r.feed({ ...IDLE, doorsClosed: true, occupied: true }, 2);
      r.feed({ ...IDLE, doorsClosed: true, occupied: true, moving: true, inDoorZone: false, speed: 1.75, position: 12 }, 4);
      r.feed({ ...IDLE, floor: 5, position: 16, occupied: true }, 5);
    }
    expect(r.raised()).toEqual([]);
  });
});

describe('suspected entrapment', () => {
  it('is reported while the 30 s confirm delay runs, and ends when the ticket’s condition fires', () => {
    const r = rig(controller());
    r.feed(IDLE, 2);
    const t0 = r.clock.now();
    r.feed({ ...IDLE, inDoorZone: false, doorsClosed: true, occupied: true, position: 11 }, 10);
    expect(r.suspects).toEqual([{ deviceId: 'lift-a', fault: 'elevator-entrapment', on: true, words: { zh: '疑似困人', en: 'Suspected entrapment' }, since: t0, confirmAt: t0 + 30_000 }]);
    expect(r.raised()).toEqual([]);
    r.feed({ ...IDLE, inDoorZone: false, doorsClosed: true, occupied: true, position: 11 }, 21);
    expect(r.suspects.map((x) => x.on)).toEqual([true, false]);
    expect(r.raised()).toEqual(['elevator-entrapment']);
  });

  it('ends without a ticket when the car moves on before the delay', () => {
    const r = rig(controller());
    r.feed({ ...IDLE, inDoorZone: false, doorsClosed: true, occupied: true, position: 11 }, 10);
    r.feed({ ...IDLE, doorsClosed: true, occupied: true, moving: true, inDoorZone: false, speed: 1.75 }, 1);
    expect(r.suspects.map((x) => x.on)).toEqual([true, false]);
    r.clock.advance(60_000);
    expect(r.raised()).toEqual([]);
  });
});

describe('elevator faults from an elevator box’s event codes', () => {
  it('maps the default table: 4003 raises 冲顶 at once, 0 (normal) clears it', () => {
    const r = rig(box());
    r.once({ eventCode: 0, floor: 18 });
    r.once({ eventCode: 4003 });
    expect(r.raised()).toEqual(['elevator-overtravel-top']);
    const c = r.seen[0];
    expect(c?.tier).toBe('emergency');
    expect(c?.description).toEqual({ zh: '电梯监测终端报告冲顶（代码 4003，约 18 层）', en: 'The elevator monitoring box reports: Elevator over-travel at the top (code 4003, near floor 18)' });
    r.clock.advance(1000);
    r.once({ eventCode: 0 });
    expect(r.seen.map((x) => [x.fault, x.active])).toEqual([
      ['elevator-overtravel-top', true],
      ['elevator-overtravel-top', false],
    ]);
  });

  it('raises 困人 from the box at once (the box confirmed it), with the emergency tier', () => {
    const r = rig(box());
    r.once({ eventCode: '4001' });
    expect(r.raised()).toEqual(['elevator-entrapment']);
    expect(r.suspects).toEqual([]);
  });

  it('keeps one code’s fault on when another code arrives, until its own restore (5003) or 0', () => {
    const r = rig(box());
    r.once({ eventCode: 4003 });
    r.clock.advance(1000);
    r.once({ eventCode: 4009 });
    r.clock.advance(1000);
    r.once({ eventCode: 5003 });
    expect(r.seen.map((x) => [x.fault, x.active])).toEqual([
      ['elevator-overtravel-top', true],
      ['elevator-power-lost', true],
      ['elevator-overtravel-top', false],
    ]);
  });

  it('reads a vendor’s own codes on its own point, ending a raised fault by itself after autoClearSeconds', () => {
    const r = rig(box({ point: 'alarmCode', raises: { E31: 'elevator-overtravel-top', E40: 'elevator-moving-doors-open' }, clears: { E00: ['elevator-overtravel-top', 'elevator-moving-doors-open'] }, autoClearSeconds: 60 }));
    r.once({ eventCode: 4003 });
    expect(r.raised()).toEqual([]);
    r.once({ alarmCode: 'E40' });
    expect(r.raised()).toEqual(['elevator-moving-doors-open']);
    r.clock.advance(61_000);
    expect(r.seen.map((x) => [x.fault, x.active])).toEqual([
      ['elevator-moving-doors-open', true],
      ['elevator-moving-doors-open', false],
    ]);
  });
});

describe('the rescue deadline', () => {
  it('stamps an entrapment’s on-site time from the district’s rescue limit: 30 min by default, 60 where the site sets it', () => {
    const site = testSite();
    const t0 = Date.parse('2026-12-07T02:00:00Z');
    expect(stampDeadlines(site.contract, { tier: 'emergency', fault: 'elevator-entrapment', publicArea: true }, t0).onSiteBy).toBe('2026-12-07T02:30:00.000Z');
    expect(stampDeadlines(site.contract, { tier: 'emergency', fault: 'elevator-overspeed', publicArea: true }, t0).onSiteBy).toBe('2026-12-07T02:15:00.000Z');
    const rural = testSite({ contract: { entrapmentRescueMinutes: 60 } });
    expect(stampDeadlines(rural.contract, { tier: 'emergency', fault: 'elevator-entrapment', publicArea: true }, t0).onSiteBy).toBe('2026-12-07T03:00:00.000Z');
  });
});
