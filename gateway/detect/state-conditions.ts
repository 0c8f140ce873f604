import type { Clock } from '../../core/clock.js';
import { clockTime, localMinuteOfDay, localWeekday } from '../../core/local-time.js';
import type { Bilingual } from '../../core/vocabulary.js';
import { asBool, asNumber, fmt } from './fault-rule.js';
import type { StateInputs } from './state-inputs.js';
import { WEEKDAYS, type Period, type StateCondition } from './state-rule-schema.js';

const S = 1000;

/** One condition as it runs: whether it holds now (null: an input has no good value yet) and its words. */
export interface Judged {
  test(now: number): boolean | null;
  words(now: number): Bilingual;
}

/** What a schedule condition reads: the wall clock (occupied hours are the site's local time), never for windows. */
export interface ConditionTime {
  readonly clock: Clock;
  readonly timeZone: string;
  readonly schedule?: readonly Period[] | undefined;
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

const meanWords = (seconds: number | undefined): Bilingual => (seconds === undefined ? { zh: '', en: '' } : { zh: `（${fmt(seconds / 60, 1)} 分钟均值）`, en: ` (mean of ${fmt(seconds / 60, 1)} min)` });

/**
 * One condition of a state-aware rule (docs/faults.md, condition kinds) as it runs on elapsed time:
 * its hold time, its starts and its flat line each kept here, judged every time it is asked.
 */
export function judgeCondition(c: StateCondition, inputs: StateInputs, time: ConditionTime): Judged {
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
      const shown = (): string => String(inputs.read(c.input) ?? '-');
      return {
        test: (now) => {
          const x = inputs.read(c.input);
          let raw: boolean | null;
          if (x === undefined || x === null) raw = null;
          else if (typeof c.equals === 'boolean') raw = asBool(x) === undefined ? null : asBool(x) === c.equals;
          else if (typeof c.equals === 'number') raw = asNumber(x) === undefined ? null : asNumber(x) === c.equals;
          else raw = String(x) === c.equals;
          return held(raw, now, c.forSeconds);
        },
        words: (now) => ({ zh: `${inputs.label(c.input).zh} = ${shown()}${heldWords(now, c.forSeconds).zh}`, en: `${inputs.label(c.input).en} = ${shown()}${heldWords(now, c.forSeconds).en}` }),
      };
    }
    case 'threshold': {
      if (c.averageSeconds !== undefined) inputs.windowOf(c.input, c.averageSeconds);
      const limit = (c.above ?? c.below) as number;
      const above = c.above !== undefined;
      return {
        test: (now) => {
          const x = inputs.numberOf(c.input, c.averageSeconds, now);
          return held(x === undefined ? null : above ? x > limit : x < limit, now, c.forSeconds);
        },
        words: (now) => {
          const x = inputs.numberOf(c.input, c.averageSeconds, now);
          const shown = x === undefined ? '-' : fmt(x, 2);
          const m = meanWords(c.averageSeconds);
          return {
            zh: `${inputs.label(c.input).zh}${m.zh} = ${shown}${inputs.unit(c.input)}，${above ? '高于' : '低于'} ${limit}${inputs.unit(c.input)}${heldWords(now, c.forSeconds).zh}`,
            en: `${inputs.label(c.input).en}${m.en} = ${shown}${inputs.unit(c.input)}, ${above ? 'above' : 'below'} ${limit}${inputs.unit(c.input)}${heldWords(now, c.forSeconds).en}`,
          };
        },
      };
    }
    case 'difference': {
      if (c.averageSeconds !== undefined) {
        inputs.windowOf(c.a, c.averageSeconds);
        inputs.windowOf(c.b, c.averageSeconds);
      }
      const limit = (c.above ?? c.below) as number;
      const above = c.above !== undefined;
      const diff = (now: number): number | undefined => {
        const a = inputs.numberOf(c.a, c.averageSeconds, now);
        const b = inputs.numberOf(c.b, c.averageSeconds, now);
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
          const a = inputs.numberOf(c.a, c.averageSeconds, now);
          const b = inputs.numberOf(c.b, c.averageSeconds, now);
          const both = `${a === undefined ? '-' : fmt(a, 2)} / ${b === undefined ? '-' : fmt(b, 2)}${inputs.unit(c.a)}`;
          return {
            zh: `${inputs.label(c.a).zh} 与 ${inputs.label(c.b).zh} 之差${c.absolute ? '（绝对值）' : ''}${m.zh} = ${shown}${inputs.unit(c.a)}（${both}），${above ? '大于' : '小于'} ${limit}${inputs.unit(c.a)}`,
            en: `${inputs.label(c.a).en} minus ${inputs.label(c.b).en}${c.absolute ? ' (either way)' : ''}${m.en} = ${shown}${inputs.unit(c.a)} (${both}), ${above ? 'above' : 'below'} ${limit}${inputs.unit(c.a)}`,
          };
        },
      };
    }
    case 'schedule': {
      const periods = time.schedule ?? [];
      return {
        test: () => inSchedule(periods, time.clock.now(), time.timeZone) === c.occupied,
        words: () => {
          const at = clockTime(time.clock.now(), time.timeZone);
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
        const h = inputs.history(c.input);
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
          return { zh: `${inputs.label(c.input).zh}：${mins} 分钟内启动 ${n} 次，多于 ${c.moreThan} 次`, en: `${inputs.label(c.input).en}: ${n} starts in ${mins} min, more than ${c.moreThan}` };
        },
      };
    }
    case 'flat': {
      const w = inputs.windowOf(c.input, c.windowSeconds);
      return {
        test: (now) => {
          if (asNumber(inputs.read(c.input)) === undefined) return null;
          const r = w.range(now);
          if (r === undefined || !w.covers(now)) return false;
          return r.max - r.min <= c.within;
        },
        words: (now) => {
          const r = w.range(now);
          const span = r === undefined ? '-' : `${fmt(r.min, 2)}-${fmt(r.max, 2)}${inputs.unit(c.input)}`;
          const mins = fmt(c.windowSeconds / 60, 0);
          return { zh: `${inputs.label(c.input).zh} ${mins} 分钟内变化不超过 ${c.within}${inputs.unit(c.input)}（${span}）`, en: `${inputs.label(c.input).en} moved no more than ${c.within}${inputs.unit(c.input)} in ${mins} min (${span})` };
        },
      };
    }
    default: {
      const never: never = c;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}
