import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createCentralService } from '../../simulators/central/index.js';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway, waitForPort, type GatewayProcess } from '../helpers/gateway-process.js';
import { CONSOLE_LOGIN, writeLeakSite } from '../helpers/leak-site.js';
import { secretLeaks } from '../helpers/log-secrets.js';
import { badInputByCode, scrape } from '../helpers/metrics.js';
import { closed, nextPacket, publishPacket, rawMqtt, subscribePacket } from '../helpers/raw-mqtt.js';
import { tempDir } from '../helpers/temp-dir.js';

// Every secret the site holds; none may appear in any log line of any gateway this file starts.
const SECRETS = {
  central: 'central-token-5f1e9a',
  webhookKey: 'webhook-key-77c2d0',
  dingtalkToken: 'dingtalk-access-9b3e44',
  dingtalkSecret: 'SECdingtalk-sign-0a6f1c',
  device: (i: number) => `device-pw-${i}-d41d8c`,
};
const SENSORS = 3;
const MAX_PAYLOAD = 1024;
const BODY_LIMIT = 4096;
const allLines: string[] = [];

interface Site {
  readonly gw: GatewayProcess;
  readonly mqttPort: number;
  readonly webhookHits: IncomingMessage[];
}

/**
 * A gateway process at debug level (the most it ever logs) on a site with device passwords, a
 * central token, a webhook whose URL carries a key, and a DingTalk robot whose URL carries its
 * access token and which signs with a secret (pointed at a closed port, so it fails and logs).
 */
async function startSite(): Promise<Site> {
  const dir = await tempDir();
  const central = createCentralService({ tokens: [SECRETS.central], progress: false });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const webhookHits: IncomingMessage[] = [];
  const hook = createServer((req, res) => {
    webhookHits.push(req);
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => hook.close(() => r())));
  const closedPort = await freePort();
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const siteFile = await writeLeakSite({
    dir,
    sensors: SENSORS,
    mqttPort,
    httpPort,
    password: SECRETS.device,
    extra: {
      broker: { mode: 'embedded', host: '127.0.0.1', port: mqttPort, maxPayloadBytes: MAX_PAYLOAD },
      http: { host: '127.0.0.1', port: httpPort, bodyLimitBytes: BODY_LIMIT, publicUrl: `http://127.0.0.1:${httpPort}` },
      central: { url: centralUrl, token: { env: 'SEC_CENTRAL_TOKEN' }, pollSeconds: 1 },
      notify: {
        channels: [
          { id: 'staff-mqtt', type: 'mqtt' },
          { id: 'hook', type: 'webhook', url: { value: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook?key=${SECRETS.webhookKey}` }, retries: 0 },
          { id: 'ding', type: 'dingtalk', url: { value: `http://127.0.0.1:${closedPort}/robot/send?access_token=${SECRETS.dingtalkToken}` }, secret: { env: 'SEC_DING_SECRET' }, retries: 1 },
        ],
      },
    },
  });
  const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'debug', SEC_CENTRAL_TOKEN: SECRETS.central, SEC_DING_SECRET: SECRETS.dingtalkSecret });
  onTestFinished(() => void allLines.push(...gw.lines));
  await waitForPort(mqttPort);
  return { gw, mqttPort, webhookHits };
}

async function tickets(url: string): Promise<string[]> {
  return ((await (await fetch(`${url}/api/tickets`)).json()) as { tickets: { deviceId: string }[] }).tickets.map((t) => t.deviceId);
}

