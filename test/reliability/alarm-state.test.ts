import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBuilt } from '../helpers/gateway-process.js';
import { leakGateway } from '../helpers/leak-gateway.js';

/**
 * Issue 13, item 2: the alarm state matches the world across restarts and across central closing
 * or patrol rejecting a ticket. Real gateway processes, the reference central service.
 */
describe('alarm state after restarts and closes', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it.each(['SIGTERM', 'SIGKILL'] as const)('a leak restored active across a %s clears on a dry reading, and wet again after central closed its ticket raises a new linked ticket and alert', async (how) => {
    const lg = await leakGateway({ faults: { onDelaySeconds: 0, offDelaySeconds: 2 } });
    await lg.report(0, true);
    const first = await lg.waitTicket(0);
    await lg.waitAlert(first.id);
    // On disk and at the central service before the restart.
    await vi.waitFor(() => expect(lg.central.ticket(first.id)).toBeDefined(), { timeout: 20_000 });

    await lg.restart(how);
    await lg.report(0, false);
    // The restored alarm clears after its off-delay like a live one, and the ticket says so.
    await vi.waitFor(async () => expect((await lg.ticket(first.id)).condition).toBe('normal'), { timeout: 20_000, interval: 100 });

    lg.central.setStatus(first.id, 'closed');
    await vi.waitFor(async () => expect((await lg.ticket(first.id)).status).toBe('closed'), { timeout: 20_000, interval: 100 });
    await lg.report(0, true);
    const second = await lg.waitTicket(0, (t) => t.id !== first.id);
    expect(second.repeatOf).toBe(first.id);
    expect(second.status).toBe('raised');
    await lg.waitAlert(second.id);
  });

  it('a fault that comes back while its closed ticket waited out the off-delay raises a new ticket and alert', async () => {
    // A long off-delay: the close lands inside it.
    const lg = await leakGateway({ faults: { onDelaySeconds: 0, offDelaySeconds: 60 } });
    await lg.report(0, true);
    const first = await lg.waitTicket(0);
    await lg.report(0, false);
    lg.central.setStatus(first.id, 'closed');
    await vi.waitFor(async () => expect((await lg.ticket(first.id)).status).toBe('closed'), { timeout: 20_000, interval: 100 });
    // Closed while the condition was gone: the alarm is normal at once, and the ticket says so.
    await vi.waitFor(async () => expect((await lg.ticket(first.id)).condition).toBe('normal'), { timeout: 20_000, interval: 100 });
    await lg.report(0, true);
    const second = await lg.waitTicket(0, (t) => t.id !== first.id);
    expect(second.repeatOf).toBe(first.id);
    await lg.waitAlert(second.id);
  });

  it('a ticket rejected as a false alarm follows its alarm back to normal, and the fault coming back raises a new linked ticket', async () => {
    const lg = await leakGateway({ faults: { onDelaySeconds: 0, offDelaySeconds: 60 } });
    await lg.report(1, true);
    const first = await lg.waitTicket(1);
    expect(await lg.post('patrol', first.id, 'reject', { reason: '现场无异常' })).toBe(200);
    expect((await lg.ticket(first.id)).condition).toBe('active');
    await lg.report(1, false);
    await vi.waitFor(async () => expect((await lg.ticket(first.id)).condition).toBe('normal'), { timeout: 20_000, interval: 100 });
    expect((await lg.ticket(first.id)).status).toBe('rejected');
    await lg.report(1, true);
    const second = await lg.waitTicket(1, (t) => t.id !== first.id);
    expect(second.repeatOf).toBe(first.id);
    await lg.waitAlert(second.id);
  });
});
