import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway, waitForPort, type GatewayProcess } from '../helpers/gateway-process.js';
import { CONSOLE_LOGIN, writeLeakSite } from '../helpers/leak-site.js';
import { badInputByCode, scrape } from '../helpers/metrics.js';
import { closed, publishPacket, rawMqtt, subscribePacket } from '../helpers/raw-mqtt.js';
import { makeTestPki, type TestPki } from '../helpers/test-pki.js';
import { tempDir } from '../helpers/temp-dir.js';
import { webhookServer } from '../helpers/webhook-server.js';

const PENDING_PER_ADDRESS = 4;

interface Site {
  readonly gw: GatewayProcess;
  readonly mqttPort: number;
  readonly tlsPort: number;
}

/** A gateway process on three leak sensors and a console login, with small broker limits. */
async function startSite(pki?: TestPki): Promise<Site> {
  const dir = await tempDir();
  const mqttPort = await freePort();
  const tlsPort = await freePort();
  const httpPort = await freePort();
  const siteFile = await writeLeakSite({
    dir,
    sensors: 3,
    mqttPort,
    httpPort,
    extra: {
      broker: {
        maxPayloadBytes: 1024,
        maxPacketBytes: 4096,
        maxPendingLoginsPerAddress: PENDING_PER_ADDRESS,
        loginTimeoutSeconds: 2,
        ...(pki === undefined ? {} : { tls: { port: tlsPort, certFile: pki.serverCertFile, keyFile: pki.serverKeyFile } }),
      },
    },
  });
  const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
  await waitForPort(mqttPort);
  return { gw, mqttPort, tlsPort };
}

async function refusals(gw: GatewayProcess): Promise<Record<string, number>> {
  return badInputByCode(await scrape(gw.httpUrl));
}

async function tickets(url: string): Promise<string[]> {
  return ((await (await fetch(`${url}/api/tickets`)).json()) as { tickets: { deviceId: string }[] }).tickets.map((t) => t.deviceId);
}

/** Sensor `leak-i` logs in at `url`, goes wet, and its ticket is raised. */
async function raisesTicket(gw: GatewayProcess, url: string, i: number, tls: { ca?: Buffer } = {}): Promise<void> {
  const dev = await mqtt.connectAsync(url, { username: `leak-${i}`, password: `pw-${i}`, reconnectPeriod: 0, ...tls });
  onTestFinished(() => dev.endAsync(true));
  await dev.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: true }), { qos: 1 });
  await vi.waitFor(async () => expect(await tickets(gw.httpUrl)).toEqual([`leak-${i}`]), { timeout: 20_000, interval: 100 });
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    onTestFinished(() => void s.destroy());
  });
}

