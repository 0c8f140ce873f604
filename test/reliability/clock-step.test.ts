import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { siteDay } from '../../core/local-time.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { freePort } from '../../simulators/free-port.js';
import { steppableClock } from '../helpers/faketime.js';
import { ensureBuilt, startGatewayProcess, stopGateway, waitForPort } from '../helpers/gateway-process.js';
import { CONSOLE_LOGIN, writeLeakSite } from '../helpers/leak-site.js';
import { bearer, staffUsers } from '../helpers/staff.js';
import { tempDir } from '../helpers/temp-dir.js';

const SENSORS = 4;
const HOUR_S = 3_600;
const DAY_S = 86_400;

interface Alert {
  readonly ticketId: string;
  readonly number: string;
  readonly tier: string;
}

/**
 * Issue 13, item 1: a real gateway process whose wall clock is stepped under it by Debian's
 * libfaketime (monotonic time left alone), while its sensors keep reporting and faults happen.
 */
describe('wall clock steps', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('alerts every emergency within its on-delay, answers staff writes, and raises no false offline or escalation when the clock steps back 1 h and forward 1 day', async () => {
    const dir = await tempDir();
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const siteFile = await writeLeakSite({
      dir,
      sensors: SENSORS,
      mqttPort,
      httpPort,
      extra: { users: staffUsers() },
    });
    // A heartbeat window of 6 s (device-offline) and a 2 s on-delay for the leak: what a step must not disturb.
    const site = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(siteFile, 'utf8'))) as { devices: { faults: Record<string, unknown>; source: Record<string, unknown> }[] };
    for (const d of site.devices) {
      d.faults['water-leak'] = { onDelaySeconds: 2, offDelaySeconds: 2 };
      d.source['heartbeatSeconds'] = 6;
    }
    await import('node:fs/promises').then((fs) => fs.writeFile(siteFile, JSON.stringify(site)));
    const clock = await steppableClock(dir);
    const gw = await startGatewayProcess(siteFile, httpPort, { ...clock.env, LOG_LEVEL: 'info' });
    await waitForPort(mqttPort);

    // Staff console: the alert topic. Sensors: a report from each every second, all along.
    const alerts: Alert[] = [];
    const staff = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { ...CONSOLE_LOGIN, reconnectPeriod: 200 });
    onTestFinished(() => staff.endAsync(true));
    staff.on('message', (_t, p) => void alerts.push(JSON.parse(p.toString()) as Alert));
    await staff.subscribeAsync('alerts/#', { qos: 1 });
    const wet = new Set<number>();
    const sensors = await Promise.all(
      Array.from({ length: SENSORS }, (_, i) => mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: `leak-${i}`, password: `pw-${i}`, reconnectPeriod: 200 })),
    );
    onTestFinished(() => Promise.all(sensors.map((c) => c.endAsync(true))).then(() => undefined));
    let rounds = 0;
    const report = (): void => {
      rounds += 1;
      sensors.forEach((c, i) => void c.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: wet.has(i) }), { qos: 1 }).catch(() => undefined));
    };
    report();
    const heartbeat = setInterval(report, 1_000);
    onTestFinished(() => clearInterval(heartbeat));

    const tickets = async (): Promise<Ticket[]> => ((await (await fetch(`${gw.httpUrl}/api/tickets?limit=5000`)).json()) as { tickets: Ticket[] }).tickets;
    const ready = async (): Promise<{ status: number; body: { store: { writable: boolean }; clock: { steps: number; lastStep: { deltaMs: number } | null } } }> => {
      const res = await fetch(`${gw.httpUrl}/readyz`);
      return { status: res.status, body: (await res.json()) as never };
    };
    /** A sensor goes wet and stays wet; resolves with its emergency alert once it is on the alert topic. */
    const leak = async (i: number): Promise<Alert> => {
      wet.add(i);
      report();
      let alert: Alert | undefined;
      await vi.waitFor(
        async () => {
          const t = (await tickets()).find((x) => x.deviceId === `leak-${i}` && x.fault === 'water-leak');
          alert = alerts.find((a) => a.ticketId === t?.id && a.tier === 'emergency');
          expect(alert).toBeDefined();
        },
        // The on-delay is 2 s: "within its on-delay plus a few seconds", with room for a loaded machine.
        { timeout: 15_000, interval: 100 },
      );
      return alert as Alert;
    };
    const rounds_after = async (n: number): Promise<void> => {
      const target = rounds + n;
      await vi.waitFor(() => expect(rounds).toBeGreaterThanOrEqual(target), { timeout: n * 3_000, interval: 200 });
    };

    // Before any step: one emergency, as a baseline.
    const first = await leak(0);

    // NTP steps the clock back an hour.
    await clock.offset(-HOUR_S);
    await vi.waitFor(() => expect(gw.events('clock.step')).toHaveLength(1), { timeout: 10_000, interval: 100 });
    const back = gw.events('clock.step')[0];
    expect(back).toMatchObject({ code: 'GW_CLOCK_STEP' });
    expect(Number(back?.['deltaMs'])).toBeLessThan(-(HOUR_S - 5) * 1000);
    expect(String(back?.['msg'])).toMatch(/stepped back 1 h\b.*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} -> \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(Asia\/Shanghai\)/);
    const second = await leak(1);
    // A staff write is answered (the store is not frozen for the hour).
    const ack = await fetch(`${gw.httpUrl}/api/tickets/${second.ticketId}/ack`, { method: 'POST', headers: { ...bearer('engineer'), 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(10_000) });
    expect(ack.status).toBe(200);
    const afterBack = await ready();
    expect(afterBack.status).toBe(200);
    expect(afterBack.body.store.writable).toBe(true);
    expect(afterBack.body.clock.steps).toBe(1);
    expect(afterBack.body.clock.lastStep?.deltaMs).toBeLessThan(0);

    // Then forward a day (from an hour behind to a day ahead).
    await clock.offset(DAY_S);
    await vi.waitFor(() => expect(gw.events('clock.step')).toHaveLength(2), { timeout: 10_000, interval: 100 });
    expect(Number(gw.events('clock.step')[1]?.['deltaMs'])).toBeGreaterThan((DAY_S + HOUR_S - 5) * 1000);
    const third = await leak(2);
    // Sensors keep reporting through more than two heartbeat windows after the step.
    await rounds_after(14);

    const all = await tickets();
    // No device went offline: each reported every second all along.
    expect(all.filter((t) => t.fault === 'device-offline').map((t) => t.deviceId)).toEqual([]);
    // The unacknowledged emergencies were not escalated by the day's jump (5 min of elapsed time have not passed).
    expect(all.filter((t) => t.history.some((h) => h.action === 'escalated')).map((t) => t.number)).toEqual([]);
    // Numbers: one per ticket, never twice, each of the site-local day it was raised on.
    const raised = [first, second, third].map((a) => all.find((t) => t.id === a.ticketId));
    expect(raised.every((t) => t !== undefined)).toBe(true);
    const numbers = all.map((t) => t.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const t of all) expect(t.number).toBe(`RL01-${siteDay(Date.parse(t.createdAt), 'Asia/Shanghai')}-${t.number.slice(-4)}`);
    // The ticket raised after the forward step belongs to the next local day.
    expect(siteDay(Date.parse(raised[2]?.createdAt ?? ''), 'Asia/Shanghai')).not.toBe(siteDay(Date.parse(raised[0]?.createdAt ?? ''), 'Asia/Shanghai'));
    expect(await stopGateway(gw.child)).toBe(0);
    expect(path.basename(siteFile)).toBe('site.json');
  });
});
