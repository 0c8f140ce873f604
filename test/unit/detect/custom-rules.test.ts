import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { parseSite } from '../../../gateway/config/load-site.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import { type FaultCondition } from '../../../gateway/detect/fault-conditions.js';
import { GatewayError } from '../../../core/errors.js';

const S = 1000;

function chillerSite(rules: unknown[]) {
  return parseSite({
    site: { id: 's', code: 'S1', name: 'S' },
    devices: [
      {
        id: 'chiller-1',
        kind: 'generic',
        name: '1 号冷水机组',
        nameEn: 'Chiller 1',
        location: { building: 'T1', floor: 'RF', description: '屋顶机房' },
        faults: { 'device-offline': false },
        source: {
          protocol: 'mqtt',
          points: [{ id: 'supplyTemp', unit: '°C' }, { id: 'running' }, { id: 'flow', unit: 'm3/h' }, { id: 'pressure', unit: 'bar' }, { id: 'mode' }],
        },
        rules,
      },
    ],
  });
}

function engine(rules: unknown[]) {
  const clock = new ManualClock();
  const e = new DetectionEngine(chillerSite(rules), clock);
  const seen: FaultCondition[] = [];
  e.on('condition', (c) => seen.push(c));
  e.start();
  const send = (pointId: string, value: number | boolean | string) => e.ingest({ deviceId: 'chiller-1', pointId, value, quality: 'good', ts: clock.now() });
  const states = () => seen.map((c) => [c.fault, c.active]);
  return { clock, e, seen, send, states };
}

const common = { tier: 'general', skill: 'hvac', title: { zh: '冷冻水温度高', en: 'Chilled water too warm' } } as const;

