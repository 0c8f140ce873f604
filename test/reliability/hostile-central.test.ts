import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createCentralService } from '../../simulators/central/index.js';
import type { CentralFault } from '../../simulators/central/fault-injector.js';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway } from '../helpers/gateway-process.js';
import { writeLeakSite } from '../helpers/leak-site.js';
import { tempDir } from '../helpers/temp-dir.js';

const SENSORS = 30;

/**
 * Issue 17: a real gateway process syncing to a central service that goes through every way of
 * misbehaving the contract forbids (and the old failures: 500s, drops, replays, hangs, down), one
 * after another while leaks keep raising emergencies, with hostile status updates in its feed. At
 * the end every ticket is at central once in effect, nothing was acted on that broke the contract,
 * and the process never had an unhandled rejection.
 */
describe('hostile central service', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('ends with every ticket at central once in effect, every bad update refused and kept, and no unhandled rejection', async () => {
    const dir = await tempDir();
    const central = createCentralService({ tokens: ['hc-token'], progress: { dispatchAfterMs: 300, inProgressAfterMs: 600, resolveAfterMs: 60_000, closeAfterMs: 120_000 } });
    const centralUrl = await central.start(0);
    onTestFinished(() => central.stop());
    // Where a redirect points: it must never see a request.
    const elsewhere = createCentralService({ tokens: ['hc-token'], progress: false });
    const elsewhereUrl = await elsewhere.start(0);
    onTestFinished(() => elsewhere.stop());
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const siteFile = await writeLeakSite({
      dir,
      sensors: SENSORS,
      mqttPort,
      httpPort,
      extra: { central: { url: centralUrl, token: { value: 'hc-token' }, batchMaxItems: 4, pollSeconds: 0.5, timeoutMs: 2_000, maxRetryAfterSeconds: 1 } },
    });
    const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });

    const faults: CentralFault[] = [
      { kind: 'unavailable', retryAfterSeconds: 3_000_000 },
      { kind: 'reply', on: 'batch', status: 200, body: {} },
      { kind: 'unavailable', retryAfterSeconds: 86_400 },
      { kind: 'reply', on: 'batch', status: 200, body: { results: 'ok' } },
      { kind: 'reply', on: 'batch', status: 200, body: { results: [] } },
      { kind: 'unknown-result', result: 'queued' },
      { kind: 'redirect', status: 307, location: `${elsewhereUrl}/v1/tickets/batch` },
      { kind: 'reply', on: 'updates', status: 200, body: { updates: { not: 'a list' }, cursor: 7 } },
      { kind: 'error500' },
      { kind: 'drop', when: 'after-apply' },
      { kind: 'drop', when: 'before-apply' },
      { kind: 'duplicate' },
      { kind: 'slow', delayMs: 3_000 },
      { kind: 'down' },
    ];
    let next = 0;
    const flip = async (): Promise<void> => {
      const i = next++ % SENSORS;
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: `leak-${i}`, password: `pw-${i}`, reconnectPeriod: 0 });
      await c.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: next <= SENSORS }), { qos: 1 });
      await c.endAsync();
    };
    let hostile = 0;
    for (const fault of faults) {
      await central.inject(fault);
      // New emergencies meet the fault at once (each one probes the service through any backoff).
      await flip();
      await flip();
      // And the feed carries updates the gateway must refuse: a move back, a status off the contract.
      const some = central.tickets().at(-1);
      if (some !== undefined) {
        central.pushRawUpdate({ ticketId: some.id, status: 'raised' });
        central.pushRawUpdate({ ticketId: some.id, status: 'pwned<script>' });
        hostile += 2;
      }
      await new Promise((r) => setTimeout(r, 1_500));
    }
    await central.inject({ kind: 'none' });
    await flip();

    const api = async <T>(path: string): Promise<T> => (await (await fetch(`${gw.httpUrl}${path}`)).json()) as T;
    await vi.waitFor(async () => expect((await api<{ sync: { backlog: number } }>('/readyz')).sync.backlog).toBe(0), { timeout: 90_000, interval: 250 });
    const tickets = (await api<{ tickets: { id: string; version: number }[] }>('/api/tickets?limit=1000')).tickets;
    expect(tickets.length).toBeGreaterThan(faults.length);
    for (const t of tickets) expect(central.ticket(t.id), `ticket ${t.id} at central`).toBeDefined();
    expect(central.doubleEffects()).toEqual([]);
    expect(central.contractViolations).toEqual([]);
    expect(elsewhere.requests).toEqual([]);
    // Every hostile update refused and kept as a dead letter; nothing central sent for a ticket was an upload rejection.
    await vi.waitFor(async () => {
      const letters = (await api<{ deadLetters: { update?: { status: string } }[] }>('/api/dead-letters')).deadLetters;
      expect(letters.filter((d) => d.update === undefined)).toEqual([]);
      expect(letters.filter((d) => d.update?.status === 'raised' || d.update?.status === 'pwned<script>')).toHaveLength(hostile);
    }, { timeout: 20_000, interval: 250 });
    const stored = JSON.stringify(await api('/api/tickets?limit=1000'));
    expect(stored).not.toContain('pwned');
    expect(gw.lines.filter((l) => l.includes('process.unhandled_rejection') || l.includes('uncaught'))).toEqual([]);
    process.stdout.write(`hostile central: ${faults.length} modes, ${tickets.length} tickets, ${central.requests.length} requests, ${hostile} hostile updates refused\n`);
    expect(await stopGateway(gw.child)).toBe(0);
  }, 240_000);
});
