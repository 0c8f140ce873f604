import { describe, expect, it } from 'vitest';
import type { CallbackFigures } from '../../../gateway/api/repair-figures.js';
import { judgeStats } from '../../../simulators/scenarios/stats-expectations.js';

const figures = (c: Partial<CallbackFigures>): { callbacks: CallbackFigures } => ({
  callbacks: { owed: 1, onTime: 1, late: 0, missing: 0, rate: 1, satisfaction: { rated: 1, satisfied: 1, share: 1 }, ...c },
});

describe("judging the month's figures", () => {
  it('passes when each figure given is as expected, and shows them as people read them', () => {
    const row = judgeStats({ callbacks: { owed: 1, onTime: 1, rate: 1, satisfiedShare: 1 } }, figures({}), '2026-07');
    expect(row).toEqual({ expected: '2026-07 callbacks: owed 1, on time 1, rate 100 %, satisfied 100 %', arrived: '2026-07 callbacks: owed 1, on time 1, late 0, missing 0, rate 100 %, satisfied 100 %', ok: true });
  });

  it('fails naming the figures that differ, a share with nothing to count included', () => {
    const row = judgeStats({ callbacks: { owed: 1, onTime: 1, satisfiedShare: 1 } }, figures({ onTime: 0, late: 1, rate: 0, satisfaction: { rated: 0, satisfied: 0, share: null } }), '2026-07');
    expect(row.ok).toBe(false);
    expect(row.arrived).toBe('2026-07 callbacks: owed 1, on time 0, late 1, missing 0, rate 0 %, satisfied none (on time, satisfied differ)');
  });
});
