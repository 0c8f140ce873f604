import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { SignInThrottle } from '../../../core/sign-in-throttle.js';

const opts = { address: { free: 3, baseMs: 100, capMs: 1_000 }, prefix: { free: 5, baseMs: 50, capMs: 200 }, forgetMs: 60_000, maxKeys: 4 };

describe('SignInThrottle', () => {
  it('holds an address from its nth failure, doubling to a cap, and forgets after a success', () => {
    const clock = new ManualClock();
    const t = new SignInThrottle(clock, opts);
    for (let i = 0; i < 2; i++) t.failed('10.0.0.9', `guess-${i}`);
    expect(t.check('10.0.0.9', 'x')).toEqual({ kind: 'go', delayMs: 0 });
    t.failed('10.0.0.9', 'guess-2');
    expect(t.check('10.0.0.9', 'x')).toEqual({ kind: 'refuse', retryAfterMs: 100 });
    expect(t.check('10.0.0.8', 'x')).toEqual({ kind: 'go', delayMs: 0 });
    for (let i = 0; i < 10; i++) t.failed('10.0.0.9', `more-${i}`);
    expect(t.check('10.0.0.9', 'x')).toEqual({ kind: 'refuse', retryAfterMs: 1_000 });
    clock.advance(1_000);
    expect(t.check('10.0.0.9', 'x').kind).toBe('go');
    t.succeeded('10.0.0.9');
    expect(t.check('10.0.0.9', 'x')).toEqual({ kind: 'go', delayMs: 0 });
  });

  it('delays a guessed prefix by a bounded time, and halves counts after a quiet while', () => {
    const clock = new ManualClock();
    const t = new SignInThrottle(clock, opts);
    for (let i = 0; i < 20; i++) t.failed(`10.0.1.${i}`, `tok-${i}`);
    expect(t.check('10.0.2.1', 'tok-real')).toEqual({ kind: 'go', delayMs: 200 });
    clock.advance(60_000);
    // 20 halved is 10: still over the free 5, but the hold from the last failure is over.
    expect(t.check('10.0.2.1', 'tok-real')).toEqual({ kind: 'go', delayMs: 0 });
  });

  it('keeps at most maxKeys of each kind', () => {
    const t = new SignInThrottle(new ManualClock(), opts);
    for (let i = 0; i < 50; i++) t.failed(`10.0.3.${i}`, `p${i.toString().padStart(3, '0')}x`);
    expect(t.tracked).toEqual({ addresses: 4, prefixes: 4 });
  });
});
