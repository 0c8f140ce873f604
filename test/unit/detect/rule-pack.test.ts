import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { parseSite } from '../../../gateway/config/load-site.js';
import { DetectionEngine } from '../../../gateway/detect/detection-engine.js';
import type { FaultCondition } from '../../../gateway/detect/fault-conditions.js';
import { PACK_RULE_IDS } from '../../../gateway/detect/rule-pack.js';
import { inSchedule } from '../../../gateway/detect/state-rules.js';
import { checkSiteFile } from '../../../gateway/config/site-check.js';
import { tempDir } from '../../helpers/temp-dir.js';

const S = 1000;
const MIN = 60 * S;

const location = { building: 'T1', floor: 'B1', description: '地下一层机房', descriptionEn: 'B1 plant room' };
const mqttDevice = (id: string, name: string, points: { id: string; unit?: string }[], stateRules: unknown[] = []) => ({
  id,
  kind: 'generic',
  name,
  nameEn: name,
  location,
  faults: { 'device-offline': false },
  source: { protocol: 'mqtt', points },
  stateRules,
});

/** A plant of three devices on one site: a pump, a chiller with its own temperatures, and an air handler. */
function plant(rules: { pump?: unknown[]; chiller?: unknown[]; ahu?: unknown[] }) {
  return parseSite({
    site: { id: 's', code: 'S1', name: 'S', timeZone: 'Asia/Shanghai' },
    devices: [
      mqttDevice('pump-1', 'Pump 1', [{ id: 'runCommand' }, { id: 'flow', unit: 'm3/h' }, { id: 'current', unit: 'A' }], rules.pump),
      mqttDevice('chiller-1', 'Chiller 1', [{ id: 'running' }, { id: 'supplyTemp', unit: '°C' }, { id: 'returnTemp', unit: '°C' }], rules.chiller),
      mqttDevice(
        'ahu-1',
        'AHU 1',
        [{ id: 'fan' }, { id: 'coolingValve', unit: '%' }, { id: 'heatingValve', unit: '%' }, { id: 'mixedAirTemp', unit: '°C' }, { id: 'supplyAirTemp', unit: '°C' }, { id: 'supplyAirSetpoint', unit: '°C' }],
        rules.ahu,
      ),
    ],
  });
}

/** A real detection engine on a manual clock, fed readings as the adapters would. */
function engine(site: ReturnType<typeof plant>, start?: number) {
  const clock = new ManualClock(start);
  const e = new DetectionEngine(site, clock);
  const seen: FaultCondition[] = [];
  e.on('condition', (c) => seen.push(c));
  e.start();
  const send = (deviceId: string, values: Record<string, number | boolean>): void => {
    for (const [pointId, value] of Object.entries(values)) e.ingest({ deviceId, pointId, value, quality: 'good', ts: clock.now() });
  };
  /** `minutes` of site time with the same readings every 10 s (a polled device). */
  const run = (deviceId: string, values: Record<string, number | boolean>, minutes: number): void => {
    for (let t = 0; t < minutes * 6; t++) {
      send(deviceId, values);
      clock.advance(10 * S);
    }
  };
  const raised = () => seen.filter((c) => c.active).map((c) => [c.fault, c.deviceId]);
  return { clock, e, seen, send, run, raised };
}

