import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { SiteStatus } from '../../../cloud-sync/site-status.js';
import { StatusReporter } from '../../../cloud-sync/status-reporter.js';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { createCentralService } from '../../../simulators/central/index.js';
import { SiteWatch } from '../../../simulators/central/site-watch.js';
import { ContractValidator } from '../../../simulators/central/contract-validator.js';
import { captureLog } from '../../helpers/capture-log.js';
import { drained, syncSetup } from '../../helpers/sync-setup.js';

/** A status as the gateway builds it, with the parts a test changes. */
function status(o: { state?: 'online' | 'backoff'; heartbeatSeconds?: number } = {}): SiteStatus {
  const at = new Date(Date.UTC(2026, 11, 7, 2, 0, 0)).toISOString();
  return {
    siteId: 'site-1',
    gatewayId: 'gw-1',
    version: '0.1.0',
    role: 'single',
    state: 'running',
    startedAt: at,
    sentAt: at,
    heartbeatSeconds: o.heartbeatSeconds ?? 30,
    upstreams: [{ id: 'pump-gw', kind: 'modbus-tcp', address: '127.0.0.1:502', state: o.state ?? 'online', devices: 2, offlineDevices: o.state === 'backoff' ? 2 : 0, since: at, lastError: null }],
    alerts: { undeliveredEmergencies: 0, numbers: [] },
    outbox: { backlog: 0, oldestAgeSeconds: null, deadLetters: 0 },
    store: { writable: true, error: null },
    clock: { steps: 0, lastStep: null },
    lastReadingAt: at,
    lastAbsence: null,
  };
}

async function reporterOn(contract: '2.0' | '2.1', now: () => SiteStatus, clock = new ManualClock()) {
  const central = createCentralService({ tokens: ['t'], contract, clock });
  const url = await central.start(0);
  const config = { url, token: { value: 't' }, timeoutMs: 2_000, batchMaxItems: 10, batchMaxBytes: 100_000, pollSeconds: 10, maxRetryAfterSeconds: 60, outboxQuotaBytes: 1_000_000, heartbeatSeconds: 30 };
  const captured = captureLog();
  const log = { events: (e: string) => captured.text().split('\n').filter((l) => l.includes(`"event":"${e}"`)) };
  const reporter = new StatusReporter({ config, siteId: 'site-1', clock, log: captured.log, snapshot: now });
  onTestFinished(async () => {
    await reporter.stop();
    await central.stop();
  });
  const statusCalls = () => central.requests.filter((r) => r.url === '/v1/sites/site-1/status');
  return { central, reporter, clock, log, statusCalls };
}

