/**
 * Simulated BACnet/IP devices in their own process (the real simulator, one UDP socket each), so
 * the parent's CPU time is the adapter's. `churn` changes values at a steady rate, which is what
 * COV subscribers are sent.
 */
import { SimulatedBacnetDevice } from '../simulators/bacnet/simulated-bacnet-device.js';
import { parentPort } from './child.js';

export type BacnetSimIn =
  | { readonly kind: 'start'; readonly devices: number; readonly points: number }
  | { readonly kind: 'churn'; readonly perSecond: number }
  | { readonly kind: 'count' }
  | { readonly kind: 'stop' };

export type BacnetSimOut =
  | { readonly kind: 'started'; readonly ports: readonly number[] }
  | { readonly kind: 'churning' }
  | { readonly kind: 'counted'; readonly changes: number }
  | { readonly kind: 'stopped' };

const sims: SimulatedBacnetDevice[] = [];
let pointsPerDevice = 1;
let churn: NodeJS.Timeout | null = null;
/** Values changed so far (each one notification per subscriber). */
let changes = 0;

const send = parentPort<BacnetSimIn, BacnetSimOut>(async (m) => {
  switch (m.kind) {
    case 'start': {
      pointsPerDevice = Math.max(1, m.points);
      for (let d = 0; d < m.devices; d++) {
        const objects = Array.from({ length: pointsPerDevice }, (_, i) => ({ objectType: 'analog-value' as const, instance: i, name: `AV ${i}`, units: 62, value: i }));
        sims.push(new SimulatedBacnetDevice({ deviceInstance: 10_000 + d, name: `Bench ${d}`, objects }));
      }
      const ports = await Promise.all(sims.map((s) => s.start(0)));
      send({ kind: 'started', ports });
      return;
    }
    case 'churn': {
      // Every 10 ms the next perSecond/100 objects, round the devices, take a new value.
      const perTick = Math.max(1, Math.round(m.perSecond / 100));
      let n = 0;
      churn = setInterval(() => {
        for (let i = 0; i < perTick; i++, n++) sims[n % sims.length]?.set('analog-value', Math.floor(n / sims.length) % pointsPerDevice, n % 1000);
        changes = n;
      }, 10);
      send({ kind: 'churning' });
      return;
    }
    case 'count':
      send({ kind: 'counted', changes });
      return;
    case 'stop':
      if (churn !== null) clearInterval(churn);
      await Promise.all(sims.map((s) => s.stop()));
      send({ kind: 'stopped' });
      process.disconnect();
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
