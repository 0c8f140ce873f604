import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PairSite } from '../../simulators/ha/pair-site.js';
import { ensureBuilt } from '../helpers/gateway-process.js';

let site: PairSite | null = null;
afterEach(async () => {
  await site?.stop();
  site = null;
});

describe('two gateways on one site', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('the standby takes over when the active is SIGKILLed, and every fault is one ticket at central', async () => {
    site = await PairSite.start({ leakSensors: 3 });
    await site.startBoth();
    const first = await site.waitForActive(15_000);
    await site.publish('leak-1', true);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-1')).toHaveLength(1), { timeout: 15_000 });
    await first.child.kill();
    await site.publish('leak-2', true);
    const second = await site.waitForActive(15_000, first);
    expect(second).not.toBe(first);
    await vi.waitFor(() => expect(site?.central.tickets().filter((t) => t.deviceId === 'leak-2')).toHaveLength(1), { timeout: 15_000 });
    // The fault from before the kill is still one ticket: the new active continued the old one's store.
    expect(site.central.tickets().filter((t) => t.deviceId === 'leak-1')).toHaveLength(1);
  }, 120_000);
});
