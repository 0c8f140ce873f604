/** The reference central repair service in its own process (so its request validation does not share the sender's CPU). */
import { createCentralService } from '../simulators/central/index.js';
import { parentPort } from './child.js';
import { monotonicMs } from './stats.js';

export type CentralIn = { readonly kind: 'start'; readonly token: string } | { readonly kind: 'receipts'; readonly clear: boolean } | { readonly kind: 'stop' };
export type CentralOut =
  | { readonly kind: 'started'; readonly url: string }
  /** Device id -> when its first new ticket was accepted, ms on the monotonic clock every process on this machine shares (`monotonicMs`); cleared once sent if asked. */
  | { readonly kind: 'receipts'; readonly at: Readonly<Record<string, number>> }
  | { readonly kind: 'stopped'; readonly received: number };

let receipts: Record<string, number> = {};
const central = createCentralService({
  tokens: ['bench-token'],
  progress: false,
  onNewTicket: (item) => {
    receipts[item.deviceId] ??= monotonicMs();
  },
});

const send = parentPort<CentralIn, CentralOut>(async (m) => {
  if (m.kind === 'start') {
    send({ kind: 'started', url: await central.start(0, '127.0.0.1') });
    return;
  }
  if (m.kind === 'receipts') {
    send({ kind: 'receipts', at: receipts });
    if (m.clear) receipts = {};
    return;
  }
  const received = central.tickets().length;
  await central.stop();
  send({ kind: 'stopped', received });
  process.disconnect();
});
