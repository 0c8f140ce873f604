import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { parseSite } from '../../../gateway/config/load-site.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import { type FaultCondition } from '../../../gateway/detect/fault-conditions.js';

function meterSite() {
  return parseSite({
    site: { id: 's', code: 'S1', name: 'S' },
    devices: [
      {
        id: 'pm-1',
        kind: 'power-meter',
        name: 'DB1 meter',
        location: { building: 'T1', floor: 'B1', description: 'DB1' },
        source: { protocol: 'mqtt', points: [{ id: 'voltageA' }, { id: 'voltageB' }, { id: 'voltageC' }, { id: 'current', unit: 'A' }] },
      },
    ],
  });
}

function engine() {
  const clock = new ManualClock();
  const e = new DetectionEngine(meterSite(), clock);
  const seen: FaultCondition[] = [];
  e.on('condition', (c) => seen.push(c));
  e.start();
  const amps = (value: number) => e.ingest({ deviceId: 'pm-1', pointId: 'current', value, quality: 'good', ts: clock.now() });
  return { clock, e, seen, amps };
}

describe('threshold with hysteresis (overcurrent, trip 400 A, band 20 A)', () => {
  it('fires after the on-delay, holds inside the band, and clears below it after the off-delay', () => {
    const { clock, e, seen, amps } = engine();
    amps(450);
    clock.advance(2000);
    expect(seen.map((c) => [c.fault, c.active])).toEqual([['overcurrent', true]]);
    expect(seen[0]?.description.en).toBe('Current 450 A above the trip level of 400 A');
    expect(seen[0]?.evidence[0]).toMatchObject({ pointId: 'current', unit: 'A' });
    // Noise inside the band (380-400 A) changes nothing.
    for (const v of [395, 385, 399, 381]) {
      amps(v);
      clock.advance(10_000);
    }
    expect(seen).toHaveLength(1);
    amps(370);
    clock.advance(29_000);
    expect(seen).toHaveLength(1);
    clock.advance(1000);
    expect(seen.map((c) => [c.fault, c.active])).toEqual([
      ['overcurrent', true],
      ['overcurrent', false],
    ]);
    e.stop();
  });

  it('does not fire for noise just under the trip level or a blip shorter than the on-delay', () => {
    const { clock, e, seen, amps } = engine();
    for (const v of [399, 396, 400, 398]) {
      amps(v);
      clock.advance(5000);
    }
    amps(500);
    clock.advance(1500);
    amps(350);
    clock.advance(60_000);
    expect(seen.filter((c) => c.fault === 'overcurrent')).toEqual([]);
    e.stop();
  });
});
