import { readFile, writeFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { expect, onTestFinished, vi } from 'vitest';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { createCentralService, type CentralService } from '../../simulators/central/index.js';
import { freePort } from '../../simulators/free-port.js';
import { kill9, startGatewayProcess, stopGateway, waitForPort, type GatewayProcess } from './gateway-process.js';
import { CONSOLE_LOGIN, writeLeakSite } from './leak-site.js';
import { bearer, staffUsers, type StaffMember } from './staff.js';
import { tempDir } from './temp-dir.js';

export interface AlertSeen {
  readonly ticketId: string;
  readonly number: string;
  readonly tier: string;
}

export interface LeakGateway {
  readonly central: CentralService;
  readonly dataDir: string;
  readonly siteFile: string;
  gw(): GatewayProcess;
  /** Alerts seen on the alert topic, all runs together. */
  readonly alerts: AlertSeen[];
  /** Sensor i reports wet or dry (QoS 1, once the broker of the running gateway takes it). */
  report(i: number, wet: boolean): Promise<void>;
  tickets(): Promise<Ticket[]>;
  ticket(id: string): Promise<Ticket>;
  /** The newest ticket of a sensor's leak, once there is one for which `ok` holds. */
  waitTicket(i: number, ok?: (t: Ticket) => boolean): Promise<Ticket>;
  /** Waits until an alert of the ticket is on the alert topic. */
  waitAlert(ticketId: string): Promise<void>;
  post(who: StaffMember, ticketId: string, step: string, body?: unknown): Promise<number>;
  restart(how: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * A real gateway process on a site of MQTT leak sensors, with the reference central service, the
 * test site's staff, and a staff console on the alert topic; `faults` tunes the leak rule.
 */
export async function leakGateway(opts: { sensors?: number; faults?: Record<string, unknown>; extra?: Record<string, unknown> } = {}): Promise<LeakGateway> {
  const sensors = opts.sensors ?? 3;
  const dir = await tempDir();
  const central = createCentralService({ tokens: ['lg-token'], progress: false });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const siteFile = await writeLeakSite({
    dir,
    sensors,
    mqttPort,
    httpPort,
    extra: { users: staffUsers(), central: { url: centralUrl, token: { value: 'lg-token' }, pollSeconds: 0.3 }, ...opts.extra },
  });
  if (opts.faults !== undefined) {
    const site = JSON.parse(await readFile(siteFile, 'utf8')) as { devices: { faults: Record<string, unknown> }[] };
    for (const d of site.devices) d.faults['water-leak'] = opts.faults;
    await writeFile(siteFile, JSON.stringify(site));
  }
  const dataDir = (JSON.parse(await readFile(siteFile, 'utf8')) as { dataDir: string }).dataDir;
  let gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });

  const alerts: AlertSeen[] = [];
  await waitForPort(mqttPort);
  const console = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { ...CONSOLE_LOGIN, reconnectPeriod: 100, clean: true });
  console.on('error', () => undefined);
  // Subscribed again after every reconnect (the embedded broker forgets it when the gateway restarts).
  let subscribed = false;
  console.on('close', () => {
    subscribed = false;
  });
  console.on('connect', () => {
    console.subscribeAsync('alerts/#', { qos: 1 }).then(
      () => {
        subscribed = true;
      },
      () => undefined,
    );
  });
  const consoleReady = () => vi.waitFor(() => expect(subscribed).toBe(true), { timeout: 20_000, interval: 50 });
  await consoleReady();
  console.on('message', (_t, p) => void alerts.push(JSON.parse(p.toString()) as AlertSeen));
  onTestFinished(() => console.endAsync(true));

  const base = (): string => gw.httpUrl;
  const tickets = async (): Promise<Ticket[]> => ((await (await fetch(`${base()}/api/tickets?limit=5000&order=asc`)).json()) as { tickets: Ticket[] }).tickets;
  return {
    central,
    dataDir,
    siteFile,
    gw: () => gw,
    alerts,
    async report(i, wet) {
      await waitForPort(mqttPort);
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: `leak-${i}`, password: `pw-${i}`, reconnectPeriod: 0 });
      await c.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: wet }), { qos: 1 });
      await c.endAsync();
    },
    tickets,
    async ticket(id) {
      const res = await fetch(`${base()}/api/tickets/${id}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { ticket: Ticket }).ticket;
    },
    async waitTicket(i, ok = () => true) {
      let found: Ticket | undefined;
      await vi.waitFor(
        async () => {
          found = (await tickets()).filter((t) => t.deviceId === `leak-${i}` && t.fault === 'water-leak' && ok(t)).at(-1);
          expect(found).toBeDefined();
        },
        { timeout: 20_000, interval: 100 },
      );
      return found as Ticket;
    },
    async waitAlert(ticketId) {
      await vi.waitFor(() => expect(alerts.some((a) => a.ticketId === ticketId)).toBe(true), { timeout: 20_000, interval: 100 });
    },
    async post(who, ticketId, step, body = {}) {
      const res = await fetch(`${base()}/api/tickets/${ticketId}/${step}`, { method: 'POST', headers: { ...bearer(who), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return res.status;
    },
    async restart(how) {
      if (how === 'SIGTERM') expect(await stopGateway(gw.child)).toBe(0);
      else await kill9(gw.child);
      gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
      await waitForPort(mqttPort);
      await consoleReady();
    },
  };
}
