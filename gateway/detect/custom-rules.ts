import type { ReadingValue } from '../../core/reading.js';
import type { Device } from '../config/site-schema.js';
import type { Bilingual } from '../../core/vocabulary.js';
import { asBool, asNumber, fmt, type CompiledRule, type DeviceView } from './fault-rule.js';
import { conditionsOf, type Condition, type CustomRule } from './rule-schema.js';

const S = 1000;

/**
 * One condition: whether it holds now (null while a point it needs has no good value yet) and
 * what was seen, in words.
 */
interface CompiledCondition {
  readonly point: string;
  /** Depends on time passing, not only on readings (no-data, rate): re-checked by the sweep. */
  readonly timeDriven: boolean;
  /** How far back it reads the point's history (rate), elapsed ms. */
  readonly lookbackMs?: number;
  test(v: DeviceView, active: boolean): boolean | null;
  words(v: DeviceView): Bilingual;
}

function shown(value: ReadingValue | undefined): string {
  if (value === undefined || value === null) return '-';
  return typeof value === 'number' ? fmt(value, 2) : String(value);
}

function compileCondition(c: Condition, unit: string): CompiledCondition {
  switch (c.kind) {
    case 'threshold': {
      const above = c.above !== undefined;
      const limit = (c.above ?? c.below)!;
      const sign = above ? 1 : -1;
      return {
        point: c.point,
        timeDriven: false,
        test: (v, active) => {
          const x = asNumber(v.value(c.point));
          if (x === undefined) return null;
          return sign * (x - (active ? limit - sign * c.hysteresis : limit)) > 0;
        },
        words: (v) => ({
          zh: `${c.point} = ${shown(v.value(c.point))}${unit}，${above ? '高于' : '低于'} ${limit}${unit}`,
          en: `${c.point} = ${shown(v.value(c.point))}${unit}, ${above ? 'above' : 'below'} ${limit}${unit}`,
        }),
      };
    }
    case 'state':
      return {
        point: c.point,
        timeDriven: false,
        test: (v) => {
          const x = v.value(c.point);
          if (x === undefined || x === null) return null;
          if (typeof c.equals === 'boolean') return asBool(x) === undefined ? null : asBool(x) === c.equals;
          if (typeof c.equals === 'number') return asNumber(x) === undefined ? null : asNumber(x) === c.equals;
          return String(x) === c.equals;
        },
        words: (v) => ({ zh: `${c.point} = ${shown(v.value(c.point))}`, en: `${c.point} = ${shown(v.value(c.point))}` }),
      };
    case 'rate': {
      const windowMs = c.windowSeconds * S;
      const change = (v: DeviceView): { from: number; to: number } | null => {
        const h = v.history(c.point);
        const now = h?.numberAt(v.now);
        const before = h?.numberAt(v.now - windowMs);
        if (now === undefined || before === undefined) return null;
        return { from: before.value, to: now.value };
      };
      return {
        point: c.point,
        lookbackMs: windowMs,
        timeDriven: true,
        test: (v) => {
          const d = change(v);
          if (d === null) return null;
          return c.fallsBy !== undefined ? d.from - d.to >= c.fallsBy : d.to - d.from >= (c.risesBy ?? Infinity);
        },
        words: (v) => {
          const d = change(v);
          const from = d === null ? '-' : fmt(d.from, 2);
          const to = d === null ? '-' : fmt(d.to, 2);
          const falls = c.fallsBy !== undefined;
          return {
            zh: `${c.point} 在 ${c.windowSeconds} 秒内从 ${from}${unit} ${falls ? '降' : '升'}至 ${to}${unit}`,
            en: `${c.point} ${falls ? 'fell' : 'rose'} from ${from}${unit} to ${to}${unit} in ${c.windowSeconds} s`,
          };
        },
      };
    }
    case 'no-data':
      return {
        point: c.point,
        timeDriven: true,
        test: (v) => {
          const last = v.lastGoodTs(c.point);
          return v.now - (last ?? v.startedAt) >= c.seconds * S;
        },
        words: () => ({ zh: `${c.point} 已 ${c.seconds} 秒以上没有有效数据`, en: `No good reading of ${c.point} for over ${c.seconds} s` }),
      };
    default: {
      const never: never = c;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}

/** A custom rule of the site file, compiled to the same shape as a built-in fault. */
export function compileCustomRule(device: Device, rule: CustomRule): CompiledRule {
  const units = new Map(device.source.points.map((p) => [p.id, !('unit' in p) || p.unit === undefined ? '' : ` ${p.unit}`]));
  const parts = conditionsOf(rule).map((c) => compileCondition(c, units.get(c.point) ?? ''));
  const any = rule.when.kind === 'composite' && rule.when.any !== undefined;
  const name = { zh: device.name, en: device.nameEn ?? device.name };
  return {
    fault: rule.id,
    tier: rule.tier,
    skill: rule.skill,
    points: [...new Set(parts.map((p) => p.point))],
    onDelayMs: rule.onDelaySeconds * S,
    offDelayMs: rule.offDelaySeconds * S,
    timeDriven: parts.some((p) => p.timeDriven),
    lookbackMs: Math.max(0, ...parts.map((p) => p.lookbackMs ?? 0)),
    test: (v, active) => {
      const results = parts.map((p) => p.test(v, active));
      // `all`: one false is enough to say no; `any`: one true is enough to say yes.
      if (any) return results.includes(true) ? true : results.includes(null) ? null : false;
      return results.includes(false) ? false : results.includes(null) ? null : true;
    },
    describe: (v) => {
      const seen = parts.map((p) => p.words(v));
      const join = any ? { zh: '；或', en: '; or ' } : { zh: '；且', en: '; and ' };
      return {
        title: { zh: `${rule.title.zh}：${name.zh}`, en: `${rule.title.en}: ${name.en}` },
        description: { zh: seen.map((s) => s.zh).join(join.zh), en: seen.map((s) => s.en).join(join.en) },
      };
    },
  };
}
