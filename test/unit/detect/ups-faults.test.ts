import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/reading.js';
import { ManualClock } from '../../../core/clock.js';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import { type FaultCondition } from '../../../gateway/detect/fault-conditions.js';

type Answer = Record<string, number | boolean | string>;

const ON_MAINS: Answer = { onBattery: false, outputSource: 'normal', batteryStatus: 'normal', batteryChargePercent: 100, runtimeMinutes: 45, inputVoltage: 220, outputLoadPercent: 30, batteryTemperature: 25, selfTest: 'pass' };
const ON_BATTERY: Answer = { ...ON_MAINS, onBattery: true, outputSource: 'battery', inputVoltage: 0, batteryChargePercent: 80, runtimeMinutes: 30 };

/** The demo site's SNMP UPS, fed one poll answer at a time as the adapter delivers it (all but the last reading `more`). */
async function ups() {
  const clock = new ManualClock();
  const engine = new DetectionEngine(await loadSiteFile('config/demo-site.json'), clock);
  const seen: FaultCondition[] = [];
  // The UPS's own faults; the demo site's other devices, and a UPS this test polls seldom, go offline meanwhile.
  engine.on('condition', (c) => {
    if (c.deviceId === 'ups-b1-it' && c.fault !== 'device-offline') seen.push(c);
  });
  engine.start();
  const answer = (a: Answer): void => {
    const entries = Object.entries(a);
    entries.forEach(([pointId, value], i) => {
      const r: Reading = { deviceId: 'ups-b1-it', pointId, value, quality: 'good', ts: clock.now(), ...(i < entries.length - 1 ? { more: true as const } : {}) };
      engine.ingest(r);
    });
  };
  const active = (): string[] => {
    const on = new Set<string>();
    for (const c of seen) if (c.active) on.add(c.fault);
    else on.delete(c.fault);
    return [...on].sort();
  };
  return { clock, answer, seen, active, stop: () => engine.stop() };
}

describe('the faults of a UPS', () => {
  it('runs flat without ever reading as mains back: power-loss, then battery low with its minutes, then the load unpowered, and all normal once mains are back', async () => {
    const u = await ups();
    u.answer(ON_MAINS);
    expect(u.seen).toEqual([]);
    u.answer(ON_BATTERY);
    expect(u.active()).toEqual(['power-loss']);
    u.clock.advance(10_000);
    u.answer({ ...ON_BATTERY, runtimeMinutes: 4, batteryChargePercent: 9, batteryStatus: 'low' });
    expect(u.active()).toEqual(['power-loss', 'ups-battery-low']);
    expect(u.seen.at(-1)?.description.zh).toBe('市电中断，UPS 电池供电，剩余约 4 分钟，电量 9%');
    // The battery is flat: upsOutputSource none(2), upsBatteryStatus depleted(4), input 0 V.
    u.clock.advance(10_000);
    u.answer({ ...ON_BATTERY, onBattery: false, outputSource: 'none', batteryStatus: 'depleted', runtimeMinutes: 0, batteryChargePercent: 0 });
    u.clock.advance(60_000);
    expect(u.active()).toEqual(['power-loss', 'ups-battery-low', 'ups-load-unpowered']);
    expect(u.seen.filter((c) => c.fault === 'power-loss').map((c) => c.active)).toEqual([true]);
    const dark = u.seen.find((c) => c.fault === 'ups-load-unpowered');
    expect(dark?.tier).toBe('emergency');
    expect(dark?.description.en).toBe('The UPS feeds its load no more; input 0 V; about 0 min of battery left, charge 0 %, battery depleted');
    // Mains back: the output on normal, the battery charging.
    u.answer({ ...ON_MAINS, batteryChargePercent: 5, runtimeMinutes: 2 });
    u.clock.advance(29_000);
    expect(u.active()).toEqual(['ups-battery-low']);
    u.clock.advance(2_000);
    expect(u.active()).toEqual([]);
    u.stop();
  });

  it('tells a fault with the values of the answer that fired it, not the answer before', async () => {
    const u = await ups();
    u.answer({ ...ON_MAINS, runtimeMinutes: 45, batteryChargePercent: 100 });
    // onBattery comes first in the answer: judged alone, the words would say 45 min and 100 %.
    u.answer({ onBattery: true, outputSource: 'battery', batteryChargePercent: 62, runtimeMinutes: 18 });
    const loss = u.seen.find((c) => c.fault === 'power-loss');
    expect(loss?.description.en).toBe('The UPS is running on battery (mains failed); about 18 min of battery left, charge 62 %');
    u.stop();
  });

  it('raises the battery fault on mains only after it lasts, and bypass, overload and battery temperature as general faults', async () => {
    const u = await ups();
    u.answer({ ...ON_MAINS, selfTest: 'error' });
    u.clock.advance(599_000);
    u.answer({ ...ON_MAINS, selfTest: 'error' });
    expect(u.active()).toEqual([]);
    u.clock.advance(2_000);
    expect(u.active()).toEqual(['ups-battery-fault']);
    expect(u.seen.at(-1)?.description.en).toBe('the battery self-test failed: it may not carry the load in a power cut');
    u.answer({ ...ON_MAINS, selfTest: 'error', outputSource: 'bypass', outputLoadPercent: 112, batteryTemperature: 46 });
    u.clock.advance(61_000);
    u.answer({ ...ON_MAINS, selfTest: 'error', outputSource: 'bypass', outputLoadPercent: 112, batteryTemperature: 46 });
    expect(u.active()).toEqual(['ups-battery-fault', 'ups-battery-temperature', 'ups-bypass', 'ups-overload']);
    expect(u.seen.filter((c) => c.active).map((c) => c.tier)).toEqual(['general', 'general', 'general', 'general']);
    u.stop();
  });
});
