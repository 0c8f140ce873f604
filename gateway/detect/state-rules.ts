import type { Clock } from '../../core/clock.js';
import { clockTime, localMinuteOfDay, localWeekday } from '../../core/local-time.js';
import type { ReadingValue } from '../../core/reading.js';
import type { Bilingual } from '../../core/vocabulary.js';
import type { Device } from '../config/site-schema.js';
import { pointName } from '../tickets/point-words.js';
import { asBool, asNumber, fmt, type CompiledRule, type DeviceView } from './fault-rule.js';
import { packParams, packRule } from './rule-pack.js';
import { RollingWindow } from './rolling-window.js';
import { entryFault, entryInputs, isCustomEntry, type StateRuleEntry } from './state-rule-entry.js';
import { WEEKDAYS, type Period, type StateCondition } from './state-rule-schema.js';

const S = 1000;
/** The pace rolling windows are fed at, elapsed ms: a mean over time, whatever the point's rate. */
const SAMPLE_MS = 1_000;

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
  const t = pack.build(packParams(pack, e as Readonly<Record<string, unknown>>), new Set(Object.keys(inputs)));
  return { fault: entryFault(e), tier: e.tier ?? pack.tier, skill: e.skill ?? pack.skill, title: pack.title, inputs, ...t, schedule: e.schedule };
}

export interface StateRuleDeps {
  readonly clock: Clock;
  readonly timeZone: string;
  /** Any device of the site: a rule may read several devices of one system (a chiller and its pumps). */
  readonly view: (deviceId: string) => DeviceView | undefined;
  readonly devices: ReadonlyMap<string, Device>;
}

interface Ref {
  readonly deviceId: string;
  readonly pointId: string;
}

/** One condition as it runs: whether it holds now (null: an input has no good value yet) and its words. */
interface Judged {
  test(now: number): boolean | null;
  words(now: number): Bilingual;
}

/** Whether a site-local instant falls in one of the periods (`to` before `from`: past midnight). */
export function inSchedule(periods: readonly Period[], wallMs: number, timeZone: string): boolean {
  const minute = localMinuteOfDay(wallMs, timeZone);
  const day = WEEKDAYS[(localWeekday(wallMs, timeZone) + 6) % 7] ?? 'mon';
  const yesterday = WEEKDAYS[(localWeekday(wallMs, timeZone) + 5) % 7] ?? 'sun';
  const toMin = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  return periods.some((p) => {
    const from = toMin(p.from);
    const to = toMin(p.to);
    if (from <= to) return p.days.includes(day) && minute >= from && minute < to;
    // Overnight: the evening part on its own day, the morning part on the day after.
    return (p.days.includes(day) && minute >= from) || (p.days.includes(yesterday) && minute < to);
  });
}

