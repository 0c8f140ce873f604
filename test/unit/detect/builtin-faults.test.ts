import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import { type FaultCondition } from '../../../gateway/detect/fault-conditions.js';

type Frame = { device: string; points: Record<string, number | boolean>; forSeconds: number };

interface Case {
  readonly name: string;
  readonly site?: string;
  readonly frames: readonly Frame[];
  /** The fault that must fire (with tier and words), or null for a near-miss. */
  readonly expect: { fault: string; device: string; tier: string; skill: string; words: RegExp } | null;
  /** For near-misses: the fault that must not fire. */
  readonly not?: string;
}

const PUMP_OK = { runCommand: true, running: true, faultCode: 0, pressure: 4.1, flow: 12 };
const LIFT_IDLE = { moving: false, inDoorZone: true, doorsClosed: false, occupied: false, alarmButton: false, faultCode: 0, available: true, floor: 3 };
const MAINS = { voltageA: 221, voltageB: 220, voltageC: 222, current: 120 };

const CASES: readonly Case[] = [
  { name: 'water-leak: wet for 6 s', frames: [{ device: 'leak-b1-pump-room', points: { wet: true }, forSeconds: 6 }], expect: { fault: 'water-leak', device: 'leak-b1-pump-room', tier: 'emergency', skill: 'plumbing', words: /leak sensor at B1 domestic-water pump room/ } },
  { name: 'water-leak near-miss: wet for 4 s', frames: [{ device: 'leak-b1-pump-room', points: { wet: true }, forSeconds: 4 }, { device: 'leak-b1-pump-room', points: { wet: false }, forSeconds: 30 }], expect: null, not: 'water-leak' },
  { name: 'battery-low: 9 %', frames: [{ device: 'leak-12f-riser', points: { battery: 9 }, forSeconds: 1 }], expect: { fault: 'battery-low', device: 'leak-12f-riser', tier: 'low', skill: 'iot', words: /Battery at 9 %, below 15 %/ } },
  { name: 'battery-low near-miss: 16 %', frames: [{ device: 'leak-12f-riser', points: { battery: 16 }, forSeconds: 60 }], expect: null, not: 'battery-low' },
  { name: 'power-loss: all phases at 0 V for 4 s', frames: [{ device: 'pm-b1-db1', points: { ...MAINS, voltageA: 0, voltageB: 0, voltageC: 0 }, forSeconds: 4 }], expect: { fault: 'power-loss', device: 'pm-b1-db1', tier: 'emergency', skill: 'electrical', words: /below half of nominal/ } },
  { name: 'power-loss: a UPS on battery, at once (its trap is the first word of a mains failure)', frames: [{ device: 'ups-b1-it', points: { runtimeMinutes: 42, batteryChargePercent: 97, onBattery: true }, forSeconds: 0.1 }], expect: { fault: 'power-loss', device: 'ups-b1-it', tier: 'emergency', skill: 'electrical', words: /UPS is running on battery \(mains failed\); about 42 min of battery left, charge 97 %/ } },
  { name: 'power-loss near-miss: a 2 s dip', frames: [{ device: 'pm-b1-db1', points: { ...MAINS, voltageA: 90 }, forSeconds: 2 }, { device: 'pm-b1-db1', points: MAINS, forSeconds: 30 }], expect: null, not: 'power-loss' },
  { name: 'pump-failure: run command, no feedback', frames: [{ device: 'pump-dw-1', points: { ...PUMP_OK, running: false, flow: 0, pressure: 2.2 }, forSeconds: 11 }], expect: { fault: 'pump-failure', device: 'pump-dw-1', tier: 'emergency', skill: 'plumbing', words: /run command on but no run feedback/ } },
  { name: 'pump-failure: dry running fault code', frames: [{ device: 'pump-dw-1', points: { ...PUMP_OK, faultCode: 3 }, forSeconds: 11 }], expect: { fault: 'pump-failure', device: 'pump-dw-1', tier: 'emergency', skill: 'plumbing', words: /fault code 3 \(dry running\)/ } },
  { name: 'pump-failure near-miss: pump off on purpose', frames: [{ device: 'pump-dw-1', points: { ...PUMP_OK, runCommand: false, running: false, flow: 0, pressure: 2.2 }, forSeconds: 60 }], expect: null, not: 'pump-failure' },
  { name: 'elevator-entrapment: stopped between floors, doors closed, alarm button', frames: [{ device: 'elevator-t1-a', points: { ...LIFT_IDLE, inDoorZone: false, doorsClosed: true, alarmButton: true }, forSeconds: 31 }], expect: { fault: 'elevator-entrapment', device: 'elevator-t1-a', tier: 'emergency', skill: 'elevator', words: /outside a door zone .* alarm button pressed/ } },
  { name: 'elevator-entrapment near-miss: stopped at a floor with doors open and people inside', frames: [{ device: 'elevator-t1-a', points: { ...LIFT_IDLE, occupied: true }, forSeconds: 120 }], expect: null, not: 'elevator-entrapment' },
  { name: 'elevator-entrapment: at a landing, doors closed and not opening, occupied for 2 min', frames: [{ device: 'elevator-t1-a', points: { ...LIFT_IDLE, doorsClosed: true, occupied: true }, forSeconds: 125 }], expect: { fault: 'elevator-entrapment', device: 'elevator-t1-a', tier: 'emergency', skill: 'elevator', words: /stopped at floor 3 with doors closed and not opening, occupied for more than 2 min/ } },
  { name: 'elevator-entrapment: at a landing, doors closed, alarm button for 31 s', frames: [{ device: 'elevator-t1-a', points: { ...LIFT_IDLE, doorsClosed: true, alarmButton: true }, forSeconds: 31 }], expect: { fault: 'elevator-entrapment', device: 'elevator-t1-a', tier: 'emergency', skill: 'elevator', words: /at floor 3 .* alarm button pressed/ } },
  { name: 'elevator-entrapment near-miss: at a landing, doors closed with people inside for 100 s, then they open', frames: [{ device: 'elevator-t1-a', points: { ...LIFT_IDLE, doorsClosed: true, occupied: true }, forSeconds: 100 }, { device: 'elevator-t1-a', points: { ...LIFT_IDLE, occupied: true }, forSeconds: 60 }, { device: 'elevator-t1-a', points: { ...LIFT_IDLE, doorsClosed: true, occupied: true }, forSeconds: 100 }], expect: null, not: 'elevator-entrapment' },
  { name: 'elevator-out-of-service: fault code for 5 min', frames: [{ device: 'elevator-t1-a', points: { ...LIFT_IDLE, faultCode: 21, available: false }, forSeconds: 301 }], expect: { fault: 'elevator-out-of-service', device: 'elevator-t1-a', tier: 'general', skill: 'elevator', words: /Fault code 21/ } },
  { name: 'elevator-out-of-service near-miss: unavailable for 4 min', frames: [{ device: 'elevator-t1-a', points: { ...LIFT_IDLE, available: false }, forSeconds: 240 }, { device: 'elevator-t1-a', points: LIFT_IDLE, forSeconds: 60 }], expect: null, not: 'elevator-out-of-service' },
  { name: 'sump-high-level: 1.2 m for 11 s', site: 'simulators/scenarios/sites/sump-site.json', frames: [{ device: 'sump-b2', points: { level: 1.2 }, forSeconds: 11 }], expect: { fault: 'sump-high-level', device: 'sump-b2', tier: 'emergency', skill: 'plumbing', words: /Level 1\.2 m above the high mark of 0\.8 m/ } },
  { name: 'sump-high-level near-miss: 0.79 m', site: 'simulators/scenarios/sites/sump-site.json', frames: [{ device: 'sump-b2', points: { level: 0.79 }, forSeconds: 120 }], expect: null, not: 'sump-high-level' },
];

