/**
 * The bench's own MQTT broker in its own process, for the peer comparison when Debian's mosquitto
 * is not installed: a bare aedes broker on a free 127.0.0.1 port, no authentication, no hooks.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { parentPort } from './child.js';

export type AedesBrokerIn = { readonly kind: 'stop' };
export type AedesBrokerOut = { readonly kind: 'started'; readonly port: number } | { readonly kind: 'stopped' };

const broker = await Aedes.createBroker({ queueLimit: 100_000, concurrency: 200 });
const server = createServer((socket) => {
  socket.on('error', () => socket.destroy());
  broker.handle(socket);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const addr = server.address();

const send = parentPort<AedesBrokerIn, AedesBrokerOut>(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  send({ kind: 'stopped' });
  process.disconnect();
});
send({ kind: 'started', port: typeof addr === 'object' && addr !== null ? addr.port : 0 });
