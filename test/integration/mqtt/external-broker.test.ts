import mqtt, { type IClientOptions } from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { UpstreamChange } from '../../../core/adapter.js';
import { ExternalBroker, MqttSource } from '../../../adapters/mqtt/config.js';
import { createMqttAdapter, type MqttAdapter } from '../../../adapters/mqtt/index.js';
import type { Reading } from '../../../core/reading.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger, type Logger } from '../../../core/log.js';
import { captureLog } from '../../helpers/capture-log.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { TestBroker } from '../../helpers/test-broker.js';
import { makeTestPki } from '../../helpers/test-pki.js';

const WAIT = { timeout: 15_000, interval: 50 };

interface Started {
  readonly adapter: MqttAdapter;
  readonly readings: Reading[];
  readonly upstream: UpstreamChange[];
}

/** The gateway's adapter as a client of an external broker, with one leak sensor behind it. */
async function startExternal(broker: Record<string, unknown>, opts: { env?: NodeJS.ProcessEnv; log?: Logger; publishTimeoutMs?: number } = {}): Promise<Started> {
  const adapter = await createMqttAdapter(
    {
      broker: ExternalBroker.parse({ mode: 'external', clientId: 'gw-test', ...broker }),
      devices: [{ id: 'leak-1', source: MqttSource.parse({ protocol: 'mqtt', points: [{ id: 'wet' }, { id: 'battery' }] }) }],
      backoff: { baseMs: 50, capMs: 300 },
      ...(opts.publishTimeoutMs === undefined ? {} : { publishTimeoutMs: opts.publishTimeoutMs }),
    },
    { clock: systemClock, log: opts.log ?? silentLogger(), env: opts.env ?? {} },
  );
  const readings: Reading[] = [];
  const upstream: UpstreamChange[] = [];
  adapter.on('reading', (r) => readings.push(r));
  adapter.on('upstream', (u) => upstream.push(u));
  onTestFinished(() => adapter.stop());
  await adapter.start();
  return { adapter, readings, upstream };
}

/** A device on the same broker, publishing as a real client. */
async function device(url: string, extra: IClientOptions = {}): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: 'dev-leak-1', reconnectPeriod: 0, ...extra });
  c.on('error', () => undefined);
  onTestFinished(() => c.endAsync(true));
  return c;
}

const good = (readings: Reading[], pointId: string, value: unknown): boolean => readings.some((r) => r.pointId === pointId && r.quality === 'good' && r.value === value);

