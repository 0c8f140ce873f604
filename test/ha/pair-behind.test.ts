import { readdir } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PAIR_ENGINEER_TOKEN, PairSite, type PairGateway } from '../../simulators/ha/pair-site.js';
import { ensureBuilt } from '../helpers/gateway-process.js';

let site: PairSite | null = null;
afterEach(async () => {
  await site?.stop();
  site = null;
});

const pairOf = async (g: PairGateway) => (await g.readyz())?.body['pair'] as { role?: string; appliedChange?: number; follow?: string } | undefined;
const ticketIds = async (g: PairGateway): Promise<string[]> => ((await (await fetch(`${g.url}/api/tickets`)).json()) as { tickets: { id: string }[] }).tickets.map((t) => t.id).sort();

describe('a standby away for more changes than etcd keeps', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("copies the active's store, keeps its own aside, follows from there, and carries on with every ticket when the active dies", async () => {
    // etcd keeps the last 100 changes: a few hundred made while the standby is stopped are more.
    site = await PairSite.start({ leakSensors: 1, keptChanges: 100 });
    await site.startBoth();
    const first = await site.waitForActive(15_000);
    const second = site.other(first);
    // Only the other gateway reads the store, with the pair's secret from etcd: nobody on the LAN.
    expect((await fetch(`${first.url}/api/pair/store`)).status).toBe(401);
    expect((await fetch(`${first.url}/api/pair/store`, { headers: { 'x-pair-secret': 'f'.repeat(64) } })).status).toBe(401);
    await second.child.stop();

    const from = (await pairOf(first))?.appliedChange ?? 0;
    // Staff report faults with a photo each (a ticket, its alerts and its outbox entry: changes)
    // until 400 changes are made.
    const auth = { authorization: `Bearer ${PAIR_ENGINEER_TOKEN}` };
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2_000, 7)]);
    let reports = 0;
    while (((await pairOf(first))?.appliedChange ?? 0) <= from + 400) {
      const up = await fetch(`${first.url}/api/attachments`, { method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: jpeg });
      const photo = ((await up.json()) as { attachment: { id: string } }).attachment.id;
      const res = await fetch(`${first.url}/api/tickets`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ place: { building: 'T1', floor: `${1 + (reports % 30)}F`, description: `走廊 ${reports}` }, fault: 'water-leak', publicArea: true, photos: [photo] }) });
      expect(res.status, await res.text()).toBe(201);
      reports += 1;
    }
    await second.child.start();
    await site.waitForStandby(second, 30_000);
    await vi.waitFor(async () => expect((await pairOf(second))?.appliedChange).toBe((await pairOf(first))?.appliedChange), { timeout: 20_000 });
    expect(second.child.lines.some((l) => l.includes('"event":"ha.store_copied"')), site.dump()).toBe(true);
    expect((await readdir(second.dataDir)).some((f) => f.startsWith('pair-behind-'))).toBe(true);

    const held = await ticketIds(first);
    expect(held.length).toBe(reports);
    await first.child.kill();
    const next = await site.waitForActive(15_000);
    expect(next).toBe(second);
    expect(await ticketIds(second)).toEqual(held);
  }, 180_000);
});
