import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { createCentralService } from '../../simulators/central/index.js';
import { freePort } from '../../simulators/free-port.js';
import { SimulatedPump } from '../../simulators/modbus/simulated-pump.js';
import { startExternalBroker } from '../../simulators/mqtt/external-broker.js';
import { ensureBuilt, kill9, startGatewayProcess, stopGateway } from '../helpers/gateway-process.js';
import { scrape } from '../helpers/metrics.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Ready {
  readonly reasons: readonly string[];
  readonly alerts: { undelivered: { number: string; channels: { id: string; error: string }[] }[] };
}

/**
 * Issue 13, item 3: an emergency alert is delivered or someone is told it could not be. A real
 * gateway process on the site's own broker (aedes, stopped and started by the test) and a pump over
 * Modbus TCP; the emergency is raised while the broker is down, the gateway is killed while the
 * alert is still undelivered, and the alert must arrive once the broker is back.
 */
describe('alert delivery', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('keeps an emergency alert on disk through a SIGKILL while the broker is down, says so on /readyz, and delivers it when the broker is back', async () => {
    const dir = await tempDir();
    const broker = await startExternalBroker({ persistent: true });
    onTestFinished(() => broker.close());
    const pump = new SimulatedPump({ tickMs: 200, noise: 0 });
    const modbusPort = await pump.start(0);
    onTestFinished(() => pump.stop());
    const central = createCentralService({ tokens: ['ad-token'], progress: false });
    const centralUrl = await central.start(0);
    onTestFinished(() => central.stop());
    const httpPort = await freePort();
    const siteFile = path.join(dir, 'site.json');
    await writeFile(
      siteFile,
      JSON.stringify({
        site: { id: 'ad-site', code: 'AD01', name: 'Alert delivery site' },
        broker: { mode: 'external', url: broker.url, clientId: 'ad-gateway' },
        http: { host: '127.0.0.1', port: httpPort },
        dataDir: path.join(dir, 'data'),
        central: { url: centralUrl, token: { value: 'ad-token' }, pollSeconds: 3600 },
        devices: [
          {
            id: 'pump-dw-1',
            kind: 'pump',
            name: '生活水泵 1#',
            supply: 'domestic',
            location: { building: 'T1', floor: 'B1', description: 'B1 生活水泵房' },
            // A 200 ms poll on a loaded machine can miss three polls in a row: no offline ticket beside the one under test.
            faults: { 'pump-failure': { onDelaySeconds: 0 }, 'device-offline': { windowSeconds: 60 } },
            source: {
              protocol: 'modbus',
              transport: { type: 'tcp', host: '127.0.0.1', port: modbusPort },
              pollMs: 200,
              timeoutMs: 500,
              points: [
                { id: 'runCommand', table: 'coil', address: 0, type: 'bool' },
                { id: 'running', table: 'discrete-input', address: 0, type: 'bool' },
                { id: 'faultCode', table: 'holding-register', address: 0, type: 'uint16' },
                { id: 'pressure', table: 'input-register', address: 0, type: 'float32', unit: 'bar' },
                { id: 'flow', table: 'input-register', address: 2, type: 'float32', unit: 'm3/h' },
              ],
            },
          },
        ],
      }),
    );

    // The engineers' console: a persistent session on the site broker, so what is published
    // while it is away (the broker restarting) is kept for it.
    const received: { topic: string; ticketId: string }[] = [];
    const console = mqtt.connect(broker.url, { clientId: 'staff-console', clean: false, reconnectPeriod: 100 });
    console.on('error', () => undefined);
    console.on('message', (topic, p) => void received.push({ topic, ticketId: (JSON.parse(p.toString()) as { ticketId: string }).ticketId }));
    onTestFinished(() => console.endAsync(true));
    await vi.waitFor(() => expect(console.connected).toBe(true));
    await console.subscribeAsync('alerts/#', { qos: 1 });

    let gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
    const ready = async (): Promise<{ status: number; body: Ready }> => {
      const res = await fetch(`${gw.httpUrl}/readyz`);
      return { status: res.status, body: (await res.json()) as Ready };
    };
    await vi.waitFor(async () => expect((await ready()).status).toBe(200), { timeout: 20_000, interval: 100 });

    // The site broker goes down; then the domestic-water pump fails: an emergency, over Modbus.
    await broker.stop();
    pump.setMode('failure');
    await vi.waitFor(() => expect(central.tickets().filter((t) => t.fault === 'pump-failure')).toHaveLength(1), { timeout: 20_000, interval: 100 });
    const ticket = central.tickets().find((t) => t.fault === 'pump-failure') as unknown as Ticket;
    expect(ticket.tier).toBe('emergency');
    // Nobody could be alerted: /readyz and its reasons say so in words.
    await vi.waitFor(
      async () => {
        const r = await ready();
        expect(r.status).toBe(503);
        expect(r.body.alerts.undelivered.map((u) => u.number)).toEqual([ticket.number]);
        expect(r.body.reasons.join('\n')).toMatch(new RegExp(`emergency alert ${ticket.number} .* could not be delivered on any channel: mqtt-alerts: MQTT broker (is not connected|did not acknowledge within 10 s)\\. Tell the engineer on duty by phone`));
      },
      // A publish written as the broker went away fails when its acknowledgement is 10 s late.
      { timeout: 30_000, interval: 100 },
    );
    expect(gw.events('notify.emergency_undelivered').length).toBeGreaterThan(0);

    // Killed while the alert is undelivered; started again with the broker still down.
    await kill9(gw.child);
    gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
    await vi.waitFor(() => expect(gw.events('notify.resend').map((e) => e['number'])).toEqual([ticket.number]), { timeout: 20_000, interval: 100 });
    await vi.waitFor(async () => expect((await ready()).body.alerts.undelivered.map((u) => u.number)).toEqual([ticket.number]), { timeout: 20_000, interval: 100 });
    expect(received.filter((r) => r.ticketId === ticket.id)).toEqual([]);

    // The broker comes back: the alert arrives, and the gateway is ready again.
    await broker.start();
    await vi.waitFor(() => expect(received.filter((r) => r.ticketId === ticket.id).map((r) => r.topic)).toContain('alerts/emergency'), { timeout: 60_000, interval: 100 });
    await vi.waitFor(async () => { const r = await ready(); expect(r.body.reasons).toEqual([]); expect(r.status).toBe(200); }, { timeout: 20_000, interval: 100 });
    const metrics = await scrape(gw.httpUrl);
    expect(metrics).toMatch(/gateway_alerts_total\{channel="mqtt-alerts",result="sent"\} [1-9]/);
    expect(metrics).toMatch(/^gateway_alerts_pending 0$/m);
    expect(metrics).toMatch(/^gateway_alerts_undelivered_emergencies 0$/m);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('gives up a general alert after notify.expireMinutes, counts it on /metrics and writes it on the ticket', async () => {
    const dir = await tempDir();
    // The site broker is down from the start.
    const broker = await startExternalBroker();
    await broker.stop();
    onTestFinished(() => broker.close());
    const pump = new SimulatedPump({ tickMs: 200, noise: 0 });
    const modbusPort = await pump.start(0);
    onTestFinished(() => pump.stop());
    const httpPort = await freePort();
    const siteFile = path.join(dir, 'site.json');
    await writeFile(
      siteFile,
      JSON.stringify({
        site: { id: 'ad-site', code: 'AD01', name: 'Alert delivery site' },
        broker: { mode: 'external', url: broker.url, clientId: 'ad-gateway-2' },
        http: { host: '127.0.0.1', port: httpPort },
        dataDir: path.join(dir, 'data'),
        // Twelve seconds, so the test does not wait an hour, and the first attempt surely falls inside it on a loaded machine.
        notify: { expireMinutes: 0.2 },
        devices: [
          {
            id: 'pump-sump-1',
            kind: 'pump',
            name: '排水泵 1#',
            // A drainage pump's failure is a general ticket, not an emergency.
            supply: 'drainage',
            location: { building: 'T1', floor: 'B2', description: 'B2 集水井' },
            // A 200 ms poll on a loaded machine can miss three polls in a row: no offline ticket beside the one under test.
            faults: { 'pump-failure': { onDelaySeconds: 0 }, 'device-offline': { windowSeconds: 60 } },
            source: {
              protocol: 'modbus',
              transport: { type: 'tcp', host: '127.0.0.1', port: modbusPort },
              pollMs: 200,
              timeoutMs: 500,
              points: [
                { id: 'runCommand', table: 'coil', address: 0, type: 'bool' },
                { id: 'running', table: 'discrete-input', address: 0, type: 'bool' },
                { id: 'faultCode', table: 'holding-register', address: 0, type: 'uint16' },
              ],
            },
          },
        ],
      }),
    );
    const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
    pump.setMode('failure');
    let ticket: Ticket | undefined;
    await vi.waitFor(
      async () => {
        const list = ((await (await fetch(`${gw.httpUrl}/api/tickets`)).json()) as { tickets: Ticket[] }).tickets;
        ticket = list.find((t) => t.fault === 'pump-failure');
        expect(ticket?.tier).toBe('general');
        expect(ticket?.history.map((h) => h.action)).toContain('alert-undelivered');
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(ticket?.history.find((h) => h.action === 'alert-undelivered')?.note).toMatch(/^告警未能经 mqtt-alerts 送达（12 秒内未成功：MQTT broker is not connected） \/ alert on mqtt-alerts not delivered within 12 s \(MQTT broker is not connected\)$/);
    const metrics = await scrape(gw.httpUrl);
    expect(metrics).toMatch(/gateway_alerts_given_up_total\{channel="mqtt-alerts",tier="general",why="expired"\} 1/);
    expect(metrics).toMatch(/^gateway_alerts_pending 0$/m);
    expect(gw.events('notify.given_up')).toEqual([expect.objectContaining({ code: 'GW_NOTIFY_EXPIRED', channel: 'mqtt-alerts', why: 'expired' })]);
    // A general alert that could not go out does not hold the gateway's readiness.
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
    expect(await stopGateway(gw.child)).toBe(0);
  });
});
