import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway, type Gateway } from '../../../gateway/app.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { createCentralService } from '../../../simulators/central/index.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MINUTE = 60_000;

describe('spine: a wet reading becomes one durable, synced ticket', () => {
  it('raises one emergency ticket with number and deadlines at the central service, and survives a restart without resending', async () => {
    const dataDir = await tempDir();
    const central = createCentralService({ tokens: ['t0k3n'], progress: false });
    const centralUrl = await central.start(0);
    onTestFinished(() => central.stop());
    // On-delay 0 keeps the test quick; the 5 s default is covered by the detection tests.
    const base = testSite();
    const site = testSite({
      dataDir,
      central: { url: centralUrl, token: { value: 't0k3n' }, pollSeconds: 0.2 },
      devices: [{ ...base.devices[0]!, faults: { 'water-leak': { onDelaySeconds: 0 } } }],
    });

    const start = async (): Promise<Gateway> => {
      const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
      await gw.start();
      onTestFinished(() => gw.stop());
      return gw;
    };
    const connect = async (gw: Gateway) => {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, { username: 'leak-1', password: 'secret-leak-1', reconnectPeriod: 0 });
      onTestFinished(() => c.endAsync(true));
      return c;
    };

    let gw = await start();
    let device = await connect(gw);
    await device.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });

    await vi.waitFor(() => expect(central.tickets()).toHaveLength(1), { timeout: 20_000, interval: 50 });
    const received = central.tickets()[0]!;
    expect(received).toMatchObject({ fault: 'water-leak', tier: 'emergency', deviceId: 'leak-1', status: 'raised' });
    expect(received.number).toMatch(/^TS01-\d{8}-0001$/);
    const created = Date.parse(received.createdAt);
    expect(Date.parse(received.deadlines.acknowledgeBy) - created).toBe(5 * MINUTE);
    expect(Date.parse(received.deadlines.dispatchBy) - created).toBe(15 * MINUTE);
    expect(Date.parse(received.deadlines.onSiteBy ?? '') - created).toBe(5 * MINUTE); // water: on site within 5 min whatever the tier
    expect(Date.parse(received.deadlines.resolveBy) - created).toBe(240 * MINUTE);
    await vi.waitFor(() => expect(gw.sync.status().backlog).toBe(0), { timeout: 10_000 });
    const metrics = await (await fetch(`${gw.httpUrl()}/metrics`)).text();
    expect(metrics).toContain('gateway_tickets_raised_total{tier="emergency",fault="water-leak"} 1');
    expect(metrics).toContain('gateway_outbox_backlog 0');
    expect(metrics).toMatch(/gateway_readings_total [1-9]/);
    const listed = (await (await fetch(`${gw.httpUrl()}/api/tickets`)).json()) as { tickets: { number: string }[] };
    expect(listed.tickets.map((t) => t.number)).toEqual([received.number]);
    expect(await (await fetch(`${gw.httpUrl()}/api/dead-letters`)).json()).toEqual({ deadLetters: [] });
    expect(metrics).toContain('gateway_sync_last_error_timestamp_seconds 0');
    const bad = await fetch(`${gw.httpUrl()}/api/tickets?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('GW_API_BAD_REQUEST');
    const ready = (await (await fetch(`${gw.httpUrl()}/readyz`)).json()) as { ready: boolean };
    expect(ready.ready).toBe(true);

    await device.endAsync(true);
    await gw.stop();
    gw = await start();
    expect(gw.tickets.all().map((t) => t.number)).toEqual([received.number]);
    expect(gw.sync.status().backlog).toBe(0);

    // The next ticket continues the sequence.
    device = await connect(gw);
    await device.publishAsync('site/leak-1/battery', JSON.stringify({ value: 5 }), { qos: 1 });
    await vi.waitFor(() => expect(central.tickets()).toHaveLength(2), { timeout: 20_000, interval: 50 });
    const second = central.tickets().find((t) => t.id !== received.id)!;
    expect(second).toMatchObject({ fault: 'battery-low', tier: 'low' });
    expect(second.number).toBe(received.number.replace(/-0001$/, '-0002'));
    // Not sent twice: one effect for the first ticket, across the restart.
    expect(central.effects(received.id)).toBe(1);
    expect(central.doubleEffects()).toEqual([]);
  });
});

describe('a central service that refuses the token', () => {
  it('stops uploads, turns readiness red and alerts staff on the alert topic, losing nothing', async () => {
    const central = createCentralService({ tokens: ['right-token'], progress: false });
    const centralUrl = await central.start(0);
    onTestFinished(() => central.stop());
    const base = testSite();
    const site = testSite({
      dataDir: await tempDir(),
      central: { url: centralUrl, token: { value: 'wrong-token' } },
      devices: [{ ...base.devices[0]!, faults: { 'water-leak': { onDelaySeconds: 0 } } }],
    });
    const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
    await gw.start();
    onTestFinished(() => gw.stop());
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, { username: 'leak-1', password: 'secret-leak-1', reconnectPeriod: 0 });
    onTestFinished(() => c.endAsync(true));
    // Devices read nothing: the staff console has its own login.
    const staff = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, { username: 'console', password: 'pw-console', reconnectPeriod: 0 });
    onTestFinished(() => staff.endAsync(true));
    await staff.subscribeAsync('alerts/#', { qos: 1 });
    const alerts: { topic: string; fault: string }[] = [];
    staff.on('message', (topic, p) => alerts.push({ topic, fault: (JSON.parse(p.toString()) as { fault: string }).fault }));
    await c.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });

    await vi.waitFor(() => expect(alerts).toContainEqual({ topic: 'alerts/system', fault: 'GW_SYNC_UNAUTHORIZED' }), { timeout: 10_000 });
    expect(alerts).toContainEqual({ topic: 'alerts/emergency', fault: 'water-leak' });
    const ready = await fetch(`${gw.httpUrl()}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toContain('central service refuses the token');
    expect(gw.sync.status()).toMatchObject({ state: 'unauthorized', backlog: 1 });
    expect(central.tickets()).toEqual([]);
  });
});