/** Feeds every point of the frame once a second for its duration, on a manual clock. */
async function play(c: Case): Promise<FaultCondition[]> {
  const clock = new ManualClock();
  const engine = new DetectionEngine(await loadSiteFile(c.site ?? 'config/demo-site.json'), clock);
  const seen: FaultCondition[] = [];
  engine.on('condition', (x) => seen.push(x));
  engine.start();
  for (const f of c.frames) {
    for (let s = 0; s < f.forSeconds; s++) {
      for (const [pointId, value] of Object.entries(f.points)) engine.ingest({ deviceId: f.device, pointId, value, quality: 'good', ts: clock.now() });
      clock.advance(1000);
    }
  }
  engine.stop();
  return seen.filter((x) => x.fault !== 'device-offline');
}

describe('built-in faults', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const seen = await play(c);
    if (c.expect === null) {
      expect(seen.filter((x) => x.fault === c.not && x.active)).toEqual([]);
      return;
    }
    const hit = seen.find((x) => x.fault === c.expect?.fault && x.active);
    expect(hit).toMatchObject({ deviceId: c.expect.device, tier: c.expect.tier, skill: c.expect.skill });
    expect(hit?.description.en).toMatch(c.expect.words);
    expect(hit?.description.zh.length).toBeGreaterThan(0);
    expect(hit?.title.zh).not.toBe(hit?.title.en);
  });
});
