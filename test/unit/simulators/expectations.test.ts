import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { formatTable, judge, mismatch } from '../../../simulators/scenarios/expectations.js';
import type { ExpectedTicket } from '../../../simulators/scenarios/scenario-schema.js';
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

  it('names why the nearest ticket of the fault and device is not the one expected', () => {
    const v = judge([{ fault: 'water-leak', device: 'leak-1', tier: 'emergency', synced: true, assignee: 'e-li' }], [ticket({ number: 'RP01-1', assigneeId: 'e-zhou', assignee: '周工' })]);
    expect(v.ok).toBe(false);
    expect(v.rows[0]?.arrived).toBe('(none): RP01-1 with e-zhou, expected e-li');
  });

  it('judges the repair procedures: the grab escalation, storm pauses, re-tiering, materials, the callback and what the alerts said', () => {
    const at = (min: number) => new Date(Date.parse('2026-01-05T02:00:00.000Z') + min * 60_000).toISOString();
    const t = ticket({
      id: 'p',
      tier: 'general',
      assigneeId: 'e-li',
      pausedMs: 19.2 * 60_000,
      resolution: { cause: '老化', action: '更换', materials: [{ name: '密封圈', quantity: 2 }], workers: [], offSite: null },
      callback: { state: 'done', dueBy: at(1440), calls: [{ at: at(30), by: 'user:d-zhao', reached: true, satisfaction: 5, words: null, fixed: true }], overdueTold: false },
      history: [
        { at: at(0), actor: 'gateway', action: 'raised', status: 'raised' },
        { at: at(5), actor: 'gateway', action: 'escalated', step: 'grab', level: 'supervisor' },
        { at: at(12), actor: 'user:e-li', action: 'retiered' },
      ],
    });
    const said = new Map([['p', [{ kind: 'assigned', text: '【一般·派工】漏水\n工单 RP01-1 · 通知：李工' }]]]);
    const problem = (e: Partial<ExpectedTicket>): string | null => mismatch({ fault: 'water-leak', device: 'leak-1', tier: 'general', synced: true, ...e }, t, new Map(), said);
    expect(problem({ escalations: [{ step: 'grab', level: 'supervisor', atMinutes: 5 }], assignee: 'e-li', pausedMinutes: 19, retiered: true, materials: 1, callback: { state: 'done', satisfaction: 5 }, alertSays: [{ kind: 'assigned', contains: '李工' }] })).toBeNull();
    expect(problem({ pausedMinutes: 18 })).toBe('paused 19.2 min, expected 18');
    expect(problem({ pausedMinutes: 19 })).toBeNull();
    expect(problem({ retiered: false })).toBe('re-tiered');
    expect(problem({ materials: 2 })).toBe('1 material(s) recorded, expected 2');
    expect(problem({ callback: { state: 'done', satisfaction: 4 } })).toBe('satisfaction 5, expected 4');
    expect(problem({ callback: { state: 'due' } })).toBe('callback done, expected due');
    expect(problem({ alertSays: [{ kind: 'assigned', contains: '周工' }] })).toBe('no assigned alert saying "周工" reached the console (assigned)');
    expect(problem({ escalations: [] })).toBe('escalated grab/supervisor@5min');
    expect(mismatch({ fault: 'water-leak', device: 'leak-1', tier: 'general', synced: true, pausedMinutes: 0 }, { ...t, paused: { since: at(1), reason: '台风' } })).toBe(`still paused by storm mode (since ${at(1)})`);
  });

  it('lines up CJK text in the summary table', () => {
    const table = formatTable(['a', 'b'], [['漏水', 'x'], ['ab', 'y']]);
    const [, , r1, r2] = table.split('\n');
    // Two CJK characters fill four columns, so they need no padding where 'ab' needs two spaces.
    expect(r1).toBe('漏水  x');
    expect(r2).toBe('ab    y');
  });
});