describe('rule pack: pump-running-dry', () => {
  const rule = { rule: 'pump-running-dry', points: { command: 'runCommand', flow: 'flow', current: 'current' } };

  it('raises one general plumbing ticket when the pump is commanded on with no flow past its start delay and persistence', () => {
    const { run, raised, seen } = engine(plant({ pump: [rule] }));
    run('pump-1', { runCommand: true, flow: 12, current: 18 }, 5);
    expect(raised()).toEqual([]);
    run('pump-1', { runCommand: true, flow: 0, current: 7 }, 2);
    expect(raised()).toEqual([['pump-running-dry', 'pump-1']]);
    const c = seen[0];
    expect(c).toMatchObject({ tier: 'general', skill: 'plumbing', title: { en: 'Pump running dry or failed (commanded on, no flow or current): Pump 1' } });
    expect(c?.description.en).toMatch(/^While Run command = true for \d+ s: Flow = 0 m3\/h, below 0.5 m3\/h$/);
    expect(c?.description.zh).toContain('运行状态');
    expect(c?.evidence.map((x) => x.pointId)).toEqual(['runCommand', 'flow', 'current']);
  });

  it('raises nothing while the pump is not commanded on, nor within its start delay', () => {
    const { run, raised } = engine(plant({ pump: [rule] }));
    run('pump-1', { runCommand: false, flow: 0, current: 0 }, 30);
    // Started: no flow for the first 50 s is the pump coming up to speed (start delay 60 s).
    run('pump-1', { runCommand: true, flow: 0, current: 0 }, 50 / 60);
    run('pump-1', { runCommand: true, flow: 12, current: 18 }, 10);
    expect(raised()).toEqual([]);
  });
});

describe('rule pack: chiller-short-cycling', () => {
  const rule = { rule: 'chiller-short-cycling', points: { running: 'running' } };
  const cycle = (r: ReturnType<typeof engine>, onMin: number, offMin: number, times: number) => {
    for (let i = 0; i < times; i++) {
      r.run('chiller-1', { running: true }, onMin);
      r.run('chiller-1', { running: false }, offMin);
    }
  };

  it('raises when the chiller starts more than 6 times within an hour', () => {
    const r = engine(plant({ chiller: [rule] }));
    r.run('chiller-1', { running: false }, 1);
    cycle(r, 4, 2, 8);
    expect(r.raised()).toEqual([['chiller-short-cycling', 'chiller-1']]);
    expect(r.seen[0]?.description.en).toMatch(/Run feedback: 7 starts in 60 min, more than 6/);
  });

  it('raises nothing for a chiller that starts 3 times an hour', () => {
    const r = engine(plant({ chiller: [rule] }));
    r.run('chiller-1', { running: false }, 1);
    cycle(r, 15, 5, 9);
    expect(r.raised()).toEqual([]);
  });
});

describe('rule pack: chw-low-delta-t, over two devices of one system', () => {
  // The temperatures are the chiller's own; the run status it judges by is the pump's command.
  const rule = { rule: 'chw-low-delta-t', points: { supplyTemp: 'supplyTemp', returnTemp: 'returnTemp', running: 'pump-1/runCommand' } };

  it('raises when return minus supply stays under 2.5 °C while the plant runs, with both devices in the evidence', () => {
    const r = engine(plant({ chiller: [rule] }));
    r.send('pump-1', { runCommand: true });
    r.run('chiller-1', { supplyTemp: 7, returnTemp: 8.5 }, 90);
    expect(r.raised()).toEqual([['chw-low-delta-t', 'chiller-1']]);
    const c = r.seen[0];
    expect(c?.description.en).toMatch(/CHW|Supply|supply/i);
    expect(c?.description.en).toContain('= 1.5 °C');
    expect(c?.evidence.map((x) => `${x.deviceId}/${x.pointId}`)).toEqual(['chiller-1/supplyTemp', 'chiller-1/returnTemp', 'pump-1/runCommand']);
  });

  it('raises nothing while the plant is off, however small the difference', () => {
    const r = engine(plant({ chiller: [rule] }));
    r.send('pump-1', { runCommand: false });
    r.run('chiller-1', { supplyTemp: 20, returnTemp: 20 }, 90);
    expect(r.raised()).toEqual([]);
  });
});

