import mqtt from 'mqtt';
import { onTestFinished } from 'vitest';
import { ExternalBroker, MqttSource } from '../../adapters/mqtt/config.js';
import { createMqttAdapter } from '../../adapters/mqtt/index.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { TestBroker } from '../helpers/test-broker.js';
import { adapterContract } from './adapter-contract.js';

// External mode: the adapter is a client of a broker it does not own, which can go away.
adapterContract('MQTT (external broker, aedes)', 'mqtt', async () => {
  const broker = await TestBroker.start();
  const adapter = await createMqttAdapter(
    {
      broker: ExternalBroker.parse({ mode: 'external', url: broker.url, clientId: 'gw-contract' }),
      devices: [{ id: 'tank-1', source: MqttSource.parse({ protocol: 'mqtt', points: [{ id: 'level' }] }) }],
      backoff: { baseMs: 50, capMs: 300 },
    },
    { clock: systemClock, log: silentLogger(), env: {} },
  );
  const device = await mqtt.connectAsync(broker.url, { clientId: 'dev-tank-1', reconnectPeriod: 100 });
  device.on('error', () => undefined);
  onTestFinished(() => device.endAsync(true));
  return {
    adapter,
    point: { deviceId: 'tank-1', pointId: 'level' },
    emit: async (value) => {
      await device.publishAsync('site/tank-1/level', JSON.stringify({ value }), { qos: 1 });
    },
    stopServer: () => broker.stopNetwork(),
    startServer: () => broker.startNetwork(),
  };
});
