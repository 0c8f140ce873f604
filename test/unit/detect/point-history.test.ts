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

  it('says whether a state has held since a time: from the last sample at or before it, every one good and passing', () => {
    const h = new PointHistory(8);
    const closed = (v: unknown): boolean => v === true;
    expect(h.heldSince(5, closed)).toBe(false);
    h.push(1, false, 'good');
    h.push(3, true, 'good');
    h.push(6, true, 'good');
    expect(h.heldSince(4, closed)).toBe(true);
    expect(h.heldSince(3, closed)).toBe(true);
    expect(h.heldSince(2, closed)).toBe(false);
    expect(h.heldSince(0, closed)).toBe(false);
    h.push(7, true, 'bad');
    expect(h.heldSince(4, closed)).toBe(false);
  });
});

describe('PointHistory sized to what the point sends', () => {
  it('holds nothing until the point first reports', () => {
    expect(new PointHistory(240, 120_000).capacity).toBe(0);
  });

  it('grows only while its oldest sample is still within the window it must reach back over', () => {
    // A meter every 30 s, evidence over 120 s: five samples cover the window, so the ring stops at 8.
    const slow = new PointHistory(240, 120_000);
    for (let t = 0; t <= 3_600_000; t += 30_000) slow.push(t, t / 1000, 'good');
    expect(slow.capacity).toBe(8);
    expect(slow.since(3_600_000 - 120_000).map((s) => s.ts)).toEqual([3_480_000, 3_510_000, 3_540_000, 3_570_000, 3_600_000]);
    // What a rule looks back at (the value 120 s ago) is still there.
    expect(slow.numberAt(3_600_000 - 120_000)).toEqual({ ts: 3_480_000, value: 3480 });
    // Ten a second: bounded by max, keeping the newest.
    const fast = new PointHistory(240, 120_000);
    for (let t = 0; t < 60_000; t += 100) fast.push(t, 1, 'good');
    expect(fast.capacity).toBe(240);
    expect(fast.size).toBe(240);
    expect(fast.since(0)[0]?.ts).toBe(60_000 - 240 * 100);
  });

  it('keeps samples and their strings in order across growth', () => {
    const h = new PointHistory(16, Number.POSITIVE_INFINITY);
    for (let t = 1; t <= 20; t++) h.push(t, t % 2 === 0 ? `s${t}` : t, 'good');
    expect(h.capacity).toBe(16);
    expect(h.since(0).map((s) => s.value)).toEqual([5, 's6', 7, 's8', 9, 's10', 11, 's12', 13, 's14', 15, 's16', 17, 's18', 19, 's20']);
  });
});