describe('the embedded broker against a hostile client on the LAN', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('closes a connection whose CONNECT declares a huge length as soon as its header arrives, before login', async () => {
    const { gw, mqttPort } = await startSite();
    const sockets = await Promise.all(Array.from({ length: 3 }, () => rawSocket(mqttPort)));
    for (const s of sockets) {
      s.on('error', () => undefined);
      // CONNECT (0x10), remaining length 200,000,000 as a variable byte integer, then bytes streamed.
      s.write(Buffer.from([0x10, 0x80, 0x84, 0xaf, 0x5f]));
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = (): void => {
        while (!s.destroyed && s.write(chunk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    }
    await Promise.all(sockets.map((s) => closed(s)));
    await vi.waitFor(async () => expect((await refusals(gw))['GW_MQTT_PACKET_TOO_LARGE']).toBe(3), { timeout: 20_000, interval: 100 });
    // Logged in, a device is held to the same limit: a publish declaring more is cut on its header.
    const dev = await rawMqtt(mqttPort, 'leak-0', 'pw-0');
    dev.on('error', () => undefined);
    dev.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    await closed(dev);
    await vi.waitFor(async () => expect((await refusals(gw))['GW_MQTT_PACKET_TOO_LARGE']).toBe(4), { timeout: 20_000, interval: 100 });
    await raisesTicket(gw, `mqtt://127.0.0.1:${mqttPort}`, 0);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('bounds the connections that have not logged in, in number per address and in time, and devices still log in', async () => {
    const { gw, mqttPort } = await startSite();
    const idle = await Promise.all(Array.from({ length: PENDING_PER_ADDRESS + 6 }, () => rawSocket(mqttPort)));
    for (const s of idle) s.on('error', () => undefined);
    // Six over the per-address bound are closed at once; the other four when their login time is up.
    await Promise.all(idle.map((s) => closed(s)));
    await vi.waitFor(async () => expect((await refusals(gw))['GW_MQTT_LOGIN_LIMIT']).toBe(PENDING_PER_ADDRESS + 6), { timeout: 20_000, interval: 100 });
    expect(gw.lines.some((l) => l.includes('GW_MQTT_LOGIN_LIMIT'))).toBe(true);
    await raisesTicket(gw, `mqtt://127.0.0.1:${mqttPort}`, 1);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it("refuses a login that uses another login's client id, and the real device stays connected", async () => {
    const { gw, mqttPort } = await startSite();
    const victim = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'leak-2', username: 'leak-2', password: 'pw-2', reconnectPeriod: 0 });
    onTestFinished(() => victim.endAsync(true));
    // An id no username claims belongs to the first login that used it.
    const sim = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'sim-leak-2', username: 'leak-2', password: 'pw-2', reconnectPeriod: 0 });
    onTestFinished(() => sim.endAsync(true));
    let cutOff = 0;
    victim.on('close', () => void (cutOff += 1));
    sim.on('close', () => void (cutOff += 1));
    for (let i = 0; i < 6; i++) {
      await expect(rawMqtt(mqttPort, 'leak-1', 'pw-1', 'leak-2')).rejects.toThrow(/return code 2/);
      await expect(rawMqtt(mqttPort, 'leak-1', 'pw-1', 'sim-leak-2')).rejects.toThrow(/return code 2/);
    }
    // The longest username wins: `console` may not take `leak-2-x`, leak-2 may.
    await expect(rawMqtt(mqttPort, CONSOLE_LOGIN.username, CONSOLE_LOGIN.password, 'leak-2-x')).rejects.toThrow(/return code 2/);
    const own = await rawMqtt(mqttPort, 'leak-2', 'pw-2', 'leak-2-x');
    own.destroy();
    await victim.publishAsync('site/leak-2/wet', JSON.stringify({ value: false }), { qos: 1 });
    await sim.publishAsync('site/leak-2/wet', JSON.stringify({ value: false }), { qos: 1 });
    expect(cutOff).toBe(0);
    await vi.waitFor(async () => expect((await refusals(gw))['GW_MQTT_NOT_AUTHORIZED']).toBe(13), { timeout: 20_000, interval: 100 });
    expect(gw.lines.some((l) => l.includes('may not use client id') && l.includes('leak-2'))).toBe(true);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('lets a device read nothing and a console read only the alerts it is granted, and publish nothing', async () => {
    const { gw, mqttPort } = await startSite();
    const device = await rawMqtt(mqttPort, 'leak-0', 'pw-0');
    device.write(subscribePacket('alerts/#'));
    await closed(device);
    const wide = await rawMqtt(mqttPort, CONSOLE_LOGIN.username, CONSOLE_LOGIN.password);
    wide.write(subscribePacket('#'));
    await closed(wide);
    const forger = await rawMqtt(mqttPort, CONSOLE_LOGIN.username, CONSOLE_LOGIN.password);
    forger.write(publishPacket('site/leak-0/wet', JSON.stringify({ value: true }), 1));
    await closed(forger);
    await vi.waitFor(async () => expect((await refusals(gw))['GW_MQTT_NOT_AUTHORIZED']).toBe(3), { timeout: 20_000, interval: 100 });

    const staff = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { ...CONSOLE_LOGIN, reconnectPeriod: 0 });
    onTestFinished(() => staff.endAsync(true));
    await staff.subscribeAsync('alerts/emergency', { qos: 1 });
    const got = new Promise<string>((resolve) => staff.on('message', (topic) => resolve(topic)));
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'leak-0', password: 'pw-0', reconnectPeriod: 0 });
    onTestFinished(() => dev.endAsync(true));
    await dev.publishAsync('site/leak-0/wet', JSON.stringify({ value: true }), { qos: 1 });
    expect(await got).toBe('alerts/emergency');
    expect(await tickets(gw.httpUrl)).toEqual(['leak-0']);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('keeps descriptors for devices, alerts and the store while 1,000 idle sockets hold the broker and HTTP ports', async () => {
    const dir = await tempDir();
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const siteFile = await writeLeakSite({ dir, sensors: 3, mqttPort, httpPort });
    // 1,024 files: HTTP gets at most (1,024 - 512) / 2 = 256 connections, MQTT logins waiting 256.
    const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' }, 1024);
    await waitForPort(mqttPort);
    const staff = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { ...CONSOLE_LOGIN, reconnectPeriod: 0 });
    onTestFinished(() => staff.endAsync(true));
    await staff.subscribeAsync('alerts/#', { qos: 1 });
    const alerted = new Promise<string>((resolve) => staff.on('message', (topic) => resolve(topic)));
    const hostile = (port: number, i: number): Promise<Socket | null> =>
      new Promise((resolve) => {
        const s = connect({ port, host: '127.0.0.1', localAddress: `127.0.2.${1 + (i % 10)}` }, () => resolve(s));
        s.on('error', () => resolve(null));
        s.resume();
        onTestFinished(() => void s.destroy());
      });
    // 200 on the broker stay under its 256 logins waiting (filling those is the login bound's test).
    const held = await Promise.all([...Array.from({ length: 800 }, (_, i) => hostile(httpPort, i)), ...Array.from({ length: 200 }, (_, i) => hostile(mqttPort, i))]);
    expect(held.filter((s) => s !== null).length).toBeGreaterThan(500);
    expect(gw.lines.some((l) => l.includes('http.connection_cap'))).toBe(true);
    // A device still logs in, its ticket is written to disk (persist first) and its alert goes out.
    const dev = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { username: 'leak-1', password: 'pw-1', reconnectPeriod: 500 });
    dev.on('error', () => undefined);
    onTestFinished(() => dev.endAsync(true));
    await dev.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    expect(await alerted).toBe('alerts/emergency');
    for (const s of held) s?.destroy();
    await vi.waitFor(async () => expect(await tickets(gw.httpUrl)).toEqual(['leak-1']), { timeout: 60_000, interval: 200 });
    expect(gw.lines.filter((l) => l.includes('EMFILE') || l.includes('GW_STORE_WRITE_FAILED'))).toEqual([]);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('says so when the open-file limit cannot hold every MQTT device, refuses the devices beyond it with a word, and still writes tickets', async () => {
    const dir = await tempDir();
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const hook = await webhookServer();
    // 600 files: after the store's reserve of 512, HTTP clients get 44 and the broker 44 connections, for 50 sensors and a console.
    const siteFile = await writeLeakSite({
      dir,
      sensors: 50,
      mqttPort,
      httpPort,
      extra: {
        http: { host: '127.0.0.1', port: httpPort, publicUrl: `http://127.0.0.1:${httpPort}` },
        notify: { channels: [{ id: 'mqtt', type: 'mqtt', topic: 'alerts/{tier}' }, { id: 'desk', type: 'webhook', url: { value: `${hook.url}/desk` } }] },
      },
    });
    const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' }, 600);
    await waitForPort(mqttPort);
    // The gateway's lines arrive through a pipe: wait for them rather than racing the port.
    await vi.waitFor(() => expect(gw.events('mqtt.connection_cap')).toMatchObject([{ level: 50, logins: 51, maxConnections: 44, fileLimit: 600 }]), { timeout: 20_000, interval: 100 });
    // The desk hears it at once, not when a sensor beyond the cap is found silent hours later.
    await vi.waitFor(() => expect(hook.received.map((r) => JSON.stringify(r.body)).join()).toContain('GW_MQTT_CONNECTION_LIMIT'), { timeout: 20_000, interval: 100 });

    const staff = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { ...CONSOLE_LOGIN, reconnectPeriod: 0 });
    onTestFinished(() => staff.endAsync(true));
    await staff.subscribeAsync('alerts/emergency', { qos: 1 });
    const alerted = new Promise<string>((resolve) => staff.on('message', (topic) => resolve(topic)));
    const sensors: Socket[] = [];
    for (let i = 0; i < 43; i++) sensors.push(await rawMqtt(mqttPort, `leak-${i}`, `pw-${i}`));
    // The 45th connection is refused by the broker, counted and logged: not closed in silence by the kernel.
    await expect(rawMqtt(mqttPort, 'leak-43', 'pw-43')).rejects.toThrow();
    await vi.waitFor(async () => expect((await refusals(gw))['GW_MQTT_CONNECTION_LIMIT']).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 100 });
    await vi.waitFor(() => expect(gw.lines.some((l) => l.includes('GW_MQTT_CONNECTION_LIMIT') && l.includes('refused'))).toBe(true), { timeout: 20_000, interval: 100 });

    // A sensor inside the cap still raises its ticket, written to disk, and its alert goes out.
    sensors[0]?.write(publishPacket('site/leak-0/wet', JSON.stringify({ value: true }), 1));
    expect(await alerted).toBe('alerts/emergency');
    await vi.waitFor(async () => expect(await tickets(gw.httpUrl)).toEqual(['leak-0']), { timeout: 20_000, interval: 100 });
    expect(gw.lines.filter((l) => l.includes('EMFILE') || l.includes('GW_STORE_WRITE_FAILED'))).toEqual([]);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('serves devices over mqtts with the certificate files of the site file', async () => {
    const pki = await makeTestPki(await tempDir());
    const { gw, tlsPort } = await startSite(pki);
    await waitForPort(tlsPort);
    await raisesTicket(gw, `mqtts://127.0.0.1:${tlsPort}`, 1, { ca: await pki.read(pki.caFile) });
    // A client that does not trust the site's CA gets no session.
    await expect(mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, { username: 'leak-1', password: 'pw-1', ca: await pki.read(pki.otherCaFile), reconnectPeriod: 0, connectTimeout: 5_000 })).rejects.toThrow();
    // The same bound holds behind TLS: an oversized CONNECT is cut on its header.
    await cutOnHeader(tlsPort, pki);
    expect(await stopGateway(gw.child)).toBe(0);
  });
});

/** An mqtts connection that sends a CONNECT header declaring 100 MB: resolves when the broker cuts it. */
async function cutOnHeader(port: number, pki: TestPki): Promise<void> {
  const ca = await pki.read(pki.caFile);
  return new Promise((resolve) => {
    const s = tlsConnect({ port, host: '127.0.0.1', ca }, () => {
      s.write(Buffer.from([0x10, 0x80, 0xc2, 0xd7, 0x2f]));
      s.write(Buffer.alloc(32 * 1024, 0x41));
    });
    onTestFinished(() => void s.destroy());
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
}
