import { onTestFinished } from 'vitest';
import { SnmpSource } from '../../adapters/snmp/config.js';
import { createSnmpAdapter } from '../../adapters/snmp/index.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { SimulatedUps } from '../../simulators/snmp/simulated-ups.js';
import { adapterContract } from './adapter-contract.js';

adapterContract('SNMP v2c (simulated UPS)', 'snmp', async () => {
  const ups = new SimulatedUps({ community: 'contract' });
  const port = await ups.start();
  onTestFinished(() => ups.stop());
  const source = SnmpSource.parse({ protocol: 'snmp', host: '127.0.0.1', port, community: { value: 'contract' }, mapping: 'ups-mib', pollMs: 200, timeoutMs: 300, retries: 0 });
  const adapter = await createSnmpAdapter({ devices: [{ id: 'ups-1', source }] }, { clock: systemClock, log: silentLogger(), env: {} });
  return {
    adapter,
    point: { deviceId: 'ups-1', pointId: 'batteryChargePercent' },
    emit: (value) => {
      ups.set('batteryChargePercent', value);
      return Promise.resolve();
    },
    stopServer: () => ups.stop(),
    startServer: async () => {
      await ups.start(port);
    },
  };
});