describe('custom rules of the site file', () => {
  it('threshold: fires after its on-delay, holds inside the hysteresis band, clears after its off-delay', () => {
    const { clock, e, send, states, seen } = engine([{ ...common, id: 'chw-hot', onDelaySeconds: 60, offDelaySeconds: 30, when: { kind: 'threshold', point: 'supplyTemp', above: 12, hysteresis: 1 } }]);
    send('supplyTemp', 13);
    clock.advance(30 * S);
    send('supplyTemp', 11.5); // a blip shorter than the on-delay
    clock.advance(60 * S);
    expect(states()).toEqual([]);
    send('supplyTemp', 13.4);
    clock.advance(60 * S);
    expect(states()).toEqual([['chw-hot', true]]);
    expect(seen[0]).toMatchObject({ tier: 'general', skill: 'hvac', title: { zh: '冷冻水温度高：1 号冷水机组', en: 'Chilled water too warm: Chiller 1' } });
    expect(seen[0]?.description.en).toBe('supplyTemp = 13.4 °C, above 12 °C');
    expect(seen[0]?.evidence.map((x) => x.pointId)).toEqual(['supplyTemp']);
    send('supplyTemp', 11.5); // inside the band (11-12): still active
    clock.advance(60 * S);
    expect(states()).toHaveLength(1);
    send('supplyTemp', 10.8);
    clock.advance(30 * S);
    expect(states()).toEqual([['chw-hot', true], ['chw-hot', false]]);
    e.stop();
  });

  it('state: fires when a point takes a value (boolean words, numbers, text)', () => {
    const { clock, e, send, states } = engine([
      { ...common, id: 'manual-mode', when: { kind: 'state', point: 'mode', equals: 'manual' } },
      { ...common, id: 'stopped', when: { kind: 'state', point: 'running', equals: false } },
    ]);
    send('mode', 'auto');
    send('running', 'ON');
    clock.advance(S);
    expect(states()).toEqual([]);
    send('mode', 'manual');
    send('running', 'OFF');
    expect(states()).toEqual([['manual-mode', true], ['stopped', true]]);
    e.stop();
  });

  it('rate of change: a fast fall within the window fires, a slow one does not', () => {
    const { clock, e, send, states, seen } = engine([{ ...common, id: 'pressure-drop', tier: 'emergency', skill: 'plumbing', when: { kind: 'rate', point: 'pressure', windowSeconds: 10, fallsBy: 1.5 } }]);
    for (let i = 0; i < 30; i++) {
      send('pressure', 4.1 - i * 0.015); // 0.15 bar per 10 s
      clock.advance(S);
    }
    expect(states()).toEqual([]);
    for (const p of [3.3, 2.9, 2.1, 1.7]) {
      send('pressure', p);
      clock.advance(2 * S);
    }
    expect(states()).toEqual([['pressure-drop', true]]);
    expect(seen[0]?.description.en).toMatch(/^pressure fell from [\d.]+ bar to 2\.1 bar in 10 s$/);
    e.stop();
  });

  it('no-data: fires on the clock when a point goes quiet while others still report, and clears when it speaks', () => {
    const { clock, e, send, states } = engine([{ ...common, id: 'temp-probe-silent', tier: 'low', skill: 'iot', when: { kind: 'no-data', point: 'supplyTemp', seconds: 30 } }]);
    send('supplyTemp', 7);
    for (let i = 0; i < 25; i++) {
      send('running', true);
      clock.advance(S);
    }
    expect(states()).toEqual([]);
    // No readings at all now: only the sweep can notice.
    clock.advance(10 * S);
    expect(states()).toEqual([['temp-probe-silent', true]]);
    send('supplyTemp', 7.2);
    expect(states()).toEqual([['temp-probe-silent', true], ['temp-probe-silent', false]]);
    e.stop();
  });

  it('composite: all of several points of one device, or any of them', () => {
    const { clock, e, send, states, seen } = engine([
      { ...common, id: 'dry-running', skill: 'plumbing', onDelaySeconds: 5, when: { kind: 'composite', all: [{ kind: 'state', point: 'running', equals: true }, { kind: 'threshold', point: 'flow', below: 1 }] } },
      { ...common, id: 'either', when: { kind: 'composite', any: [{ kind: 'threshold', point: 'supplyTemp', above: 15 }, { kind: 'state', point: 'mode', equals: 'fault' }] } },
    ]);
    send('running', false);
    send('flow', 0); // off on purpose: no flow is normal
    send('supplyTemp', 7);
    send('mode', 'auto');
    clock.advance(10 * S);
    expect(states()).toEqual([]);
    send('running', true);
    clock.advance(5 * S);
    expect(states()).toEqual([['dry-running', true]]);
    expect(seen[0]?.description.en).toBe('running = true; and flow = 0 m3/h, below 1 m3/h');
    expect(seen[0]?.evidence.map((x) => x.pointId)).toEqual(['running', 'flow']);
    send('mode', 'fault');
    expect(states().at(-1)).toEqual(['either', true]);
    e.stop();
  });

  it('refuses a rule on a point the device does not have, a built-in fault id, and an ambiguous threshold, naming each path', () => {
    let problems: string[] = [];
    try {
      chillerSite([
        { ...common, id: 'water-leak', when: { kind: 'state', point: 'running', equals: true } },
        { ...common, id: 'bad-point', when: { kind: 'composite', all: [{ kind: 'state', point: 'running', equals: true }, { kind: 'threshold', point: 'flowRate', below: 1 }] } },
        { ...common, id: 'both', when: { kind: 'threshold', point: 'flow', above: 1, below: 2 } },
      ]);
    } catch (err) {
      if (err instanceof GatewayError) problems = err.context['problems'] as string[];
    }
    expect(problems).toContain('devices[0].rules[0].id: this is a built-in fault id; tune it under "faults" instead');
    expect(problems).toContain('devices[0].rules[2].when: expected exactly one of "above" or "below"');
    expect(problems.some((p) => p.startsWith('devices[0].rules[1].when.all[1].point: expected a point of this device'))).toBe(true);
  });
});
