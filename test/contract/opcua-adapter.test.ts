import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { OpcuaSource } from '../../adapters/opcua/config.js';
import { createOpcuaAdapter } from '../../adapters/opcua/index.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { SimulatedElevatorServer } from '../../simulators/opcua/simulated-elevator.js';
import { adapterContract } from './adapter-contract.js';

// One server and one data folder for the file: a node-opcua server takes seconds to start on a
// busy machine, and the client certificate is made once and reused by every adapter.
const sim = new SimulatedElevatorServer({ genericVariables: 1, tickMs: 1000 });
let dataDir = '';
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'gw-opcua-contract-'));
  await sim.start(0);
}, 60_000);
afterAll(async () => {
  await sim.stop();
  await rm(dataDir, { recursive: true, force: true });
});

adapterContract('OPC UA (simulated server)', 'opcua', async () => {
  // Back up if an earlier test left it stopped (start() is a no-op on a running server).
  const endpoint = await sim.start();
  const source = OpcuaSource.parse({ protocol: 'opcua', endpoint, samplingMs: 100, publishingMs: 200, points: [{ id: 'v0', nodeId: 'ns=1;s=Bench.V0' }] });
  const adapter = await createOpcuaAdapter({ devices: [{ id: 'bench-1', source }], dataDir, backoff: { baseMs: 50, capMs: 300 } }, { clock: systemClock, log: silentLogger(), env: {} });
  return {
    adapter,
    point: { deviceId: 'bench-1', pointId: 'v0' },
    emit: (value) => {
      sim.setGeneric(0, value);
      return Promise.resolve();
    },
    stopServer: () => sim.stop(),
    startServer: async () => {
      await sim.start();
    },
  };
}, { timeoutMs: 30_000 });
