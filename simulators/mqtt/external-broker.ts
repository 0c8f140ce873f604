import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { freePort } from '../free-port.js';

/** A site's own MQTT broker, as the external-broker scenarios and the reliability tests need it. */
export interface ExternalBroker {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** An aedes broker standing in for a site's own broker, stoppable and restartable on one port. */
export async function startExternalBroker(): Promise<ExternalBroker> {
  const port = await freePort();
  let broker: Aedes | null = null;
  let server: ReturnType<typeof createServer> | null = null;
  const sockets = new Set<Socket>();
  const start = async (): Promise<void> => {
    if (server !== null) return;
    const b = await Aedes.createBroker();
    const s = createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => sock.destroy());
      b.handle(sock);
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    broker = b;
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    const b = broker;
    server = null;
    broker = null;
    for (const sock of sockets) sock.destroy();
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
    if (b !== null) await new Promise<void>((resolve) => b.close(() => resolve()));
  };
  await start();
  return { url: `mqtt://127.0.0.1:${port}`, start, stop, close: stop };
}
