import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createMqttAdapter } from '../../adapters/mqtt/index.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { publishPacket, rawMqtt, subscribePacket, nextPacket } from '../helpers/raw-mqtt.js';
import { testSite } from '../helpers/site.js';

const PUBLISHERS = 20;
const PACKETS_PER_WRITE = 2000;
const ROUNDS = 20;

/**
 * aedes 1.2.0 with a delivery concurrency limit died here with "Maximum call stack size exceeded"
 * (mqemitter's recursive queue drain, see adapters/mqtt/embedded-broker.ts). The recipe: slow
 * subscribers on alerts/# that stop reading while the gateway publishes alerts, so deliveries pile
 * up waiting for their sockets to drain; a QoS 0 flood of readings from many devices meanwhile;
 * then the subscribers disconnect mid-flood and some publishers drop their sockets too.
 */
describe('embedded broker under a flood', () => {
  it('survives slow subscribers and publishers disconnecting in the middle of a QoS 0 flood', async () => {
    const site = testSite({
      broker: { mode: 'embedded', host: '127.0.0.1', port: 0, logins: [{ username: 'console', password: { value: 'pw-console' }, subscribe: ['alerts/#'] }] },
      devices: Array.from({ length: PUBLISHERS }, (_, i) => ({
        id: `leak-${i}`,
        kind: 'leak-sensor' as const,
        name: `leak ${i}`,
        location: { building: 'T1', floor: `${i}F`, description: `floor ${i}` },
        source: { protocol: 'mqtt' as const, username: `leak-${i}`, password: { value: `pw-${i}` }, points: [{ id: 'wet' }] },
      })),
    });
    const adapter = await createMqttAdapter(
      { broker: site.broker, devices: site.devices.flatMap((d) => (d.source.protocol === 'mqtt' ? [{ id: d.id, source: d.source }] : [])) },
      { clock: systemClock, log: silentLogger() },
    );
    let readings = 0;
    adapter.on('reading', () => void (readings += 1));
    await adapter.start();
    onTestFinished(() => adapter.stop());
    const port = adapter.address()?.port ?? 0;

    // A stack overflow thrown from a socket callback is an uncaught exception: collect them here
    // (vitest would also fail the run) so the assertion names the cause.
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): void => void crashes.push(err);
    process.on('uncaughtException', onCrash);
    onTestFinished(() => void process.off('uncaughtException', onCrash));

    const subscribers: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await rawMqtt(port, 'console', 'pw-console');
      s.on('error', () => undefined);
      s.write(subscribePacket('alerts/#'));
      expect((await nextPacket(s)).cmd).toBe('suback');
      s.pause(); // stops reading: the broker's writes to it back up
      subscribers.push(s);
    }
    const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, (_, i) => rawMqtt(port, `leak-${i}`, `pw-${i}`)));
    for (const p of publishers) p.on('error', () => undefined);
    const floods = publishers.map((_, i) => Buffer.concat(Array.from({ length: PACKETS_PER_WRITE }, (_x, k) => publishPacket(`site/leak-${i}/wet`, JSON.stringify({ value: k % 2 === 0 })))));

    // Alerts to the slow consoles, as the notifier publishes them.
    for (let k = 0; k < 300; k++) void adapter.publish('alerts/general', JSON.stringify({ ticketId: `t-${k}`, text: 'x'.repeat(2000) }), { qos: 0 }).catch(() => undefined);
    let written = 0;
    for (let round = 0; round < ROUNDS; round++) {
      publishers.forEach((p, i) => {
        if (!p.destroyed) {
          p.write(floods[i] ?? Buffer.alloc(0));
          written += PACKETS_PER_WRITE;
        }
      });
      // Let the broker work between writes (an event, not a timed wait for anything).
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 10));
      if (round === ROUNDS / 2) {
        for (const s of subscribers) s.destroy();
        for (const p of publishers.slice(0, PUBLISHERS / 4)) p.destroy();
      }
    }
    for (const p of publishers) p.end();

    // The broker is still up and a fresh device's reading still arrives.
    const before = readings;
    const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'leak-0', password: 'pw-0', reconnectPeriod: 0 });
    onTestFinished(() => probe.endAsync(true));
    await probe.publishAsync('site/leak-0/wet', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(() => expect(readings).toBeGreaterThan(before), { timeout: 30_000 });
    process.stdout.write(`broker flood: ${written} QoS 0 publishes written, ${readings} readings, ${crashes.length} crashes\n`);
    expect(crashes.map(String)).toEqual([]);
    expect(adapter.status().state).toBe('online');
    expect(readings).toBeGreaterThan(PUBLISHERS * PACKETS_PER_WRITE);
  });
});
