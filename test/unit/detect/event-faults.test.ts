import { describe, expect, it } from 'vitest';
import { RateBucket } from '../../../adapters/http-push/rate-bucket.js';
import { ManualClock } from '../../../core/clock.js';
import { parseSite } from '../../../gateway/config/load-site.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import { type FaultCondition } from '../../../gateway/detect/fault-conditions.js';

function panel(autoClearSeconds?: number) {
  const clock = new ManualClock();
  const site = parseSite({
    site: { id: 's', code: 'S1', name: 'S' },
    devices: [
      {
        id: 'fp-1',
        kind: 'fire-panel',
        name: '消防主机',
        nameEn: 'Fire panel',
        location: { building: 'T1', floor: '1F', description: '消防控制室', descriptionEn: 'fire control room' },
        source: {
          protocol: 'http',
          token: { value: 't' },
          points: [
            {
              id: 'panel',
              kind: 'event',
              raises: { FIRE: 'fire-panel-alarm', FAULT: 'fire-panel-fault' },
              clears: { RESET: ['fire-panel-alarm', 'fire-panel-fault'], FAULT_OK: ['fire-panel-fault'] },
              ...(autoClearSeconds === undefined ? {} : { autoClearSeconds }),
            },
          ],
        },
      },
    ],
  });
  const e = new DetectionEngine(site, clock);
  const seen: FaultCondition[] = [];
  e.on('condition', (c) => seen.push(c));
  e.start();
  const event = (code: string, text = code) => e.ingest({ deviceId: 'fp-1', pointId: 'panel', value: code, quality: 'good', ts: clock.now(), event: { text } });
  const states = () => seen.map((c) => [c.fault, c.active, c.again === true]);
  return { clock, e, seen, event, states };
}

describe('faults raised by pushed events', () => {
  it('raises at once with the panel words, notes a second raise while on, and clears on the restore code', () => {
    const { event, states, seen, e } = panel();
    event('FIRE', '火警 3 区');
    expect(states()).toEqual([['fire-panel-alarm', true, false]]);
    expect(seen[0]).toMatchObject({ tier: 'emergency', skill: 'fire', title: { zh: '火灾报警：消防主机' } });
    expect(seen[0]?.description.zh).toBe('火警 3 区（消防主机，消防控制室）');
    event('FIRE', '火警 5 区');
    expect(states().at(-1)).toEqual(['fire-panel-alarm', true, true]);
    expect(seen.at(-1)?.description.zh).toContain('火警 5 区');
    event('FAULT', '回路 2 故障');
    expect(states().at(-1)).toEqual(['fire-panel-fault', true, false]);
    // A fault restore ends the fault only; the alarm stays on.
    event('FAULT_OK');
    expect(states().at(-1)).toEqual(['fire-panel-fault', false, false]);
    event('SUPERVISORY');
    event('RESET', '复位');
    expect(states().at(-1)).toEqual(['fire-panel-alarm', false, false]);
    expect(seen.filter((c) => c.fault === 'fire-panel-alarm' && !c.active)).toHaveLength(1);
    e.stop();
  });

  it('clears by itself after autoClearSeconds of elapsed time when the device sends no restore', () => {
    const { event, states, clock, e } = panel(60);
    event('FIRE');
    clock.advance(59_000);
    expect(states()).toEqual([['fire-panel-alarm', true, false]]);
    clock.advance(2_000);
    expect(states().at(-1)).toEqual(['fire-panel-alarm', false, false]);
    // Back again: a new activation.
    event('FIRE');
    expect(states().at(-1)).toEqual(['fire-panel-alarm', true, false]);
    e.stop();
  });
});

describe('the push rate bucket', () => {
  it('lets a burst through, then one push per refill, and says how long to wait', () => {
    const b = new RateBucket(2, 3, 0);
    expect([b.take(0), b.take(0), b.take(0)].every((t) => t.ok)).toBe(true);
    expect(b.take(0)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(b.take(500)).toEqual({ ok: true });
    expect(b.take(600)).toEqual({ ok: false, retryAfterMs: 400 });
    // Refills never beyond the burst.
    expect([b.take(60_000), b.take(60_000), b.take(60_000), b.take(60_000)].map((t) => t.ok)).toEqual([true, true, true, false]);
  });
});
