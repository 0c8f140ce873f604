import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../gateway/clock.js';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { DetectionEngine, type FaultCondition } from '../../../gateway/detect/detection-engine.js';

async function pump() {
  const site = await loadSiteFile('config/demo-site.json');
  const clock = new ManualClock();
  const e = new DetectionEngine(site, clock);
  const seen: FaultCondition[] = [];
  e.on('condition', (c) => seen.push(c));
  e.start();
  const read = (pressure: number, flow: number, running = true) => {
    const ts = clock.now();
    for (const [pointId, value] of [['pressure', pressure], ['flow', flow], ['runCommand', true], ['running', running], ['faultCode', 0]] as const) {
      e.ingest({ deviceId: 'pump-dw-1', pointId, value, quality: 'good', ts });
    }
    clock.advance(1000);
  };
  return { e, seen, read };
}

describe('burst-pipe on the domestic-water pump', () => {
  it('fires when pressure falls fast while flow rises, and says so in words with the pressure curve', async () => {
    const { e, seen, read } = await pump();
    for (let i = 0; i < 15; i++) read(4.1, 12);
    for (let i = 0; i < 20; i++) read(Math.max(0.6, 4.1 - 0.5 * i), Math.min(38, 12 + 3 * i));
    const burst = seen.find((c) => c.fault === 'burst-pipe');
    expect(burst?.active).toBe(true);
    expect(burst?.tier).toBe('emergency');
    expect(burst?.description.en).toMatch(/^Pressure fell from [\d.]+ to 0\.6 bar in 10 s while flow rose to 38 m3\/h$/);
    expect(burst?.description.zh).toContain('压力在 10 秒内从');
    expect(burst?.evidence.map((s) => s.pointId)).toEqual(['pressure', 'flow']);
    expect(burst?.evidence[0]?.samples.length).toBeGreaterThan(20);
    e.stop();
  });

  it('does not fire when the pump stops and pressure falls to the static head with the flow', async () => {
    const { e, seen, read } = await pump();
    for (let i = 0; i < 15; i++) read(4.1, 12);
    for (let i = 0; i < 30; i++) read(2.2, 0, false);
    expect(seen.filter((c) => c.fault === 'burst-pipe')).toEqual([]);
    e.stop();
  });

  it('does not fire for pressure noise inside normal operation', async () => {
    const { e, seen, read } = await pump();
    for (let i = 0; i < 60; i++) read(4.1 + (i % 2 === 0 ? 0.3 : -0.3), 12 + (i % 3));
    expect(seen.filter((c) => c.fault === 'burst-pipe')).toEqual([]);
    e.stop();
  });
});
