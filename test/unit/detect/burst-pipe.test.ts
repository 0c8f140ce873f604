import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import { type FaultCondition } from '../../../gateway/detect/fault-conditions.js';

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

  /** Seconds of readings: pressure and flow of each second (running pump, run command on). */
  type Profile = readonly { pressure: number; flow: number; running?: boolean }[];
  const steady = (seconds: number, pressure = 4.1, flow = 12): Profile => Array.from({ length: seconds }, () => ({ pressure, flow }));
  const cases: readonly { name: string; profile: Profile; fires: boolean }[] = [
    { name: 'a step drop with the flow held (4.1 -> 0.6 bar in one reading, 12 m3/h kept)', profile: [...steady(15), ...steady(25, 0.6, 12)], fires: true },
    { name: 'a ramp drop over 5 s with the flow held', profile: [...steady(15), ...[3.4, 2.7, 2.0, 1.3, 0.6].map((p) => ({ pressure: p, flow: 12 })), ...steady(25, 0.6, 12)], fires: true },
    { name: 'a step drop with the flow rising', profile: [...steady(15), ...steady(25, 0.6, 20)], fires: true },
    { name: 'a drop that recovers inside the on-delay', profile: [...steady(15), ...steady(4, 0.6, 12), ...steady(30)], fires: false },
    { name: 'a pump stop: pressure to the static head and flow to zero together', profile: [...steady(15), ...Array.from({ length: 30 }, () => ({ pressure: 2.2, flow: 0, running: false }))], fires: false },
    { name: 'a refill: pressure rising back after maintenance', profile: [...steady(15, 0.5, 0), ...[1, 2, 3, 4.1].map((p) => ({ pressure: p, flow: 12 })), ...steady(30)], fires: false },
  ];
  it.each(cases)('$name: fires $fires', async ({ profile, fires }) => {
    const { e, seen, read } = await pump();
    for (const x of profile) read(x.pressure, x.flow, x.running ?? true);
    const burst = seen.filter((c) => c.fault === 'burst-pipe' && c.active);
    expect(burst.length).toBe(fires ? 1 : 0);
    if (fires) expect(burst[0]?.description.en).toMatch(/^Pressure fell from 4\.1 to 0\.6 bar in 10 s while flow (held at 12|rose to 20) m3\/h$/);
    e.stop();
  });
});
