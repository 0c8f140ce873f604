import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/reading.js';
import { silentLogger } from '../../../core/log.js';
import { lowBatteryWords, PowerGuard, type LowBattery } from '../../../gateway/liveness/power-guard.js';

const UPS = { deviceId: 'ups-1', name: { zh: 'B1 UPS', en: 'B1 UPS' }, shutdownAtMinutes: 5 };
const r = (pointId: string, value: Reading['value'], deviceId = 'ups-1'): Reading => ({ deviceId, pointId, value, quality: 'good', ts: 0 });

function guard(): { g: PowerGuard; fired: LowBattery[] } {
  const fired: LowBattery[] = [];
  return { g: new PowerGuard(UPS, silentLogger(), (l) => fired.push(l)), fired };
}

describe("the power guard of the gateway's own UPS", () => {
  it('fires once when on battery with less run time left than shutdownAtMinutes', () => {
    const { g, fired } = guard();
    g.ingest(r('runtimeMinutes', 4));
    expect(fired).toEqual([]);
    g.ingest(r('onBattery', true));
    g.ingest(r('batteryChargePercent', 12));
    g.ingest(r('runtimeMinutes', 3));
    expect(fired).toEqual([{ runtimeMinutes: 4, chargePercent: null, batteryStatus: null }]);
  });

  it('fires on a battery the UPS calls low or depleted, whatever the minutes', () => {
    const { g, fired } = guard();
    g.ingest(r('outputSource', 'battery'));
    g.ingest(r('runtimeMinutes', 30));
    expect(fired).toHaveLength(0);
    g.ingest(r('batteryStatus', 'low'));
    expect(fired).toHaveLength(1);
  });

  it('never fires on mains, nor on a bad reading', () => {
    const { g, fired } = guard();
    g.ingest(r('onBattery', false));
    g.ingest(r('batteryStatus', 'depleted'));
    g.ingest({ deviceId: 'ups-1', pointId: 'onBattery', value: true, quality: 'bad', ts: 0 });
    expect(fired).toEqual([]);
    expect(g.seenMains).toBe(true);
  });

  it('says the minutes and charge in both languages', () => {
    const w = lowBatteryWords(UPS, { runtimeMinutes: 4, chargePercent: 12, batteryStatus: 'low' });
    expect(w.zh).toBe('B1 UPS：市电中断，电池剩余约 4 分钟，电量 12%，电池低');
    expect(w.en).toBe('B1 UPS: mains failed, about 4 min of battery left, charge 12 %, battery low');
  });
});