describe('rule pack: valve-leaking', () => {
  const rule = { rule: 'valve-leaking', points: { valve: 'coolingValve', enteringTemp: 'mixedAirTemp', leavingTemp: 'supplyAirTemp', fan: 'fan' } };

  it('raises when air cools across the coil with its valve closed', () => {
    const r = engine(plant({ ahu: [rule] }));
    r.run('ahu-1', { fan: true, coolingValve: 0, mixedAirTemp: 26, supplyAirTemp: 22 }, 30);
    expect(r.raised()).toEqual([['valve-leaking', 'ahu-1']]);
    expect(r.seen[0]?.description.en).toContain('above 2 °C');
  });

  it('raises nothing for the same drop with the valve open (the coil is meant to cool)', () => {
    const r = engine(plant({ ahu: [rule] }));
    r.run('ahu-1', { fan: true, coolingValve: 40, mixedAirTemp: 26, supplyAirTemp: 18 }, 60);
    expect(r.raised()).toEqual([]);
  });
});

describe('rule pack: simultaneous-heating-cooling', () => {
  const rule = { rule: 'simultaneous-heating-cooling', points: { heatingValve: 'heatingValve', coolingValve: 'coolingValve', fan: 'fan' } };

  it('raises when both valves stay open while the fan runs', () => {
    const r = engine(plant({ ahu: [rule] }));
    r.run('ahu-1', { fan: true, heatingValve: 30, coolingValve: 40 }, 25);
    expect(r.raised()).toEqual([['simultaneous-heating-cooling', 'ahu-1']]);
  });

  it('raises nothing with the fan off (valves left open on a stopped unit heat nothing)', () => {
    const r = engine(plant({ ahu: [rule] }));
    r.run('ahu-1', { fan: false, heatingValve: 30, coolingValve: 40 }, 60);
    expect(r.raised()).toEqual([]);
  });
});

describe('rule pack: supply-air-off-setpoint', () => {
  const rule = { rule: 'supply-air-off-setpoint', points: { supplyTemp: 'supplyAirTemp', setpoint: 'supplyAirSetpoint', fan: 'fan' } };

  it('raises when the supply air stays 6 °C above its setpoint with the fan running', () => {
    const r = engine(plant({ ahu: [rule] }));
    r.run('ahu-1', { fan: true, supplyAirTemp: 22, supplyAirSetpoint: 16 }, 35);
    expect(r.raised()).toEqual([['supply-air-off-setpoint', 'ahu-1']]);
    expect(r.seen[0]?.description.en).toContain('(either way)');
  });

  it('raises nothing while the fan is off', () => {
    const r = engine(plant({ ahu: [rule] }));
    r.run('ahu-1', { fan: false, supplyAirTemp: 22, supplyAirSetpoint: 16 }, 60);
    expect(r.raised()).toEqual([]);
  });
});

describe('rule pack: running-outside-schedule', () => {
  const rule = { rule: 'running-outside-schedule', points: { running: 'fan' }, schedule: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }] };

  it('raises when the fan runs at 22:00 site time for half an hour, saying the local time', () => {
    // Monday 2026-01-05 22:00 in Asia/Shanghai.
    const r = engine(plant({ ahu: [rule] }), Date.UTC(2026, 0, 5, 14, 0, 0));
    r.run('ahu-1', { fan: true }, 35);
    expect(r.raised()).toEqual([['running-outside-schedule', 'ahu-1']]);
    expect(r.seen[0]?.description.en).toMatch(/^While outside occupied hours \(22:30 local\): Fan|fan/);
  });

  it('raises nothing for the same run inside occupied hours (10:00 site time)', () => {
    const r = engine(plant({ ahu: [rule] }), Date.UTC(2026, 0, 5, 2, 0, 0));
    r.run('ahu-1', { fan: true }, 120);
    expect(r.raised()).toEqual([]);
  });
});

