import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBuilt, startGatewayProcess, stopGateway } from '../helpers/gateway-process.js';
import { leakGateway } from '../helpers/leak-gateway.js';

/**
 * Issue 13, item 4: a number staff have seen, or the central service holds, is never given to
 * another ticket, even after the store had to start from an older generation.
 */
describe('ticket numbers', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('never gives an announced and uploaded number twice after the store recovers an older generation from its backup', async () => {
    const lg = await leakGateway({ sensors: 5, faults: { onDelaySeconds: 0, offDelaySeconds: 0 } });
    // Run 1: one ticket, then a clean stop (its snapshot becomes the backup of the next one).
    await lg.report(0, true);
    await lg.waitTicket(0);
    await lg.restart('SIGTERM');
    // Run 2: two more tickets, alerted and uploaded, then a clean stop.
    for (const i of [1, 2]) {
      await lg.report(i, true);
      const t = await lg.waitTicket(i);
      await lg.waitAlert(t.id);
    }
    await vi.waitFor(() => expect(lg.central.tickets()).toHaveLength(3), { timeout: 20_000, interval: 100 });
    const announced = lg.central.tickets().map((t) => t.number);
    const httpPort = Number(new URL(lg.gw().httpUrl).port);
    expect(await stopGateway(lg.gw().child)).toBe(0);

    // The newest snapshot is torn: the store starts from the backup, which knows one ticket only.
    const file = path.join(lg.dataDir, 'store.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, Math.floor(text.length / 2)));
    const gw = await startGatewayProcess(lg.siteFile, httpPort, { LOG_LEVEL: 'info' });
    await vi.waitFor(() => expect(gw.events('store.corrupt')).toEqual([expect.objectContaining({ recoveredFromBackup: true })]));
    expect(gw.events('tickets.numbering_resumed')).toHaveLength(1);
    expect((await (await fetch(`${gw.httpUrl}/api/tickets`)).json()) as unknown).toMatchObject({ total: 1 });

    await lg.report(3, true);
    let fresh = '';
    await vi.waitFor(
      async () => {
        const list = ((await (await fetch(`${gw.httpUrl}/api/tickets`)).json()) as { tickets: { deviceId: string; number: string }[] }).tickets;
        fresh = list.find((t) => t.deviceId === 'leak-3')?.number ?? '';
        expect(fresh).not.toBe('');
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(announced).not.toContain(fresh);
    const seq = (n: string): number => Number(n.slice(-4));
    expect(seq(fresh)).toBeGreaterThan(Math.max(...announced.map(seq)));
    // The central service ends up with every number once.
    await vi.waitFor(() => expect(lg.central.tickets()).toHaveLength(4), { timeout: 20_000, interval: 100 });
    const numbers = lg.central.tickets().map((t) => t.number);
    expect(new Set(numbers).size).toBe(4);
    expect(await stopGateway(gw.child)).toBe(0);
  });
});