describe('site status to the central service (contract 2.1)', () => {
  it('is what the contract document says', () => {
    expect(new ContractValidator().check('SiteStatus', status())).toEqual([]);
    expect(new ContractValidator().check('SiteStatus', { ...status(), role: 'primary' })).not.toEqual([]);
  });

  it('goes at start, every heartbeat, and at once when the health changes', async () => {
    let now = status();
    const { central, reporter, clock } = await reporterOn('2.1', () => now);
    reporter.start();
    await vi.waitFor(() => expect(central.statuses).toHaveLength(1));
    clock.advance(29_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(central.statuses).toHaveLength(1);
    clock.advance(1_000);
    await vi.waitFor(() => expect(central.statuses).toHaveLength(2));
    // The Modbus gateway goes down: told within the next second's look, not at the next heartbeat.
    now = status({ state: 'backoff' });
    clock.advance(1_000);
    await vi.waitFor(() => expect(central.statuses).toHaveLength(3));
    expect(central.statuses.at(-1)?.['upstreams']).toEqual([expect.objectContaining({ state: 'backoff', offlineDevices: 2 })]);
    await vi.waitFor(() => expect(reporter.status().state).toBe('idle'));
  });

  it('stops at a 2.0 service that answers 404, said once in the log, until the next start', async () => {
    const { reporter, clock, log, statusCalls } = await reporterOn('2.0', () => status());
    reporter.start();
    await vi.waitFor(() => expect(reporter.status().state).toBe('unsupported'));
    for (let i = 0; i < 5; i++) clock.advance(30_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(statusCalls()).toHaveLength(1);
    expect(log.events('sync.status_unsupported')).toHaveLength(1);
  });

  it('tells of a failure once per reason and tries again at the next heartbeat', async () => {
    const { central, reporter, clock, log } = await reporterOn('2.1', () => status());
    await central.inject({ kind: 'error500' });
    reporter.start();
    await vi.waitFor(() => expect(reporter.status().state).toBe('failing'));
    clock.advance(30_000);
    await vi.waitFor(() => expect(central.requests.filter((r) => r.status === 500)).toHaveLength(2));
    expect(log.events('sync.status_failed')).toHaveLength(1);
    await central.inject({ kind: 'none' });
    clock.advance(30_000);
    await vi.waitFor(() => expect(central.statuses).toHaveLength(1));
    await vi.waitFor(() => expect(reporter.status().state).toBe('idle'));
  });

  it('never delays an upload: a status hanging on a slow service leaves the tickets going', async () => {
    const s = await syncSetup();
    await s.central.inject({ kind: 'slow', delayMs: 5_000, on: 'status' });
    const reporter = new StatusReporter({ config: s.site.central, siteId: s.site.site.id, clock: new ManualClock(), log: silentLogger(), snapshot: () => ({ ...status(), siteId: s.site.site.id }) });
    onTestFinished(() => reporter.stop());
    reporter.start();
    await s.sender.start();
    await s.raise('emergency', 3);
    await drained(s.sender);
    // The tickets are there while the status is still waiting for its answer.
    expect(s.central.tickets()).toHaveLength(3);
    expect(s.central.statuses).toHaveLength(0);
  });
});

describe("the reference central service's silent-site rule", () => {
  it('reports a site silent after three intervals without a status, and recovered at the next one', () => {
    const clock = new ManualClock();
    const events: string[] = [];
    const watch = new SiteWatch(clock, (e) => events.push(`${e.kind}:${e.siteId}`));
    watch.start();
    watch.heard({ siteId: 'a', gatewayId: 'gw-a', state: 'running', heartbeatSeconds: 30, lastAbsence: null });
    watch.heard({ siteId: 'b', gatewayId: 'gw-b', state: 'running', heartbeatSeconds: 10, lastAbsence: null });
    clock.advance(29_000);
    expect(events).toEqual([]);
    clock.advance(2_000);
    expect(events).toEqual(['silent:b']);
    clock.advance(58_000);
    expect(events).toEqual(['silent:b']);
    clock.advance(2_000);
    expect(events).toEqual(['silent:b', 'silent:a']);
    expect(watch.report().map((r) => r.state)).toEqual(['silent', 'silent']);
    watch.heard({ siteId: 'a', gatewayId: 'gw-a', state: 'running', heartbeatSeconds: 30, lastAbsence: { cause: 'crash', seconds: 95 } });
    expect(events.at(-1)).toBe('recovered:a');
    expect(watch.events.at(-1)?.said).toBe('away 95 s, crash');
    expect(watch.report().find((r) => r.siteId === 'a')?.state).toBe('live');
    watch.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('judges silence on its own elapsed time and serves it on its report route', async () => {
    const clock = new ManualClock();
    const central = createCentralService({ tokens: ['t'], clock });
    const url = await central.start(0);
    onTestFinished(() => central.stop());
    const post = await fetch(`${url}/v1/sites/site-1/status`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: JSON.stringify(status({ heartbeatSeconds: 30 })) });
    expect(post.status).toBe(204);
    const bad = await fetch(`${url}/v1/sites/site-2/status`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: JSON.stringify(status()) });
    expect(bad.status).toBe(400);
    clock.advance(91_000);
    const report = (await (await fetch(`${url}/_admin/sites`)).json()) as { sites: { siteId: string; state: string }[]; events: { kind: string }[] };
    expect(report.sites).toEqual([expect.objectContaining({ siteId: 'site-1', state: 'silent' })]);
    expect(report.events.map((e) => e.kind)).toEqual(['silent']);
  });
});
