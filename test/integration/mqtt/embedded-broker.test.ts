import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdapterError } from '../../../core/adapter.js';
import { createMqttAdapter, type MqttAdapter } from '../../../adapters/mqtt/index.js';
import type { Reading } from '../../../core/reading.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { testSite } from '../../helpers/site.js';

async function startAdapter(): Promise<{ adapter: MqttAdapter; url: string; readings: Reading[]; errors: AdapterError[] }> {
  const site = testSite({
    broker: { mode: 'embedded', host: '127.0.0.1', port: 0, maxPayloadBytes: 256, logins: [{ username: 'console', password: { value: 'pw-console' }, subscribe: ['alerts/#'] }] },
    devices: [
      {
        id: 'leak-1',
        kind: 'leak-sensor',
        name: 'leak 1',
        location: { building: 'T1', floor: 'B1', description: 'B1' },
        source: { protocol: 'mqtt', username: 'leak-1', password: { value: 'pw-1' }, points: [{ id: 'wet' }, { id: 'battery', range: { min: 0, max: 100 } }] },
      },
      {
        id: 'leak-2',
        kind: 'leak-sensor',
        name: 'leak 2',
        location: { building: 'T1', floor: '2F', description: '2F' },
        source: { protocol: 'mqtt', username: 'leak-2', password: { value: 'pw-2' }, points: [{ id: 'wet', decoder: { type: 'boolean' } }] },
      },
    ],
  });
  const adapter = await createMqttAdapter(
    { broker: site.broker, devices: site.devices.flatMap((d) => (d.source.protocol === 'mqtt' ? [{ id: d.id, source: d.source }] : [])) },
    { clock: systemClock, log: silentLogger() },
  );
  const readings: Reading[] = [];
  const errors: AdapterError[] = [];
  adapter.on('reading', (r) => readings.push(r));
  adapter.on('error', (e) => errors.push(e));
  await adapter.start();
  onTestFinished(() => adapter.stop());
  return { adapter, url: `mqtt://127.0.0.1:${adapter.address()?.port}`, readings, errors };
}

async function device(url: string, username: string, password: string): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(url, { username, password, reconnectPeriod: 0 });
  onTestFinished(() => c.endAsync(true));
  return c;
}

describe('MQTT adapter on the embedded broker', () => {
  it('turns a device publish into a good reading, consumed in-process', async () => {
    const { url, readings } = await startAdapter();
    const c = await device(url, 'leak-1', 'pw-1');
    await c.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(() => expect(readings).toEqual([expect.objectContaining({ deviceId: 'leak-1', pointId: 'wet', value: true, quality: 'good' })]));
  });

  it("writes packet ids without mqtt-packet's table of 65,536 Buffers (6 MB of heap kept for good)", async () => {
    mqttPacket.writeToStream.cacheNumbers = true;
    const { url } = await startAdapter();
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
    // The broker still acknowledges QoS 1 with the right packet id.
    const c = await device(url, 'leak-1', 'pw-1');
    await c.publishAsync('site/leak-1/battery', JSON.stringify({ value: 80 }), { qos: 1 });
  });

  it('refuses a wrong password', async () => {
    const { url, errors } = await startAdapter();
    await expect(mqtt.connectAsync(url, { username: 'leak-1', password: 'nope', reconnectPeriod: 0 })).rejects.toThrow();
    expect(errors.some((e) => e.code === 'GW_MQTT_NOT_AUTHORIZED')).toBe(true);
  });

  it("refuses a device publishing on another device's topic", async () => {
    const { url, readings, errors } = await startAdapter();
    const c = await device(url, 'leak-2', 'pw-2');
    c.on('error', () => undefined);
    c.publish('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 0 });
    await vi.waitFor(() => expect(errors.some((e) => e.code === 'GW_MQTT_NOT_AUTHORIZED' && e.deviceId === 'leak-2')).toBe(true));
    expect(readings).toEqual([]);
  });

  it('refuses and counts an oversized payload', async () => {
    const { adapter, url, readings } = await startAdapter();
    const c = await device(url, 'leak-1', 'pw-1');
    c.on('error', () => undefined);
    c.publish('site/leak-1/wet', JSON.stringify({ value: true, pad: 'x'.repeat(1000) }), { qos: 0 });
    await vi.waitFor(() => expect(adapter.status().errors['GW_MQTT_PAYLOAD_TOO_LARGE']).toBe(1));
    expect(readings).toEqual([]);
  });

  it('counts malformed payloads per device and keeps the other points flowing', async () => {
    const { adapter, url, readings } = await startAdapter();
    const c1 = await device(url, 'leak-1', 'pw-1');
    const c2 = await device(url, 'leak-2', 'pw-2');
    await c1.publishAsync('site/leak-1/wet', 'not json', { qos: 1 });
    await c1.publishAsync('site/leak-1/battery', JSON.stringify({ value: 250 }), { qos: 1 });
    await c1.publishAsync('site/leak-1/battery', '{"value":NaN}', { qos: 1 });
    await c2.publishAsync('site/leak-2/wet', 'WET', { qos: 1 });
    await c1.publishAsync('site/leak-1/battery', JSON.stringify({ value: 87 }), { qos: 1 });
    await vi.waitFor(() => expect(readings).toHaveLength(2));
    expect(readings.map((r) => `${r.deviceId}/${r.pointId}=${String(r.value)}`)).toEqual(['leak-2/wet=true', 'leak-1/battery=87']);
    const leak1 = adapter.status().devices.find((d) => d.deviceId === 'leak-1');
    expect(leak1?.errors).toEqual({ GW_MQTT_DECODE: 2, GW_READING_INVALID: 1 });
  });

  it('publishes alerts that a staff console subscribed to alerts/# receives at QoS 1', async () => {
    const { adapter, url } = await startAdapter();
    const c = await device(url, 'console', 'pw-console');
    await c.subscribeAsync('alerts/#', { qos: 1 });
    const got = new Promise<string>((resolve) => c.on('message', (_t, p) => resolve(p.toString())));
    await adapter.publish('alerts/emergency', 'hello', { qos: 1 });
    expect(await got).toBe('hello');
  });
});
