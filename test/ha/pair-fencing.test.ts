import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PAIR_ENGINEER_TOKEN, PairSite } from '../../simulators/ha/pair-site.js';
import { ensureBuilt } from '../helpers/gateway-process.js';

let site: PairSite | null = null;
afterEach(async () => {
  await site?.stop();
  site = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clientOf = (gatewayId: string) => `gw-pair-${gatewayId}`;

describe('a pair whose active stands still, loses its witness, or is reached through the standby', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('an active paused past its lease (SIGSTOP) is replaced, and after SIGCONT writes, alerts and uploads nothing', async () => {
    site = await PairSite.start({ leakSensors: 3 });
    await site.startBoth();
    const old = await site.waitForActive(15_000);
    await site.publish('leak-1', true);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-1')).toHaveLength(1), { timeout: 15_000 });
    old.child.pause();
    const next = await site.waitForActive(15_000, old);
    // A fault while the old active stands still: the new one raises it, alerts and uploads it.
    await site.publish('leak-2', true);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-2')).toHaveLength(1), { timeout: 15_000 });
    await vi.waitFor(() => expect(site?.broker.published('alerts/').some((m) => m.clientId === clientOf(next.id) && m.payload.includes('leak-2') === false)).toBe(true), { timeout: 15_000 });
    const alertsBefore = site.broker.published('alerts/').filter((m) => m.clientId === clientOf(old.id)).length;
    const uploadsBefore = site.central.senders().filter((u) => u.gatewayId === old.id).length;
    old.child.resume();
    // It wakes with its timers late: everything it would have done in the pause fires now, and must not leave it.
    await site.publish('leak-3', true);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-3')).toHaveLength(1), { timeout: 15_000 });
    await sleep(4_000);
    expect(site.broker.published('alerts/').filter((m) => m.clientId === clientOf(old.id))).toHaveLength(alertsBefore);
    expect(site.central.senders().filter((u) => u.gatewayId === old.id)).toHaveLength(uploadsBefore);
    expect(old.child.lines.some((l) => l.includes('"code":"GW_HA_FENCED"'))).toBe(true);
    // Every fault is one ticket at central, and the old active is the standby again.
    for (const s of ['leak-1', 'leak-2', 'leak-3']) expect(site.central.tickets().filter((t) => t.deviceId === s)).toHaveLength(1);
    await vi.waitFor(async () => expect(((await old.readyz())?.body["pair"] as { role?: string } | undefined)?.role).toBe("standby"), { timeout: 15_000 });
    if (process.env["HA_DEBUG"] === "1") console.log(old.child.lines.join("\n"));
  }, 150_000);

  it('the witness killed changes nothing: the active stays, faults are raised, and the standby follows', async () => {
    site = await PairSite.start({ leakSensors: 2 });
    await site.startBoth();
    const active = await site.waitForActive(15_000);
    await site.etcd.kill(2);
    await site.publish('leak-1', true);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-1')).toHaveLength(1), { timeout: 15_000 });
    await sleep(3_000);
    expect(await site.active()).toBe(active);
    const standby = site.other(active);
    await vi.waitFor(async () => {
      const pair = (await standby.readyz())?.body['pair'] as { role?: string; appliedChange?: number } | undefined;
      const activePair = (await active.readyz())?.body['pair'] as { appliedChange?: number } | undefined;
      expect(pair?.role).toBe('standby');
      expect(pair?.appliedChange).toBe(activePair?.appliedChange);
    }, { timeout: 15_000 });
  }, 120_000);

  it("staff reach the active through the standby's address: a tap on the standby takes the repair on the active", async () => {
    site = await PairSite.start({ leakSensors: 1 });
    await site.startBoth();
    const active = await site.waitForActive(15_000);
    const standby = site.other(active);
    await site.publish('leak-1', true);
    await vi.waitFor(() => expect(site?.central.tickets()).toHaveLength(1), { timeout: 15_000 });
    const list = (await (await fetch(`${standby.url}/api/tickets`)).json()) as { tickets: { id: string; status: string }[] };
    const id = list.tickets[0]?.id ?? '';
    const res = await fetch(`${standby.url}/api/tickets/${id}/take`, { method: 'POST', headers: { authorization: `Bearer ${PAIR_ENGINEER_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const t = (await (await fetch(`${active.url}/api/tickets/${id}`)).json()) as { ticket: { status: string } };
    expect(t.ticket.status).toBe('acknowledged');
  }, 120_000);
});
