import { describe, expect, it } from 'vitest';
import { PointHistory } from '../../../gateway/detect/point-history.js';

describe('PointHistory', () => {
  it('gives back every kind of value with its quality, oldest first', () => {
    const h = new PointHistory(8);
    h.push(1, 0.25, 'good');
    h.push(2, true, 'good');
    h.push(3, false, 'uncertain');
    h.push(4, 'running', 'good');
    h.push(5, null, 'bad');
    h.push(6, -3, 'good');
    expect(h.since(0)).toEqual([
      { ts: 1, value: 0.25, quality: 'good' },
      { ts: 2, value: true, quality: 'good' },
      { ts: 3, value: false, quality: 'uncertain' },
      { ts: 4, value: 'running', quality: 'good' },
      { ts: 5, value: null, quality: 'bad' },
      { ts: 6, value: -3, quality: 'good' },
    ]);
    expect(h.since(4).map((s) => s.ts)).toEqual([4, 5, 6]);
  });

  it('keeps only the newest `capacity` samples and forgets a string its slot no longer holds', () => {
    const h = new PointHistory(3);
    h.push(1, 'stopped', 'good');
    h.push(2, 1, 'good');
    h.push(3, 2, 'good');
    h.push(4, 3, 'good');
    expect(h.size).toBe(3);
    expect(h.since(0)).toEqual([
      { ts: 2, value: 1, quality: 'good' },
      { ts: 3, value: 2, quality: 'good' },
      { ts: 4, value: 3, quality: 'good' },
    ]);
  });

  it('finds the newest good number at or before a time, skipping bad and non-numeric samples', () => {
    const h = new PointHistory(8);
    expect(h.numberAt(10)).toBeUndefined();
    h.push(1, 4.5, 'good');
    h.push(2, 9, 'bad');
    h.push(3, 'fault', 'good');
    h.push(4, 7, 'good');
    expect(h.numberAt(3)).toEqual({ ts: 1, value: 4.5 });
    expect(h.numberAt(4)).toEqual({ ts: 4, value: 7 });
    expect(h.numberAt(0)).toBeUndefined();
  });
});
