/** The reference central repair service in its own process (so its request validation does not share the sender's CPU). */
import { createCentralService } from '../simulators/central/index.js';
import { parentPort } from './child.js';

export type CentralIn = { readonly kind: 'start'; readonly token: string } | { readonly kind: 'stop' };
export type CentralOut = { readonly kind: 'started'; readonly url: string } | { readonly kind: 'stopped'; readonly received: number };

const central = createCentralService({ tokens: ['bench-token'], progress: false });

const send = parentPort<CentralIn, CentralOut>(async (m) => {
  if (m.kind === 'start') {
    send({ kind: 'started', url: await central.start(0, '127.0.0.1') });
    return;
  }
  const received = central.tickets().length;
  await central.stop();
  send({ kind: 'stopped', received });
  process.disconnect();
});
