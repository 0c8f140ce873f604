import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_STORE_FORMAT } from '../../gateway/runtime-flags.js';
import { PairSite, type PairGateway } from '../../simulators/ha/pair-site.js';
import { GatewayChild } from '../../simulators/scenarios/gateway-child.js';
import { ensureBuilt } from '../helpers/gateway-process.js';

const run = promisify(execFile);
let site: PairSite | null = null;
afterEach(async () => {
  await site?.stop();
  site = null;
});

const pairOf = async (g: PairGateway) => (await g.readyz())?.body['pair'] as { role?: string; code?: string; why?: string } | undefined;
const ha = (args: string[]) => run(process.execPath, ['dist/gateway/cli/ha.js', ...args], { timeout: 60_000 });

describe('upgrading a pair', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('a rolling upgrade under a stream of faults: standby restarted, switchover on command, the other restarted; every fault one ticket, every emergency alerted', async () => {
    site = await PairSite.start({ leakSensors: 8 });
    await site.startBoth();
    const first = await site.waitForActive(15_000);
    const second = site.other(first);
    // A fault every second and a half, through the whole upgrade.
    let n = 0;
    const stream = setInterval(() => {
      n += 1;
      if (n <= 8) void site?.publish(`leak-${n}`, true);
    }, 1_500);
    try {
      // 1. Stop the standby, "upgrade" it, start it again: it follows the active's store.
      await second.child.stop();
      await second.child.start();
      await site.waitForStandby(second, 20_000);
      // 2. Switch over on command: the standby becomes the active.
      const { stdout } = await ha(['switchover', first.siteFile]);
      expect(stdout).toMatch(/switched over in [\d.]+ s: gw-. is active/);
      expect(await site.waitForActive(15_000, first)).toBe(second);
      // 3. Stop the old active (now the standby), upgrade it, start it: the pair is whole again.
      await first.child.stop();
      await first.child.start();
      await site.waitForStandby(first, 20_000);
      const { stdout: status } = await ha(['status', first.siteFile]);
      expect(status).toContain(`active: ${second.id}`);
    } finally {
      await vi.waitFor(() => expect(n).toBeGreaterThanOrEqual(8), { timeout: 30_000 });
      clearInterval(stream);
    }
    await vi.waitFor(() => {
      for (let i = 1; i <= 8; i += 1) expect(site?.central.tickets().filter((t) => t.deviceId === `leak-${i}`), `leak-${i}`).toHaveLength(1);
    }, { timeout: 30_000 });
    const alerted = new Set(site.broker.published('alerts/emergency').map((m) => (JSON.parse(m.payload) as { ticketId?: string }).ticketId));
    for (const t of site.central.tickets()) expect(alerted.has(t.id), `${t.number} alerted`).toBe(true);
  }, 170_000);

  it('a standby of another store format refuses to replicate it and says why, and does not take over', async () => {
    site = await PairSite.start({ leakSensors: 1, env: {} });
    const [a, b] = site.gateways;
    await a.child.start();
    await site.waitForActive(15_000);
    // The second gateway runs a release that writes another store format.
    const other = new GatewayChild(b.siteFile, { CENTRAL_TOKEN: 'pair-site-token', [TEST_STORE_FORMAT]: '999' }, () => undefined);
    await other.start();
    try {
      await vi.waitFor(async () => {
        const r = await b.readyz();
        expect(r?.status).toBe(503);
        expect((r?.body['pair'] as { code?: string } | undefined)?.code).toBe('GW_HA_STORE_FORMAT');
      }, { timeout: 20_000 });
      await vi.waitFor(() => expect(other.lines.some((l) => l.includes('"code":"GW_HA_STORE_FORMAT"'))).toBe(true));
      await a.child.kill();
      await new Promise((r) => setTimeout(r, 6_000));
      expect((await pairOf(b))?.role).toBe('standby');
    } finally {
      await other.stop();
    }
  }, 120_000);
});
