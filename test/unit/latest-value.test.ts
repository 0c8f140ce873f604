import { describe, expect, it } from 'vitest';
import { LatestValue } from '../../core/latest-value.js';

describe('LatestValue', () => {
  it('is empty until the first reading and after clear()', () => {
    const v = new LatestValue();
    expect([v.value, v.quality, v.ts]).toEqual([undefined, 'none', null]);
    v.set({ value: 2.5, quality: 'good', ts: 1_700_000_000_123 });
    v.clear();
    expect([v.value, v.quality, v.ts]).toEqual([undefined, 'none', null]);
  });

  it('keeps the last value of any kind, with its quality and time', () => {
    const v = new LatestValue();
    v.set({ value: 2.5, quality: 'good', ts: 1_700_000_000_123 });
    expect([v.value, v.quality, v.ts]).toEqual([2.5, 'good', 1_700_000_000_123]);
    v.set({ value: 'running', quality: 'uncertain', ts: 2 });
    expect([v.value, v.quality, v.ts]).toEqual(['running', 'uncertain', 2]);
    v.set({ value: false, quality: 'good', ts: 3 });
    expect(v.value).toBe(false);
    v.set({ value: null, quality: 'bad', ts: 4 });
    expect([v.value, v.quality, v.ts]).toEqual([null, 'bad', 4]);
    v.set({ value: 0, quality: 'good', ts: 5 });
    expect(v.value).toBe(0);
  });
});
