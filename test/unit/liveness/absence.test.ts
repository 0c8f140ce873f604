import { describe, expect, it } from 'vitest';
import { absenceOf, absenceWords, causeCode } from '../../../gateway/liveness/absence.js';
import type { PresenceRecord } from '../../../gateway/liveness/presence-file.js';

const TZ = 'Asia/Shanghai';
/** 2026-12-07 10:02 in Shanghai. */
const T = Date.UTC(2026, 11, 7, 2, 2, 0);
const record = (o: Partial<PresenceRecord> = {}): PresenceRecord => ({ gatewayId: 'gw-1', bootId: 'boot-a', pid: 1, startedAt: T - 3_600_000, aliveAt: T, stop: null, ...o });

describe('absence', () => {
  it('is nothing on a first start', () => {
    expect(absenceOf(null, T, 'boot-a')).toBeNull();
  });

  it('is a crash when no clean stop was recorded and the machine kept running (same boot)', () => {
    const a = absenceOf(record(), T + 12 * 60_000, 'boot-a');
    expect(a).toEqual({ from: T, to: T + 12 * 60_000, cause: { kind: 'crash' } });
    expect(causeCode(a!.cause)).toBe('crash');
  });

  it('is a power loss or machine restart when the boot changed', () => {
    expect(absenceOf(record(), T + 60_000, 'boot-b')?.cause).toEqual({ kind: 'power' });
    // A machine that gives no boot id cannot tell: no clean stop, so the worse of the two.
    expect(absenceOf(record({ bootId: null }), T + 60_000, null)?.cause).toEqual({ kind: 'power' });
  });

  it('is a clean stop with who made it, counted from the stop', () => {
    const a = absenceOf(record({ stop: { at: T, by: 'SIGTERM' }, aliveAt: T }), T + 5 * 60_000, 'boot-b');
    expect(a?.cause).toEqual({ kind: 'stopped', by: 'SIGTERM' });
    expect(causeCode(a!.cause)).toBe('stopped:SIGTERM');
  });

  it('is no negative time when the wall clock stepped back between the runs', () => {
    const a = absenceOf(record(), T - 3_600_000, 'boot-a');
    expect(a!.to - a!.from).toBe(0);
  });

  it("is told in the site's local time, short, never ISO", () => {
    const w = absenceWords({ from: T, to: T + 12 * 60_000, cause: { kind: 'crash' } }, T + 12 * 60_000, TZ);
    expect(w.zh).toBe('离线 12 分钟（10:02 至 10:14），原因：进程崩溃（未记录正常停止）');
    expect(w.en).toBe('away 12 min (10:02 to 10:14), stopped by a crash (no clean stop recorded)');
    const overnight = absenceWords({ from: T - 12 * 3_600_000, to: T, cause: { kind: 'power' } }, T, TZ);
    expect(overnight.zh).toContain('昨天 22:02 至 10:02');
    expect(overnight.en).toContain('yesterday 22:02 to 10:02');
    expect(`${w.zh}${w.en}${overnight.zh}`).not.toMatch(/\d{4}-\d{2}-\d{2}T|Z\b/);
  });
});
