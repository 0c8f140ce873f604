import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { formatTable, judge } from '../../../simulators/scenarios/expectations.js';

function ticket(p: Partial<Ticket>): Ticket {
  return {
    id: p.id ?? Math.random().toString(36),
    number: p.number ?? 'TS01-20260105-0001',
    fault: p.fault ?? 'water-leak',
    deviceId: p.deviceId ?? 'leak-1',
    tier: p.tier ?? 'emergency',
    parentId: p.parentId ?? null,
    childIds: p.childIds ?? [],
    condition: p.condition ?? 'active',
  } as Ticket;
}

describe('scenario judging', () => {
  it('passes when exactly the expected tickets arrived', () => {
    const v = judge([{ fault: 'water-leak', device: 'leak-1', tier: 'emergency', synced: true }], [ticket({})]);
    expect(v.ok).toBe(true);
    expect(v.rows).toHaveLength(1);
  });

  it('fails on a missing ticket, a wrong tier and an unexpected ticket, naming each', () => {
    const v = judge(
      [
        { fault: 'water-leak', device: 'leak-1', tier: 'emergency', synced: true },
        { fault: 'pump-failure', device: 'pump-1', tier: 'emergency', synced: true },
      ],
      [ticket({ tier: 'general' })],
    );
    expect(v.ok).toBe(false);
    expect(v.missing.map((m) => m.fault)).toEqual(['water-leak', 'pump-failure']);
    expect(v.unexpected).toHaveLength(1);
  });

  it('judges children of an incident through the incident', () => {
    const incident = ticket({ id: 'inc', fault: 'alarm-flood', deviceId: 'site', childIds: ['a', 'b', 'c'] });
    const children = ['a', 'b', 'c'].map((id) => ticket({ id, parentId: 'inc' }));
    const v = judge([{ fault: 'alarm-flood', device: 'site', tier: 'emergency', children: 3, synced: true }], [incident, ...children]);
    expect(v.ok).toBe(true);
  });

  it('lines up CJK text in the summary table', () => {
    const table = formatTable(['a', 'b'], [['漏水', 'x'], ['ab', 'y']]);
    const [, , r1, r2] = table.split('\n');
    // Two CJK characters fill four columns, so they need no padding where 'ab' needs two spaces.
    expect(r1).toBe('漏水  x');
    expect(r2).toBe('ab    y');
  });
});
