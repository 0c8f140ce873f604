import { ModbusSource } from '../../adapters/modbus/config.js';
import { createModbusAdapter } from '../../adapters/modbus/modbus-adapter.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { ModbusMultiUnitSimulator } from '../../simulators/modbus/multi-unit-simulator.js';
import { onTestFinished } from 'vitest';
import { adapterContract } from './adapter-contract.js';

adapterContract('Modbus TCP (simulated gateway)', 'modbus', async () => {
  const sim = new ModbusMultiUnitSimulator();
  const port = await sim.start();
  onTestFinished(() => sim.stop());
  const unit = sim.addUnit(1);
  const source = ModbusSource.parse({
    protocol: 'modbus',
    transport: { type: 'tcp', host: '127.0.0.1', port },
    unitId: 1,
    pollMs: 100,
    timeoutMs: 500,
    retries: 0,
    points: [{ id: 'pressure', table: 'holding-register', address: 0 }],
  });
  const adapter = createModbusAdapter({ devices: [{ id: 'pump-1', source }], backoff: { baseMs: 50, capMs: 300 }, connectTimeoutMs: 1000 }, { clock: systemClock, log: silentLogger() });
  return {
    adapter,
    point: { deviceId: 'pump-1', pointId: 'pressure' },
    emit: (value) => {
      unit.setWords('holding-register', 0, [value]);
      return Promise.resolve();
    },
    stopServer: () => sim.stop(),
    startServer: async () => {
      await sim.start(port);
    },
  };
});