describe('MQTT adapter on an external broker', () => {
  it('gets the QoS 1 readings published while it was cut off, from its persistent session', async () => {
    const broker = await TestBroker.start();
    const { adapter, readings, upstream } = await startExternal({ url: broker.url, clientId: 'gw-site-1' });
    await vi.waitFor(() => expect(adapter.status().state).toBe('online'), WAIT);
    const dev = await device(broker.url);

    broker.hold('gw-site-1');
    await vi.waitFor(() => expect(upstream.map((u) => u.up)).toEqual([false]), WAIT);
    expect(readings.filter((r) => r.quality === 'bad').map((r) => r.pointId).sort()).toEqual(['battery', 'wet']);
    expect(adapter.status().connected).toBe(false);
    // Published and acknowledged by the broker while the gateway is away.
    await dev.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await dev.publishAsync('site/leak-1/battery', JSON.stringify({ value: 81 }), { qos: 1 });
    expect(good(readings, 'wet', true)).toBe(false);

    broker.release('gw-site-1');
    await vi.waitFor(() => expect(good(readings, 'wet', true) && good(readings, 'battery', 81)).toBe(true), WAIT);
    expect(upstream.map((u) => u.up)).toEqual([false, true]);
    expect(adapter.status().upstreams[0]).toMatchObject({ kind: 'mqtt-broker', state: 'online' });
    expect(adapter.status().upstreams[0]?.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('reports the broker going away as upstream down once, and up when it is back', async () => {
    const broker = await TestBroker.start();
    const { adapter, readings, upstream } = await startExternal({ url: broker.url });
    await vi.waitFor(() => expect(adapter.status().connected).toBe(true), WAIT);
    await broker.stopNetwork();
    await vi.waitFor(() => expect(adapter.status().upstreams[0]?.reconnects).toBeGreaterThanOrEqual(2), WAIT);
    expect(upstream.map((u) => u.up)).toEqual([false]);
    expect(upstream[0]?.upstream).toMatchObject({ kind: 'mqtt-broker', address: broker.url, deviceIds: ['leak-1'] });
    await broker.startNetwork();
    await vi.waitFor(() => expect(upstream.map((u) => u.up)).toEqual([false, true]), WAIT);
    const dev = await device(broker.url);
    await dev.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(() => expect(good(readings, 'wet', true)).toBe(true), WAIT);
  });

  it('logs in with the user name, password (from the environment) and client id of the site file', async () => {
    const broker = await TestBroker.start({ users: { gateway: 'pw-from-env-1', device: 'dev-pw' } });
    const { adapter, readings } = await startExternal(
      { url: broker.url, username: 'gateway', password: { env: 'MQTT_BROKER_PASSWORD' }, clientId: 'gw-custom-id' },
      { env: { MQTT_BROKER_PASSWORD: 'pw-from-env-1' } },
    );
    await vi.waitFor(() => expect(adapter.status().connected).toBe(true), WAIT);
    expect(broker.isConnected('gw-custom-id')).toBe(true);
    const dev = await device(broker.url, { username: 'device', password: 'dev-pw' });
    await dev.publishAsync('site/leak-1/battery', JSON.stringify({ value: 64 }), { qos: 1 });
    await vi.waitFor(() => expect(good(readings, 'battery', 64)).toBe(true), WAIT);
  });

  it('reports a refused login in its status, keeps retrying with backoff, and never logs the password', async () => {
    const broker = await TestBroker.start({ users: { gateway: 'right-pw' } });
    const capture = captureLog();
    const { adapter, upstream } = await startExternal(
      { url: broker.url, username: 'gateway', password: { env: 'MQTT_BROKER_PASSWORD' } },
      { env: { MQTT_BROKER_PASSWORD: 'wrong-pw-7f3a' }, log: capture.log },
    );
    // The broker counts a refusal before the adapter has read its CONNACK: wait for both.
    await vi.waitFor(() => {
      expect(broker.refusals).toBeGreaterThanOrEqual(3);
      expect(adapter.status().errors['GW_MQTT_NOT_AUTHORIZED']).toBeGreaterThanOrEqual(3);
    }, WAIT);
    const status = adapter.status();
    expect(status.state === 'backoff' || status.state === 'connecting').toBe(true);
    expect(status.connected).toBe(false);
    expect(status.lastError).toMatch(/refused the login of user "gateway"/);
    expect(status.errors['GW_MQTT_NOT_AUTHORIZED']).toBeGreaterThanOrEqual(3);
    expect(upstream.map((u) => u.up)).toEqual([false]);
    expect(capture.text()).toContain('GW_MQTT_NOT_AUTHORIZED');
    expect(capture.text()).not.toContain('wrong-pw-7f3a');
  });

  it('reports a subscription the broker refuses in its status', async () => {
    const broker = await TestBroker.start({ denySubscriptions: ['site/leak-1/+'] });
    const { adapter } = await startExternal({ url: broker.url });
    await vi.waitFor(() => expect(adapter.status().errors['GW_MQTT_NOT_AUTHORIZED']).toBe(1), WAIT);
    expect(adapter.status()).toMatchObject({ connected: true, lastError: 'the broker refused the subscription to site/leak-1/+' });
  });

  it('connects over mqtts:// with the CA, certificate and key files of the site file', async () => {
    const pki = await makeTestPki(await tempDir());
    const [key, cert, ca] = await Promise.all([pki.read(pki.serverKeyFile), pki.read(pki.serverCertFile), pki.read(pki.caFile)]);
    const broker = await TestBroker.start({ transport: { kind: 'tls', key, cert, ca } });
    expect(broker.url).toMatch(/^mqtts:/);
    const { adapter, readings } = await startExternal({ url: broker.url, caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile });
    await vi.waitFor(() => expect(adapter.status().connected).toBe(true), WAIT);
    const dev = await device(broker.url, { ca, cert: await pki.read(pki.clientCertFile), key: await pki.read(pki.clientKeyFile) });
    await dev.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(() => expect(good(readings, 'wet', true)).toBe(true), WAIT);

    // Trusting the wrong CA: a clear status, retries, no crash.
    const wrong = await startExternal({ url: broker.url, clientId: 'gw-wrong-ca', caFile: pki.otherCaFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile });
    await vi.waitFor(() => expect(wrong.adapter.status().upstreams[0]?.reconnects).toBeGreaterThanOrEqual(2), WAIT);
    expect(wrong.adapter.status().connected).toBe(false);
    expect(wrong.adapter.status().lastError).toMatch(new RegExp(`TLS handshake failed: the broker's certificate is not trusted by caFile ${pki.otherCaFile}`));
    expect(wrong.adapter.status().errors['GW_MQTT_CONNECTION']).toBeGreaterThanOrEqual(2);
  });

  it('connects over wss:// with the same CA, certificate and key files', async () => {
    const pki = await makeTestPki(await tempDir());
    const [key, cert, ca] = await Promise.all([pki.read(pki.serverKeyFile), pki.read(pki.serverCertFile), pki.read(pki.caFile)]);
    const broker = await TestBroker.start({ transport: { kind: 'wss', key, cert, ca } });
    expect(broker.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    const { adapter, readings } = await startExternal({ url: broker.url, caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile });
    await vi.waitFor(() => expect(adapter.status().connected).toBe(true), WAIT);
    const dev = await device(broker.url, { ca, cert: await pki.read(pki.clientCertFile), key: await pki.read(pki.clientKeyFile) });
    await dev.publishAsync('site/leak-1/battery', JSON.stringify({ value: 58 }), { qos: 1 });
    await vi.waitFor(() => expect(good(readings, 'battery', 58)).toBe(true), WAIT);
  });

  it('says which certificate file it cannot read, without throwing', async () => {
    const broker = await TestBroker.start();
    const { adapter } = await startExternal({ url: broker.url.replace('mqtt:', 'mqtts:'), caFile: '/nonexistent/ca.crt' });
    await vi.waitFor(() => expect(adapter.status().lastError).toMatch(/broker\.caFile \/nonexistent\/ca\.crt cannot be read/), WAIT);
    expect(adapter.status().state).not.toBe('online');
  });

  it('receives readings over ws://', async () => {
    const broker = await TestBroker.start({ transport: { kind: 'ws' } });
    expect(broker.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    const { adapter, readings } = await startExternal({ url: broker.url });
    await vi.waitFor(() => expect(adapter.status().connected).toBe(true), WAIT);
    const dev = await device(broker.url);
    await dev.publishAsync('site/leak-1/battery', '{"value": 77}', { qos: 1 });
    await vi.waitFor(() => expect(good(readings, 'battery', 77)).toBe(true), WAIT);
  });

  it('fails an alert publish the broker never acknowledges, and does not send it a second time on reconnect', async () => {
    // The broker takes the alert and stalls (as one wedged on its disk does): without a bound the
    // publish would wait for a reconnect, which may be hours, with the alert neither sent nor failed.
    let stalled = true;
    const broker = await TestBroker.start({ stallPublishes: (topic) => stalled && topic.startsWith('alerts/') });
    const { adapter, upstream } = await startExternal({ url: broker.url, clientId: 'gw-stall' }, { publishTimeoutMs: 500 });
    await vi.waitFor(() => expect(adapter.status().state).toBe('online'), WAIT);
    const consoleClient = await device(broker.url, { clientId: 'staff-console', reconnectPeriod: 100 });
    const got: string[] = [];
    consoleClient.on('message', (_t, p) => void got.push(p.toString()));
    await consoleClient.subscribeAsync('alerts/#', { qos: 1 });

    await expect(adapter.publish('alerts/emergency', 'first', { qos: 1 })).rejects.toThrow('MQTT broker did not acknowledge within 0.5 s');

    // The broker recovers and the link is made again: the retry is delivered, the timed-out copy is not.
    stalled = false;
    await broker.stopNetwork();
    await broker.startNetwork();
    await vi.waitFor(() => expect(upstream.map((u) => u.up)).toEqual([false, true]), WAIT);
    await vi.waitFor(() => expect(consoleClient.connected).toBe(true), WAIT);
    await consoleClient.subscribeAsync('alerts/#', { qos: 1 });
    await adapter.publish('alerts/emergency', 'retry', { qos: 1 });
    await vi.waitFor(() => expect(got).toContain('retry'), WAIT);
    expect(got).not.toContain('first');
  });
});