/** A state-aware rule compiled to the shape every rule of the detection engine has. */
export function compileStateRule(device: Device, spec: StateRuleSpec, deps: StateRuleDeps): CompiledRule {
  const refs = new Map<string, Ref>();
  for (const [role, ref] of Object.entries(spec.inputs)) {
    const slash = ref.indexOf('/');
    refs.set(role, slash < 0 ? { deviceId: device.id, pointId: ref } : { deviceId: ref.slice(0, slash), pointId: ref.slice(slash + 1) });
  }
  const ref = (role: string): Ref => refs.get(role) ?? { deviceId: device.id, pointId: role };
  const configured = (role: string) => deps.devices.get(ref(role).deviceId)?.source.points.find((p) => p.id === ref(role).pointId);
  const unit = (role: string): string => {
    const p = configured(role);
    return p !== undefined && 'unit' in p && p.unit !== undefined ? ` ${p.unit}` : '';
  };
  const label = (role: string): Bilingual => {
    const p = configured(role);
    const name = pointName(ref(role).pointId, p !== undefined && 'name' in p ? p.name : undefined);
    const r = ref(role);
    return r.deviceId === device.id ? name : { zh: `${deps.devices.get(r.deviceId)?.name ?? r.deviceId} ${name.zh}`, en: `${name.en} of ${deps.devices.get(r.deviceId)?.nameEn ?? deps.devices.get(r.deviceId)?.name ?? r.deviceId}` };
  };
  const read = (role: string): ReadingValue | undefined => {
    const r = ref(role);
    return deps.view(r.deviceId)?.value(r.pointId);
  };

  const windows = new Map<string, { role: string; w: RollingWindow }>();
  const windowOf = (role: string, seconds: number): RollingWindow => {
    const key = `${role}@${seconds}`;
    let entry = windows.get(key);
    if (entry === undefined) {
      entry = { role, w: new RollingWindow(seconds * S) };
      windows.set(key, entry);
    }
    return entry.w;
  };
  let lastSample = -Infinity;
  const sample = (now: number): void => {
    if (now - lastSample < SAMPLE_MS) return;
    lastSample = now;
    for (const { role, w } of windows.values()) {
      const x = asNumber(read(role));
      if (x !== undefined) w.add(now, x);
    }
  };
  /** The input's number: its rolling mean over `seconds`, else the latest good value. */
  const numberOf = (role: string, seconds: number | undefined, now: number): number | undefined => {
    const x = asNumber(read(role));
    if (seconds === undefined || x === undefined) return x;
    return windowOf(role, seconds).mean(now) ?? x;
  };
  const meanWords = (seconds: number | undefined): Bilingual => (seconds === undefined ? { zh: '', en: '' } : { zh: `（${fmt(seconds / 60, 1)} 分钟均值）`, en: ` (mean of ${fmt(seconds / 60, 1)} min)` });

  const judge = (c: StateCondition): Judged => {
    // A condition with forSeconds holds once its raw test has been true without a break that long.
    let heldSince: number | null = null;
    const held = (raw: boolean | null, now: number, seconds: number | undefined): boolean | null => {
      if (raw !== true) heldSince = null;
      else heldSince ??= now;
      if (raw !== true || seconds === undefined) return raw;
      return now - (heldSince ?? now) >= seconds * S;
    };
    const heldWords = (now: number, seconds: number | undefined): Bilingual => (seconds === undefined || heldSince === null ? { zh: '', en: '' } : { zh: `，已持续 ${fmt((now - heldSince) / S, 0)} 秒`, en: ` for ${fmt((now - heldSince) / S, 0)} s` });
    switch (c.kind) {
      case 'state': {
        const shown = (): string => String(read(c.input) ?? '-');
        return {
          test: (now) => {
            const x = read(c.input);
            let raw: boolean | null;
            if (x === undefined || x === null) raw = null;
            else if (typeof c.equals === 'boolean') raw = asBool(x) === undefined ? null : asBool(x) === c.equals;
            else if (typeof c.equals === 'number') raw = asNumber(x) === undefined ? null : asNumber(x) === c.equals;
            else raw = String(x) === c.equals;
            return held(raw, now, c.forSeconds);
          },
          words: (now) => ({ zh: `${label(c.input).zh} = ${shown()}${heldWords(now, c.forSeconds).zh}`, en: `${label(c.input).en} = ${shown()}${heldWords(now, c.forSeconds).en}` }),
        };
      }
      case 'threshold': {
        if (c.averageSeconds !== undefined) windowOf(c.input, c.averageSeconds);
        const limit = (c.above ?? c.below) as number;
        const above = c.above !== undefined;
        return {
          test: (now) => {
            const x = numberOf(c.input, c.averageSeconds, now);
            return held(x === undefined ? null : above ? x > limit : x < limit, now, c.forSeconds);
          },
          words: (now) => {
            const x = numberOf(c.input, c.averageSeconds, now);
            const shown = x === undefined ? '-' : fmt(x, 2);
            const m = meanWords(c.averageSeconds);
            return {
              zh: `${label(c.input).zh}${m.zh} = ${shown}${unit(c.input)}，${above ? '高于' : '低于'} ${limit}${unit(c.input)}${heldWords(now, c.forSeconds).zh}`,
              en: `${label(c.input).en}${m.en} = ${shown}${unit(c.input)}, ${above ? 'above' : 'below'} ${limit}${unit(c.input)}${heldWords(now, c.forSeconds).en}`,
            };
          },
        };
      }
      case 'difference': {
        if (c.averageSeconds !== undefined) {
          windowOf(c.a, c.averageSeconds);
          windowOf(c.b, c.averageSeconds);
        }
        const limit = (c.above ?? c.below) as number;
        const above = c.above !== undefined;
        const diff = (now: number): number | undefined => {
          const a = numberOf(c.a, c.averageSeconds, now);
          const b = numberOf(c.b, c.averageSeconds, now);
          if (a === undefined || b === undefined) return undefined;
          return c.absolute ? Math.abs(a - b) : a - b;
        };
        return {
          test: (now) => {
            const d = diff(now);
            return held(d === undefined ? null : above ? d > limit : d < limit, now, c.forSeconds);
          },
          words: (now) => {
            const d = diff(now);
            const shown = d === undefined ? '-' : fmt(d, 2);
            const m = meanWords(c.averageSeconds);
            const a = numberOf(c.a, c.averageSeconds, now);
            const b = numberOf(c.b, c.averageSeconds, now);
            const both = `${a === undefined ? '-' : fmt(a, 2)} / ${b === undefined ? '-' : fmt(b, 2)}${unit(c.a)}`;
            return {
              zh: `${label(c.a).zh} 与 ${label(c.b).zh} 之差${c.absolute ? '（绝对值）' : ''}${m.zh} = ${shown}${unit(c.a)}（${both}），${above ? '大于' : '小于'} ${limit}${unit(c.a)}`,
              en: `${label(c.a).en} minus ${label(c.b).en}${c.absolute ? ' (either way)' : ''}${m.en} = ${shown}${unit(c.a)} (${both}), ${above ? 'above' : 'below'} ${limit}${unit(c.a)}`,
            };
          },
        };
      }
      case 'schedule': {
        const periods = spec.schedule ?? [];
        return {
          test: () => inSchedule(periods, deps.clock.now(), deps.timeZone) === c.occupied,
          words: () => {
            const at = clockTime(deps.clock.now(), deps.timeZone);
            return c.occupied ? { zh: `使用时段内（当地 ${at}）`, en: `within occupied hours (${at} local)` } : { zh: `非使用时段（当地 ${at}）`, en: `outside occupied hours (${at} local)` };
          },
        };
      }
      case 'starts': {
        const windowMs = c.windowSeconds * S;
        const starts: number[] = [];
        let last: boolean | undefined;
        // The newest sample looked at, and how many samples of that same instant were: a reading
        // that arrives at the instant of the last look is still new.
        let scannedTo = -Infinity;
        let atLast = 0;
        const count = (now: number): number | null => {
          const r = ref(c.input);
          const h = deps.view(r.deviceId)?.history(r.pointId);
          let skip = atLast;
          for (const s of h?.since(scannedTo) ?? []) {
            if (s.ts === scannedTo && skip > 0) {
              skip -= 1;
              continue;
            }
            if (s.ts === scannedTo) atLast += 1;
            else {
              scannedTo = s.ts;
              atLast = 1;
            }
            if (s.quality !== 'good') continue;
            const b = asBool(s.value ?? undefined);
            if (b === undefined) continue;
            if (last === false && b) starts.push(s.ts);
            last = b;
          }
          while (starts.length > 0 && (starts[0] ?? 0) <= now - windowMs) starts.shift();
          return last === undefined ? null : starts.length;
        };
        return {
          test: (now) => {
            const n = count(now);
            return n === null ? null : n > c.moreThan;
          },
          words: (now) => {
            const n = count(now) ?? 0;
            const mins = fmt(c.windowSeconds / 60, 0);
            return { zh: `${label(c.input).zh}：${mins} 分钟内启动 ${n} 次，多于 ${c.moreThan} 次`, en: `${label(c.input).en}: ${n} starts in ${mins} min, more than ${c.moreThan}` };
          },
        };
      }
      case 'flat': {
        const w = windowOf(c.input, c.windowSeconds);
        return {
          test: (now) => {
            if (asNumber(read(c.input)) === undefined) return null;
            const r = w.range(now);
            if (r === undefined || !w.covers(now)) return false;
            return r.max - r.min <= c.within;
          },
          words: (now) => {
            const r = w.range(now);
            const span = r === undefined ? '-' : `${fmt(r.min, 2)}-${fmt(r.max, 2)}${unit(c.input)}`;
            const mins = fmt(c.windowSeconds / 60, 0);
            return { zh: `${label(c.input).zh} ${mins} 分钟内变化不超过 ${c.within}${unit(c.input)}（${span}）`, en: `${label(c.input).en} moved no more than ${c.within}${unit(c.input)} in ${mins} min (${span})` };
          },
        };
      }
      default: {
        const never: never = c;
        throw new Error(`unknown condition ${JSON.stringify(never)}`);
      }
    }
  };

  const applies = spec.appliesWhen.map(judge);
  const faults = spec.faultWhen.map(judge);
  const name = { zh: device.name, en: device.nameEn ?? device.name };
  const allRefs = [...new Set(Object.keys(spec.inputs))].map(ref);
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
      sample(now);
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
