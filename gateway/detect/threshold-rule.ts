import type { Bilingual } from '../../core/vocabulary.js';
import { asNumber, num, type CompiledRule, type Params } from './fault-rule.js';

const S = 1000;

export interface ThresholdSpec {
  readonly fault: string;
  readonly tier: CompiledRule['tier'];
  readonly skill: CompiledRule['skill'];
  readonly point: string;
  readonly direction: 'above' | 'below';
  readonly limit: number;
  /** Once active, the value must come back past the limit by this much to clear (noise in the band changes nothing). */
  readonly hysteresis: number;
  readonly onDelayS: number;
  readonly offDelayS: number;
  readonly words: (value: number, limit: number) => { title: Bilingual; description: Bilingual };
}

/** A threshold with hysteresis on one point; delays overridable with onDelaySeconds / offDelaySeconds. */
export function threshold(p: Params, t: ThresholdSpec): CompiledRule {
  const sign = t.direction === 'above' ? 1 : -1;
  return {
    fault: t.fault,
    tier: t.tier,
    skill: t.skill,
    points: [t.point],
    onDelayMs: num(p, 'onDelaySeconds', t.onDelayS) * S,
    offDelayMs: num(p, 'offDelaySeconds', t.offDelayS) * S,
    test: (v, active) => {
      const x = asNumber(v.value(t.point));
      if (x === undefined) return null;
      const limit = active ? t.limit - sign * t.hysteresis : t.limit;
      return sign * (x - limit) > 0;
    },
    describe: (v) => t.words(asNumber(v.value(t.point)) ?? 0, t.limit),
  };
}
