import type { Bilingual, Skill, Tier } from '../../core/vocabulary.js';
import type { StateCondition } from './state-rule-schema.js';

/**
 * The rule pack shipped with the gateway (docs/faults.md "The rule pack"): state-aware rules a
 * site turns on for a device by naming the points each role reads under the device's
 * `stateRules`. Each is a template of the same form as a site's own state-aware rule; its
 * parameters have defaults here, and a site's entry may set any of them.
 */
export interface PackRole {
  readonly required: boolean;
  readonly words: Bilingual;
}

export interface PackParam {
  readonly default: number;
  readonly unit: string;
  readonly words: string;
}

export interface PackTemplate {
  readonly appliesWhen: StateCondition[];
  readonly faultWhen: StateCondition[];
  /** `any`: one fault condition is enough (no flow, or no current). */
  readonly match: 'all' | 'any';
}

export interface PackRule {
  readonly id: string;
  readonly title: Bilingual;
  readonly tier: Tier;
  readonly skill: Skill;
  readonly roles: Readonly<Record<string, PackRole>>;
  /** At least one of these optional roles must be named. */
  readonly oneOf?: readonly string[];
  /** Reads the site's occupied hours: the entry must give a `schedule`. */
  readonly needsSchedule?: true;
  /** Its parameters, `persistSeconds` and `offDelaySeconds` among them (persist()). */
  readonly params: Readonly<Record<string, PackParam>> & { readonly persistSeconds: PackParam; readonly offDelaySeconds: PackParam };
  /** The rule for the params given (defaults filled in) and the roles the site named. */
  build(p: Readonly<Record<string, number>>, named: ReadonlySet<string>): PackTemplate;
}

const role = (required: boolean, zh: string, en: string): PackRole => ({ required, words: { zh, en } });
const param = (d: number, unit: string, words: string): PackParam => ({ default: d, unit, words });
/** Every pack rule's persistence and off-delay, as parameters: a site tunes them like the others. */
const persist = (d: number, off = 60) => ({ persistSeconds: param(d, 's', 'how long the fault must hold before a ticket'), offDelaySeconds: param(off, 's', 'how long it must be gone before the alarm clears') });
/** `role = true` held for `seconds`, when the site named the role. */
const on = (named: ReadonlySet<string>, input: string, seconds = 0): StateCondition[] => (named.has(input) ? [{ kind: 'state', input, equals: true, ...(seconds > 0 ? { forSeconds: seconds } : {}) }] : []);