describe('rule pack: sensor-stuck', () => {
  const rule = { rule: 'sensor-stuck', points: { sensor: 'supplyAirTemp', running: 'fan' }, windowSeconds: 1800 };

  it('raises when a running unit’s sensor reads exactly the same for the whole window', () => {
    const r = engine(plant({ ahu: [rule] }));
    r.run('ahu-1', { fan: true, supplyAirTemp: 17.3 }, 35);
    expect(r.raised()).toEqual([['sensor-stuck', 'ahu-1']]);
    expect(r.seen[0]?.skill).toBe('iot');
  });

  it('raises nothing for a live sensor, nor for a stuck one while the unit is off', () => {
    const live = engine(plant({ ahu: [rule] }));
    for (let i = 0; i < 40; i++) live.run('ahu-1', { fan: true, supplyAirTemp: 17 + (i % 3) * 0.1 }, 1);
    expect(live.raised()).toEqual([]);
    const off = engine(plant({ ahu: [rule] }));
    off.run('ahu-1', { fan: false, supplyAirTemp: 17.3 }, 60);
    expect(off.raised()).toEqual([]);
  });
});

describe("a site's own state-aware rule", () => {
  it('judges a rolling average only in its operating state and clears after its off-delay', () => {
    const custom = {
      rule: 'custom',
      id: 'ahu-cooling-weak',
      tier: 'low',
      skill: 'hvac',
      title: { zh: '制冷不足', en: 'Cooling weak' },
      inputs: { sat: 'supplyAirTemp', valve: 'coolingValve', fan: 'fan' },
      appliesWhen: [
        { kind: 'state', input: 'fan', equals: true, forSeconds: 120 },
        { kind: 'threshold', input: 'valve', above: 90 },
      ],
      faultWhen: [{ kind: 'threshold', input: 'sat', above: 18, averageSeconds: 300 }],
      persistSeconds: 300,
      offDelaySeconds: 60,
    };
    const r = engine(plant({ ahu: [custom] }));
    r.run('ahu-1', { fan: true, coolingValve: 50, supplyAirTemp: 24 }, 30);
    expect(r.raised()).toEqual([]);
    r.run('ahu-1', { fan: true, coolingValve: 100, supplyAirTemp: 24 }, 10);
    expect(r.raised()).toEqual([['ahu-cooling-weak', 'ahu-1']]);
    expect(r.seen[0]).toMatchObject({ tier: 'low', title: { en: 'Cooling weak: AHU 1' } });
    expect(r.seen[0]?.description.en).toContain('(mean of 5 min) = 24 °C, above 18 °C');
    r.run('ahu-1', { fan: false, coolingValve: 0, supplyAirTemp: 24 }, 2);
    expect(r.seen.map((c) => [c.fault, c.active])).toEqual([
      ['ahu-cooling-weak', true],
      ['ahu-cooling-weak', false],
    ]);
  });
});