describe('security', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('refuses a wrong password and a device publishing or subscribing outside its ACL, and counts each', async () => {
    const { gw, mqttPort } = await startSite();
    await expect(rawMqtt(mqttPort, 'leak-0', 'wrong')).rejects.toThrow(/return code 5|return code 4/);
    await expect(rawMqtt(mqttPort, 'nobody', SECRETS.device(0))).rejects.toThrow();

    // Another device's topic: refused, connection closed, no ticket.
    const intruder = await rawMqtt(mqttPort, 'leak-1', SECRETS.device(1));
    intruder.write(publishPacket('site/leak-0/wet', JSON.stringify({ value: true }), 1));
    await closed(intruder);
    // A forged broker message ($SYS/{broker}/new/clients makes aedes close that client id).
    const victim = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'victim-2', username: 'leak-2', password: SECRETS.device(2), reconnectPeriod: 0 });
    onTestFinished(() => victim.endAsync(true));
    let victimClosed = false;
    victim.on('close', () => void (victimClosed = true));
    const forger = await rawMqtt(mqttPort, 'leak-1', SECRETS.device(1));
    forger.write(publishPacket('$SYS/other-broker/new/clients', 'victim-2', 1));
    await closed(forger);
    // Subscribing to device topics: refused.
    const snoop = await rawMqtt(mqttPort, 'leak-1', SECRETS.device(1));
    snoop.write(subscribePacket('site/#'));
    await closed(snoop);

    await victim.publishAsync('site/leak-2/wet', JSON.stringify({ value: false }), { qos: 1 });
    expect(victimClosed).toBe(false);
    await vi.waitFor(async () => expect(badInputByCode(await scrape(gw.httpUrl))['GW_MQTT_NOT_AUTHORIZED']).toBe(5), { timeout: 20_000, interval: 100 });
    expect(await tickets(gw.httpUrl)).toEqual([]);
    // A staff console (its own login, not a device's) may read alerts.
    const staff = await rawMqtt(mqttPort, CONSOLE_LOGIN.username, CONSOLE_LOGIN.password);
    staff.write(subscribePacket('alerts/#'));
    expect((await nextPacket(staff)).cmd).toBe('suback');
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('refuses and counts an oversized MQTT payload; the device may go on with normal ones', async () => {
    const { gw, mqttPort } = await startSite();
    const big = await rawMqtt(mqttPort, 'leak-0', SECRETS.device(0));
    big.write(publishPacket('site/leak-0/wet', JSON.stringify({ value: true, pad: 'x'.repeat(MAX_PAYLOAD) }), 1));
    await closed(big);
    await vi.waitFor(async () => expect(badInputByCode(await scrape(gw.httpUrl))['GW_MQTT_PAYLOAD_TOO_LARGE']).toBe(1), { timeout: 20_000, interval: 100 });
    expect(await tickets(gw.httpUrl)).toEqual([]);
    const ok = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'leak-0', password: SECRETS.device(0), reconnectPeriod: 0 });
    onTestFinished(() => ok.endAsync(true));
    await ok.publishAsync('site/leak-0/wet', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(async () => expect(await tickets(gw.httpUrl)).toEqual(['leak-0']), { timeout: 20_000, interval: 100 });
    expect(await stopGateway(gw.child)).toBe(0);
  });

  // Routes that accept a body are listed here as they are added (the staff write API adds its own
  // token and role checks and tests). Today no route takes a body: a large one must still be refused.
  const bodyTargets: [string, string][] = [
    ['POST', '/api/tickets'],
    ['PUT', '/api/tickets'],
    ['POST', '/metrics'],
    ['DELETE', '/api/tickets'],
  ];
  it('refuses an oversized request body on every route and stays up', async () => {
    const { gw } = await startSite();
    for (const [method, route] of bodyTargets) {
      for (const type of ['application/json', 'text/plain', 'application/octet-stream']) {
        const res = await fetch(`${gw.httpUrl}${route}`, { method, headers: { 'content-type': type }, body: 'x'.repeat(BODY_LIMIT * 16) });
        expect(res.status, `${method} ${route} ${type}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${route} ${type}`).toBeLessThan(500);
        await res.arrayBuffer();
      }
    }
    expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('syncs and alerts with its secrets, across a failing robot, without logging them', async () => {
    const { gw, mqttPort, webhookHits } = await startSite();
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'leak-0', password: SECRETS.device(0), reconnectPeriod: 0 });
    onTestFinished(() => c.endAsync(true));
    await c.publishAsync('site/leak-0/wet', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(() => expect(webhookHits.length).toBeGreaterThan(0), { timeout: 20_000 });
    await vi.waitFor(async () => expect(((await (await fetch(`${gw.httpUrl}/readyz`)).json()) as { sync: { backlog: number } }).sync.backlog).toBe(0), { timeout: 20_000, interval: 100 });
    // The DingTalk robot is unreachable: its failure is logged (without its URL's token).
    await vi.waitFor(() => expect(gw.lines.some((l) => l.includes('GW_NOTIFY_FAILED'))).toBe(true), { timeout: 30_000, interval: 100 });
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('writes no password, token or webhook secret in any log line of the whole run, and no unhandled rejection', () => {
    expect(allLines.length).toBeGreaterThan(20);
    const secrets = [SECRETS.central, SECRETS.webhookKey, SECRETS.dingtalkToken, SECRETS.dingtalkSecret, ...Array.from({ length: SENSORS }, (_, i) => SECRETS.device(i))];
    expect(secretLeaks(allLines, secrets)).toEqual([]);
    expect(allLines.filter((l) => l.includes('process.unhandled_rejection'))).toEqual([]);
  });
});
