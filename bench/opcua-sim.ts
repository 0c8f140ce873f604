/**
 * The simulated OPC UA server in its own process, hosting N generic Double variables
 * (ns=1;s=Bench.V{i}) that all change every `changeMs`, so each monitored item sampled at 1 s has
 * a new value at every sample.
 */
import { SimulatedElevatorServer } from '../simulators/opcua/simulated-elevator.js';
import { parentPort } from './child.js';

export type OpcuaSimIn = { readonly kind: 'start'; readonly variables: number; readonly changeMs: number } | { readonly kind: 'stop' };
export type OpcuaSimOut = { readonly kind: 'started'; readonly endpoint: string } | { readonly kind: 'stopped' };

let server: SimulatedElevatorServer | null = null;
let ticker: NodeJS.Timeout | null = null;

const send = parentPort<OpcuaSimIn, OpcuaSimOut>(async (m) => {
  if (m.kind === 'start') {
    const s = new SimulatedElevatorServer({ elevators: [], genericVariables: m.variables });
    server = s;
    const endpoint = await s.start(0);
    let tick = 0;
    ticker = setInterval(() => {
      tick += 1;
      for (let i = 0; i < m.variables; i++) s.setGeneric(i, tick + i / 1000);
    }, m.changeMs);
    send({ kind: 'started', endpoint });
    return;
  }
  if (ticker !== null) clearInterval(ticker);
  await server?.stop();
  send({ kind: 'stopped' });
  process.disconnect();
});
