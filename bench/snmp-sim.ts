/**
 * Simulated UPSes (the real net-snmp agent of simulators/snmp) in their own process, so the
 * agents' CPU is not counted as the adapter's.
 */
import { SimulatedUps } from '../simulators/snmp/simulated-ups.js';
import { parentPort } from './child.js';

export type SnmpSimIn = { readonly kind: 'start'; readonly agents: number; readonly community: string } | { readonly kind: 'stop' };
export type SnmpSimOut = { readonly kind: 'started'; readonly ports: readonly number[] } | { readonly kind: 'stopped' };

const upses: SimulatedUps[] = [];

const send = parentPort<SnmpSimIn, SnmpSimOut>(async (m) => {
  switch (m.kind) {
    case 'start': {
      const ports: number[] = [];
      for (let i = 0; i < m.agents; i++) {
        const ups = new SimulatedUps({ community: m.community });
        ports.push(await ups.start());
        upses.push(ups);
      }
      send({ kind: 'started', ports });
      return;
    }
    case 'stop':
      await Promise.all(upses.map((u) => u.stop()));
      send({ kind: 'stopped' });
      process.disconnect();
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
