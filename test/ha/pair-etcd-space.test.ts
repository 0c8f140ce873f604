import { Etcd3 } from 'etcd3';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PairSite } from '../../simulators/ha/pair-site.js';
import { ensureBuilt } from '../helpers/gateway-process.js';

let site: PairSite | null = null;
afterEach(async () => {
  await site?.stop();
  site = null;
});

describe("etcd's space", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("a full quota (etcd's NOSPACE alarm) is a /readyz failure with what to do, the change waits unsaid, and it is made once etcd has room again", async () => {
    site = await PairSite.start({ leakSensors: 2, etcdQuotaBytes: 8 * 1024 * 1024 });
    await site.startBoth();
    const active = await site.waitForActive(15_000);
    const client = new Etcd3({ hosts: site.etcd.endpoints });
    try {
      // Something else on the witness fills etcd until it raises its NOSPACE alarm.
      const junk = 'x'.repeat(512 * 1024);
      for (let i = 0; ; i += 1) {
        const full = await client.put(`/other/junk-${i}`).value(junk).exec().then(() => false, (err: unknown) => /space exceeded/i.test(String(err)));
        if (full) break;
        if (i > 200) throw new Error('etcd never raised its NOSPACE alarm');
      }
      await site.publish('leak-1', true);
      await vi.waitFor(async () => {
        const r = await active.readyz();
        expect(r?.status).toBe(503);
        expect(JSON.stringify(r?.body['reasons'])).toContain('GW_HA_ETCD_SPACE');
      }, { timeout: 20_000 });
      expect(site.central.tickets()).toHaveLength(0);
      expect(site.broker.published('alerts/emergency')).toHaveLength(0);
      // The operator makes room: delete, compact, defragment, disarm (docs/high-availability.md).
      const del = await client.delete().prefix('/other/').exec();
      await client.kv.compact({ revision: del.header?.revision ?? '0', physical: true });
      for (const endpoint of site.etcd.endpoints) {
        const one = new Etcd3({ hosts: endpoint });
        await one.maintenance.defragment();
        one.close();
      }
      // As `etcdctl alarm disarm` does: each raised alarm deactivated for the member that raised it.
      const raised = await client.maintenance.alarm({ action: 'Get', memberID: '0', alarm: 'None' });
      for (const a of raised.alarms) await client.maintenance.alarm({ action: 'Deactivate', memberID: a.memberID, alarm: a.alarm });
      await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-1')).toHaveLength(1), { timeout: 30_000 });
      await vi.waitFor(async () => expect((await active.readyz())?.status).toBe(200), { timeout: 15_000 });
    } finally {
      client.close();
    }
  }, 150_000);
});
