import type { Clock } from '../../core/clock.js';
import type { Bilingual } from '../../core/vocabulary.js';
import type { Device } from '../config/site-schema.js';
import type { CompiledRule, DeviceView } from './fault-rule.js';
import { packParams, packRule } from './rule-pack.js';
import { judgeCondition } from './state-conditions.js';
import { StateInputs } from './state-inputs.js';
import { entryFault, entryInputs, isCustomEntry, type StateRuleEntry } from './state-rule-entry.js';
import type { Period, StateCondition } from './state-rule-schema.js';

export { inSchedule } from './state-conditions.js';

const S = 1000;

/** A state-aware rule as it runs: a pack rule's template filled in, or a site's own rule. */
export interface StateRuleSpec {
  readonly fault: string;
  readonly tier: CompiledRule['tier'];
  readonly skill: CompiledRule['skill'];
  readonly title: Bilingual;
  /** role -> `point` or `device/point`. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly appliesWhen: readonly StateCondition[];
  readonly faultWhen: readonly StateCondition[];
  readonly match: 'all' | 'any';
  readonly schedule?: readonly Period[] | undefined;
  readonly persistSeconds: number;
  readonly offDelaySeconds: number;
}

/** A device's `stateRules` entry as the rule it runs. */
export function specOf(e: StateRuleEntry): StateRuleSpec {
  if (isCustomEntry(e)) return { fault: e.id, tier: e.tier, skill: e.skill, title: e.title, inputs: e.inputs, appliesWhen: e.appliesWhen, faultWhen: e.faultWhen, match: e.match, schedule: e.schedule, persistSeconds: e.persistSeconds, offDelaySeconds: e.offDelaySeconds };
  const pack = packRule(e.rule);
  if (pack === undefined) throw new Error(`unknown pack rule ${e.rule}`);
  const inputs = entryInputs(e);
  const params = packParams(pack, e as Readonly<Record<string, unknown>>);
  const t = pack.build(params, new Set(Object.keys(inputs)));
  return { fault: entryFault(e), tier: e.tier ?? pack.tier, skill: e.skill ?? pack.skill, title: pack.title, inputs, ...t, persistSeconds: params['persistSeconds'] ?? pack.params.persistSeconds.default, offDelaySeconds: params['offDelaySeconds'] ?? pack.params.offDelaySeconds.default, schedule: e.schedule };
}

export interface StateRuleDeps {
  readonly clock: Clock;
  readonly timeZone: string;
  /** Any device of the site: a rule may read several devices of one system (a chiller and its pumps). */
  readonly view: (deviceId: string) => DeviceView | undefined;
  readonly devices: ReadonlyMap<string, Device>;
}

/** A state-aware rule compiled to the shape every rule of the detection engine has. */
export function compileStateRule(device: Device, spec: StateRuleSpec, deps: StateRuleDeps): CompiledRule {
  const inputs = new StateInputs(device, spec.inputs, deps.devices, deps.view);
  const time = { clock: deps.clock, timeZone: deps.timeZone, schedule: spec.schedule };
  const applies = spec.appliesWhen.map((c) => judgeCondition(c, inputs, time));
  const faults = spec.faultWhen.map((c) => judgeCondition(c, inputs, time));
  const name = { zh: device.name, en: device.nameEn ?? device.name };
  const allRefs = inputs.refs();
  return {
    fault: spec.fault,
    tier: spec.tier,
    skill: spec.skill,
    // Readings of the device's own inputs re-judge it at once; the sweep judges it every second.
    points: [...new Set(allRefs.filter((r) => r.deviceId === device.id).map((r) => r.pointId))],
    evidence: allRefs,
    onDelayMs: spec.persistSeconds * S,
    offDelayMs: spec.offDelaySeconds * S,
    timeDriven: true,
    test: (v) => {
      const now = v.now;
      inputs.sample(now);
      // Every condition is judged each time, so each one's forSeconds keeps its own count.
      const state = applies.map((j) => j.test(now));
      const seen = faults.map((j) => j.test(now));
      if (state.includes(false)) return false;
      if (state.includes(null)) return null;
      if (spec.match === 'any') return seen.includes(true) ? true : seen.includes(null) ? null : false;
      return seen.includes(false) ? false : seen.includes(null) ? null : true;
    },
    describe: (v) => {
      const now = v.now;
      const state = applies.map((j) => j.words(now));
      // Only the fault conditions that hold, when any of them is enough.
      const shownFaults = spec.match === 'any' ? faults.filter((j) => j.test(now) === true) : faults;
      const seen = (shownFaults.length === 0 ? faults : shownFaults).map((j) => j.words(now));
      const join = spec.match === 'any' ? { zh: '；或', en: '; or ' } : { zh: '；且', en: '; and ' };
      const zh = seen.map((s) => s.zh).join(join.zh);
      const en = seen.map((s) => s.en).join(join.en);
      return {
        title: { zh: `${spec.title.zh}：${name.zh}`, en: `${spec.title.en}: ${name.en}` },
        description: state.length === 0 ? { zh, en } : { zh: `运行状态：${state.map((s) => s.zh).join('，')}。故障：${zh}`, en: `While ${state.map((s) => s.en).join(', ')}: ${en}` },
      };
    },
  };
}
