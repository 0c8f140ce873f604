import { describe, expect, it } from 'vitest';
import { Scenario } from '../../../simulators/scenarios/scenario-schema.js';

/** The problems a scenario with these steps has, as `path: message` lines (empty when it is valid). */
function problemsOf(...staff: Record<string, unknown>[]): string[] {
  const r = Scenario.safeParse({ name: 'x', description: 'x', steps: staff.map((s, i) => ({ at: i, staff: s })), expect: [] });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('scenario staff steps', () => {
  it('takes each new action with the fields it needs', () => {
    expect(
      problemsOf(
        { as: 'operator', do: 'storm-on', hours: 6, note: '台风红色预警' },
        { as: 'supervisor', do: 'storm-off' },
        { as: 'supervisor', do: 'assign', device: 'leak-1', engineer: 'scenario-engineer', note: '就近处理' },
        { as: 'engineer', do: 'retier', device: 'leak-1', complexity: 'simple', note: '更换接头即可' },
        { as: 'engineer', do: 'resolve', device: 'leak-1', note: '已修复', cause: '密封圈老化', action: '更换密封圈', materials: [{ name: '密封圈', quantity: 2, unit: '个' }], workers: ['李工'] },
        { as: 'desk', do: 'callback', device: 'leak-1', reached: true, satisfaction: 5, note: '很满意' },
      ),
    ).toEqual([]);
  });

  it('refuses a field on an action that has no use for it, naming the action it is for', () => {
    expect(problemsOf({ as: 'engineer', do: 'take', device: 'leak-1', satisfaction: 5 })).toEqual(['steps.0.staff.satisfaction: "satisfaction" is for callback, not take']);
    expect(problemsOf({ as: 'engineer', do: 'arrive', device: 'leak-1', materials: [{ name: '密封圈', quantity: 1 }] })).toEqual(['steps.0.staff.materials: "materials" is for resolve, not arrive']);
    expect(problemsOf({ as: 'supervisor', do: 'take', device: 'leak-1', engineer: 'e-li' })).toEqual(['steps.0.staff.engineer: "engineer" is for assign, not take']);
    expect(problemsOf({ as: 'engineer', do: 'take', device: 'leak-1', tier: 'low' })).toEqual(['steps.0.staff.tier: "tier" is for report or retier, not take']);
    expect(problemsOf({ as: 'engineer', do: 'take', device: 'leak-1', photos: 1 })).toEqual(['steps.0.staff.photos: take takes no photos']);
  });

  it('refuses an action without what it needs', () => {
    expect(problemsOf({ as: 'supervisor', do: 'assign', device: 'leak-1' })).toEqual(['steps.0.staff.engineer: assign needs "engineer"']);
    expect(problemsOf({ as: 'engineer', do: 'retier', device: 'leak-1', complexity: 'simple' })).toEqual(['steps.0.staff.note: retier needs "note" (the reason)']);
    expect(problemsOf({ as: 'engineer', do: 'retier', device: 'leak-1', note: 'x' })).toEqual(['steps.0.staff.tier: retier needs "tier" or "complexity"']);
    expect(problemsOf({ as: 'operator', do: 'storm-on', hours: 6 })).toEqual(['steps.0.staff.note: storm-on needs "note" (the reason)']);
    expect(problemsOf({ as: 'desk', do: 'callback', device: 'leak-1' })).toEqual(['steps.0.staff.reached: callback needs "reached"']);
    expect(problemsOf({ as: 'patrol', do: 'report', device: 'leak-1', fault: 'water-leak' })).toEqual(['steps.0.staff.photos: a report carries one to six photos']);
  });

  it('needs a device on every step but storm mode, which refuses one', () => {
    expect(problemsOf({ as: 'engineer', do: 'take' })).toEqual(['steps.0.staff.device: take needs "device"']);
    expect(problemsOf({ as: 'operator', do: 'storm-off', device: 'leak-1' })).toEqual(['steps.0.staff.device: storm-off is for the site or a building, not a device']);
  });

  it('refuses a satisfaction or a fixed on a call that did not reach the owner', () => {
    expect(problemsOf({ as: 'desk', do: 'callback', device: 'leak-1', reached: false, satisfaction: 3 })).toEqual(['steps.0.staff.satisfaction: only a call that reached the owner says it']);
    expect(problemsOf({ as: 'desk', do: 'callback', device: 'leak-1', reached: false, note: '无人接听' })).toEqual([]);
  });

  it('refuses storm mode over 24 hours and a role the runner has no login for', () => {
    expect(problemsOf({ as: 'operator', do: 'storm-on', hours: 25, note: 'x' })).toHaveLength(1);
    expect(problemsOf({ as: 'admin', do: 'storm-off' })).toHaveLength(1);
  });
});

describe('scenario gateway modes', () => {
  const messages = (extra: Record<string, unknown>): string[] => {
    const r = Scenario.safeParse({ name: 'x', description: 'x', steps: [{ at: 0, gateway: { action: 'kill' } }, { at: 10, gateway: { action: 'start' } }], expect: [], ...extra });
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  it('lets a pair of gateways be killed and started again, as a single gateway process may be', () => {
    expect(messages({ gatewayPair: true })).toEqual([]);
    expect(messages({ gatewayProcess: true })).toEqual([]);
    expect(messages({})).toEqual(['a gateway kill or start needs "gatewayProcess": true or "gatewayPair": true']);
  });

  it('refuses a scenario that asks for one gateway process and a pair at once', () => {
    expect(messages({ gatewayPair: true, gatewayProcess: true })).toEqual(['a scenario runs one gateway process ("gatewayProcess") or a pair ("gatewayPair"), not both']);
  });
});