describe('state-aware rules in the site file', () => {
  const siteWith = (stateRules: unknown[]) => () => plant({ pump: stateRules });

  it('refuses a pack rule missing a point its role needs, naming the rule and the role', () => {
    expect(siteWith([{ rule: 'pump-running-dry', points: { flow: 'flow' } }])).toThrow(/devices\[0\]\.stateRules\[0\]\.points\.command: pump-running-dry needs the point of its "command" role/);
    expect(siteWith([{ rule: 'pump-running-dry', points: { command: 'runCommand' } }])).toThrow(/pump-running-dry needs at least one of the roles "flow" or "current"/);
  });

  it('refuses a rule naming a point its device does not have, or a device not in the file', () => {
    expect(siteWith([{ rule: 'pump-running-dry', points: { command: 'runCommand', flow: 'flowRate' } }])).toThrow(/stateRules\[0\]\.points\.flow: rule "pump-running-dry" reads point "flowRate" for its "flow" role, but device "pump-1" has no such point/);
    expect(siteWith([{ rule: 'pump-running-dry', points: { command: 'runCommand', flow: 'pump-9/flow' } }])).toThrow(/no device "pump-9" in this file/);
  });

  it('refuses a schedule rule without a schedule, and an unknown parameter', () => {
    expect(siteWith([{ rule: 'running-outside-schedule', points: { running: 'runCommand' } }])).toThrow(/running-outside-schedule judges the site's occupied hours/);
    expect(siteWith([{ rule: 'pump-running-dry', points: { command: 'runCommand', flow: 'flow' }, startDelay: 5 }])).toThrow(/startDelay/);
  });
});

describe('the rule pack in the pages', () => {
  it('has a name in Chinese and English for every pack rule (the pages name a ticket by its fault)', async () => {
    const { WORDS } = (await import(path.resolve('gateway/web/static/i18n.js'))) as { WORDS: Record<'zh-CN' | 'en', Record<string, string>> };
    const missing = PACK_RULE_IDS.filter((id) => WORDS['zh-CN'][`fault.${id}`] === undefined || WORDS.en[`fault.${id}`] === undefined);
    expect(missing).toEqual([]);
  });
});

describe('state-aware rules and time', () => {
  it('counts start delays and persistence on elapsed time: a wall clock stepped by 3 h moves nothing', () => {
    const rule = { rule: 'pump-running-dry', points: { command: 'runCommand', flow: 'flow' } };
    const r = engine(plant({ pump: [rule] }));
    r.run('pump-1', { runCommand: true, flow: 0 }, 0.5);
    r.clock.step(3 * 3_600_000); // NTP corrects a board whose clock was 3 h behind
    r.run('pump-1', { runCommand: true, flow: 0 }, 0.5);
    expect(r.raised()).toEqual([]);
    r.run('pump-1', { runCommand: true, flow: 0 }, 0.5);
    // Start delay 60 s, then 30 s of persistence: at 90 s of elapsed time, whatever the wall clock said.
    expect(r.raised()).toEqual([['pump-running-dry', 'pump-1']]);
    expect(r.seen[0]?.at).toBe(90 * S);
  });

  it('reads occupied hours in the site time zone, a period past midnight on the day it starts', () => {
    const at = (utcH: number, day = 5) => Date.UTC(2026, 0, day, utcH, 0, 0); // 2026-01-05 is a Monday
    const night = [{ days: ['fri' as const], from: '22:00', to: '06:00' }];
    // Asia/Shanghai is UTC+8: Friday 23:00 local, Saturday 05:00 local, Saturday 07:00 local, Thursday 23:00 local.
    expect([at(15, 9), at(21, 9), at(23, 9), at(15, 8)].map((t) => inSchedule(night, t, 'Asia/Shanghai'))).toEqual([true, true, false, false]);
    const office = [{ days: ['mon' as const, 'tue' as const, 'wed' as const, 'thu' as const, 'fri' as const], from: '08:00', to: '18:00' }];
    expect([at(0), at(2), at(10), at(2, 10)].map((t) => inSchedule(office, t, 'Asia/Shanghai'))).toEqual([true, true, false, false]);
  });
});

describe('check-config on a site file with state-aware rules', () => {
  it('lists a missing point beside a structural problem, in one pass, naming the rule and the point', async () => {
    const dir = await tempDir('state-rules-');
    const file = path.join(dir, 'site.json');
    const raw = JSON.parse(JSON.stringify({ site: { id: 's', code: 'S1', name: 'S' }, devices: [mqttDevice('pump-1', 'Pump 1', [{ id: 'runCommand' }, { id: 'flow' }], [{ rule: 'pump-running-dry', points: { command: 'runCommand', flow: 'flw' } }, { rule: 'pump-runs-dry', points: {} }])] })) as { devices: { location: Record<string, unknown> }[] };
    delete raw.devices[0]?.location['building'];
    await writeFile(file, JSON.stringify(raw));
    const report = await checkSiteFile(file);
    expect(report.site).toBeNull();
    expect(report.problems).toContain('devices[0].stateRules[0].points.flow: rule "pump-running-dry" reads point "flw" for its "flow" role, but device "pump-1" has no such point (its points: runCommand, flow)');
    expect(report.problems.filter((p) => p.startsWith('devices[0].stateRules[1].rule: Invalid discriminator value. Expected \'custom\' | \'pump-running-dry\''))).toHaveLength(1);
    expect(report.problems.some((p) => p.startsWith('devices[0].location.building'))).toBe(true);
  });
});
