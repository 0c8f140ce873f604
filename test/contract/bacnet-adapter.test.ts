import { onTestFinished } from 'vitest';
import { BacnetSource } from '../../adapters/bacnet/config.js';
import { createBacnetAdapter } from '../../adapters/bacnet/index.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { simulatedChiller } from '../../simulators/bacnet/simulated-chiller.js';
import { adapterContract } from './adapter-contract.js';

function contract(name: string, cov: boolean): void {
  adapterContract(name, 'bacnet', async () => {
    const sim = simulatedChiller({ deviceInstance: 2001 });
    const port = await sim.start(0);
    onTestFinished(() => sim.stop());
    const source = BacnetSource.parse({
      protocol: 'bacnet',
      deviceInstance: 2001,
      address: `127.0.0.1:${port}`,
      pollMs: 200,
      timeoutMs: 500,
      cov,
      points: [{ id: 'mode', objectType: 'multi-state-value', instance: 1 }],
    });
    const adapter = await createBacnetAdapter({ devices: [{ id: 'chiller-1', source }], bind: { host: '127.0.0.1', port: 0 }, backoff: { baseMs: 50, capMs: 300 } }, { clock: systemClock, log: silentLogger() });
    return {
      adapter,
      point: { deviceId: 'chiller-1', pointId: 'mode' },
      emit: (value) => {
        sim.set('multi-state-value', 1, value);
        return Promise.resolve();
      },
      stopServer: () => sim.stop(),
      startServer: async () => {
        await sim.start(port);
      },
    };
  });
}

contract('BACnet/IP with COV (simulated chiller)', true);
contract('BACnet/IP polled (simulated chiller)', false);
