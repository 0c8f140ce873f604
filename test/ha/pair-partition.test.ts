import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PairSite, type PairGateway } from '../../simulators/ha/pair-site.js';
import { ensureBuilt } from '../helpers/gateway-process.js';

let site: PairSite | null = null;
afterEach(async () => {
  await site?.stop();
  site = null;
});

const pairOf = async (g: PairGateway) => (await g.readyz())?.body['pair'] as { role?: string; appliedChange?: number } | undefined;

describe('the two gateways cut from each other while both see the witness', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('never makes two actives: one leads, faults are raised once, the standby says the active is out of reach, and it follows again when the link is back', async () => {
    site = await PairSite.start({ leakSensors: 3, separateMachines: true });
    await site.startBoth();
    const active = await site.waitForActive(15_000);
    const standby = site.other(active);
    await site.publish('leak-1', true);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-1')).toHaveLength(1), { timeout: 15_000 });
    // Machine A and machine B (each gateway with its etcd member) can no longer reach each other.
    await site.partition?.cut();
    await site.publish('leak-2', true);
    const seen = new Set<string>();
    const until = performance.now() + 10_000;
    while (performance.now() < until) {
      const roles = await Promise.all(site.gateways.map(async (g) => (await pairOf(g))?.role ?? 'no answer'));
      seen.add(roles.join('/'));
      expect(roles.filter((r) => r === 'active').length, `roles ${roles.join(', ')}`).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 100));
    }
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-2')).toHaveLength(1), { timeout: 20_000 });
    const leader = await site.waitForActive(15_000);
    // A staff request on the other gateway cannot reach the active: a prompt answer, not a hang.
    const other = site.other(leader);
    const asked = performance.now();
    const res = await fetch(`${other.url}/api/tickets`).catch(() => null);
    expect(res === null || res.status >= 500).toBe(true);
    expect(performance.now() - asked).toBeLessThan(15_000);
    await site.partition?.heal();
    await site.publish('leak-3', true);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-3')).toHaveLength(1), { timeout: 20_000 });
    // One active and one standby that follows it again. Which one leads after the heal is etcd's
    // business (a lease that lapsed on a loaded machine may move it): never both, never neither.
    await vi.waitFor(async () => {
      const pairs = await Promise.all(site!.gateways.map((g) => pairOf(g)));
      const act = pairs.find((p) => p?.role === 'active');
      const std = pairs.find((p) => p?.role === 'standby');
      expect(pairs.map((p) => p?.role).sort()).toEqual(['active', 'standby']);
      expect(std?.appliedChange).toBe(act?.appliedChange);
    }, { timeout: 20_000 });
    for (const s of ['leak-1', 'leak-2', 'leak-3']) expect(site.central.tickets().filter((t) => t.deviceId === s)).toHaveLength(1);
    expect([...seen].some((r) => r.includes('active')), [...seen].join(' | ')).toBe(true);
    void active;
    void standby;
  }, 150_000);
});
