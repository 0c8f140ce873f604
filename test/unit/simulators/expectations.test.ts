import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { formatTable, judge } from '../../../simulators/scenarios/expectations.js';
import { sampleTicket } from '../../helpers/ticket-fixture.js';

function ticket(p: Partial<Ticket>): Ticket {
  return sampleTicket(p.id ?? Math.random().toString(36), 1, 0, { tier: 'emergency', ...p });
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

  it('judges escalations exactly, in order, each within half a minute of its time, and the levels alerted', () => {
    const at = (min: number) => new Date(Date.parse('2026-01-05T02:00:00.000Z') + min * 60_000).toISOString();
    const t = ticket({
      id: 'e',
      history: [
        { at: at(0), actor: 'gateway', action: 'raised', status: 'raised' },
        { at: at(5.2), actor: 'gateway', action: 'escalated', step: 'acknowledgeBy', level: 'supervisor' },
        { at: at(10.1), actor: 'gateway', action: 'escalated', step: 'acknowledgeBy', level: 'manager' },
      ],
    });
    const want = (minutes: number[], levels: ('supervisor' | 'manager')[]) =>
      judge([{ fault: 'water-leak', device: 'leak-1', tier: 'emergency', synced: true, escalations: levels.map((level, i) => ({ step: 'acknowledgeBy', level, atMinutes: minutes[i] ?? 0 })) }], [t]).ok;
    expect(want([5, 10], ['supervisor', 'manager'])).toBe(true);
    expect(want([5, 11], ['supervisor', 'manager'])).toBe(false);
    expect(want([5], ['supervisor'])).toBe(false);
    expect(want([5, 10], ['manager', 'supervisor'])).toBe(false);
    const alerted = new Map([['e', new Set(['team', 'supervisor'])]]);
    expect(judge([{ fault: 'water-leak', device: 'leak-1', tier: 'emergency', synced: true, alertedTo: ['team', 'supervisor'] }], [t], alerted).ok).toBe(true);
    expect(judge([{ fault: 'water-leak', device: 'leak-1', tier: 'emergency', synced: true, alertedTo: ['manager'] }], [t], alerted).ok).toBe(false);
  });

  it('lines up CJK text in the summary table', () => {
    const table = formatTable(['a', 'b'], [['漏水', 'x'], ['ab', 'y']]);
    const [, , r1, r2] = table.split('\n');
    // Two CJK characters fill four columns, so they need no padding where 'ab' needs two spaces.
    expect(r1).toBe('漏水  x');
    expect(r2).toBe('ab    y');
  });
});