export const RULE_PACK: readonly PackRule[] = [
  {
    id: 'pump-running-dry',
    title: { zh: '水泵干转或失效（有运行指令无流量/电流）', en: 'Pump running dry or failed (commanded on, no flow or current)' },
    tier: 'general',
    skill: 'plumbing',
    roles: { command: role(true, '运行指令', 'run command'), flow: role(false, '流量', 'flow'), current: role(false, '电流', 'motor current') },
    oneOf: ['flow', 'current'],
    params: { startDelaySeconds: param(60, 's', 'the run command must be on this long first'), minFlow: param(0.5, 'flow unit', 'flow below this is no flow'), minCurrent: param(1, 'A', 'current below this is no current'), ...persist(30) },
    build: (p, named) => ({
      appliesWhen: on(named, 'command', p['startDelaySeconds']),
      faultWhen: [
        ...(named.has('flow') ? [{ kind: 'threshold', input: 'flow', below: p['minFlow'] } as const] : []),
        ...(named.has('current') ? [{ kind: 'threshold', input: 'current', below: p['minCurrent'] } as const] : []),
      ],
      match: 'any',
    }),
  },
  {
    id: 'chiller-short-cycling',
    title: { zh: '机组频繁启停', en: 'Chiller or compressor short-cycling' },
    tier: 'general',
    skill: 'hvac',
    roles: { running: role(true, '运行状态', 'run status') },
    params: { maxStartsPerHour: param(6, 'starts', 'more starts than this within the last hour is short-cycling'), ...persist(0, 600) },
    build: (p) => ({
      appliesWhen: [],
      faultWhen: [{ kind: 'starts', input: 'running', windowSeconds: 3600, moreThan: p['maxStartsPerHour'] ?? 6 }],
      match: 'all',
    }),
  },
  {
    id: 'chw-low-delta-t',
    title: { zh: '冷冻水供回水温差过小', en: 'Chilled water low delta-T' },
    tier: 'general',
    skill: 'hvac',
    roles: { supplyTemp: role(true, '冷冻水供水温度', 'chilled-water supply temperature'), returnTemp: role(true, '冷冻水回水温度', 'chilled-water return temperature'), running: role(false, '运行状态', 'run status') },
    params: { minDeltaT: param(2.5, '°C', 'return minus supply below this is low'), averageSeconds: param(900, 's', 'both temperatures averaged over this'), runDelaySeconds: param(900, 's', 'running this long before judging'), ...persist(1800) },
    build: (p, named) => ({
      appliesWhen: on(named, 'running', p['runDelaySeconds']),
      faultWhen: [{ kind: 'difference', a: 'returnTemp', b: 'supplyTemp', absolute: false, below: p['minDeltaT'], averageSeconds: p['averageSeconds'] }],
      match: 'all',
    }),
  },
  {
    id: 'valve-leaking',
    title: { zh: '盘管阀门内漏（阀门关闭仍有温降）', en: 'Coil valve leaking (temperature drop with the valve closed)' },
    tier: 'general',
    skill: 'hvac',
    roles: { valve: role(true, '冷水阀开度', 'cooling valve position'), enteringTemp: role(true, '盘管进风温度', 'air temperature entering the coil'), leavingTemp: role(true, '盘管出风温度', 'air temperature leaving the coil'), fan: role(false, '风机运行', 'fan status') },
    params: { closedBelowPercent: param(2, '%', 'the valve counts as closed below this'), closedForSeconds: param(600, 's', 'closed this long before judging'), maxDrop: param(2, '°C', 'entering minus leaving above this is a leak'), averageSeconds: param(300, 's', 'temperatures averaged over this'), ...persist(900) },
    build: (p, named) => ({
      appliesWhen: [{ kind: 'threshold', input: 'valve', below: p['closedBelowPercent'], forSeconds: p['closedForSeconds'] }, ...on(named, 'fan')],
      faultWhen: [{ kind: 'difference', a: 'enteringTemp', b: 'leavingTemp', absolute: false, above: p['maxDrop'], averageSeconds: p['averageSeconds'] }],
      match: 'all',
    }),
  },
  {
    id: 'simultaneous-heating-cooling',
    title: { zh: '同时加热与制冷', en: 'Simultaneous heating and cooling' },
    tier: 'general',
    skill: 'hvac',
    roles: { heatingValve: role(true, '热水阀开度', 'heating valve position'), coolingValve: role(true, '冷水阀开度', 'cooling valve position'), fan: role(false, '风机运行', 'fan status') },
    params: { openAbovePercent: param(5, '%', 'a valve counts as open above this'), averageSeconds: param(300, 's', 'valve positions averaged over this'), ...persist(900) },
    build: (p, named) => ({
      appliesWhen: on(named, 'fan'),
      faultWhen: [
        { kind: 'threshold', input: 'heatingValve', above: p['openAbovePercent'], averageSeconds: p['averageSeconds'] },
        { kind: 'threshold', input: 'coolingValve', above: p['openAbovePercent'], averageSeconds: p['averageSeconds'] },
      ],
      match: 'all',
    }),
  },
  {
    id: 'supply-air-off-setpoint',
    title: { zh: '送风温度偏离设定值', en: 'Supply air temperature far from setpoint' },
    tier: 'general',
    skill: 'hvac',
    roles: { supplyTemp: role(true, '送风温度', 'supply air temperature'), setpoint: role(true, '送风温度设定值', 'supply air temperature setpoint'), fan: role(true, '风机运行', 'fan status') },
    params: { maxError: param(3, '°C', 'supply air further than this from its setpoint'), fanDelaySeconds: param(600, 's', 'the fan running this long before judging'), averageSeconds: param(300, 's', 'both averaged over this'), ...persist(900) },
    build: (p) => ({
      appliesWhen: [{ kind: 'state', input: 'fan', equals: true, forSeconds: p['fanDelaySeconds'] }],
      faultWhen: [{ kind: 'difference', a: 'supplyTemp', b: 'setpoint', absolute: true, above: p['maxError'], averageSeconds: p['averageSeconds'] }],
      match: 'all',
    }),
  },
  {
    id: 'running-outside-schedule',
    title: { zh: '设备在非使用时段运行', en: 'Equipment running outside its schedule' },
    tier: 'general',
    skill: 'hvac',
    roles: { running: role(true, '运行状态', 'run status') },
    needsSchedule: true,
    params: persist(1800),
    build: (p) => ({
      appliesWhen: [{ kind: 'schedule', occupied: false }],
      faultWhen: [{ kind: 'state', input: 'running', equals: true }],
      match: 'all',
    }),
  },
  {
    id: 'sensor-stuck',
    title: { zh: '传感器读数不变（卡死）', en: 'Sensor flat-lined or stuck' },
    tier: 'general',
    skill: 'iot',
    roles: { sensor: role(true, '传感器', 'sensor'), running: role(false, '设备运行', 'equipment running') },
    params: { windowSeconds: param(3600, 's', 'the window the value must not move in'), within: param(0.01, 'sensor unit', 'moving no more than this is flat'), ...persist(0) },
    build: (p, named) => ({
      appliesWhen: on(named, 'running'),
      faultWhen: [{ kind: 'flat', input: 'sensor', windowSeconds: p['windowSeconds'] ?? 3600, within: p['within'] ?? 0.01 }],
      match: 'all',
    }),
  },
];

export const PACK_RULE_IDS = RULE_PACK.map((r) => r.id);

export function packRule(id: string): PackRule | undefined {
  return RULE_PACK.find((r) => r.id === id);
}

/** Every parameter of a pack rule: its defaults, overridden by the site's entry. */
export function packParams(rule: PackRule, entry: Readonly<Record<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, d] of Object.entries(rule.params)) {
    const v = entry[k];
    out[k] = typeof v === 'number' && Number.isFinite(v) ? v : d.default;
  }
  return out;
}
