import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { createRequire } from 'node:module';

// aedes' own in-memory persistence (CommonJS: `module.exports = factory`), kept across restarts.
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => unknown;
import { freePort } from '../free-port.js';

/** A site's own MQTT broker, as the external-broker scenarios and the reliability tests need it. */
export interface ExternalBroker {
  readonly url: string;
  /** Messages published under `prefix` (e.g. "alerts/"), with the client id that published each (a pair's tests: who alerted). */
  published(prefix: string): readonly { topic: string; clientId: string | null; payload: string }[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An aedes broker standing in for a site's own broker, stoppable and restartable on one port.
 * `persistent`: sessions and queued QoS 1 messages survive a restart (as a broker with persistence
 * on disk keeps them); by default a restart forgets them, as an in-memory broker does.
 */
export async function startExternalBroker(opts: { persistent?: boolean } = {}): Promise<ExternalBroker> {
  const port = await freePort();
  const kept = opts.persistent === true ? memoryPersistence() : undefined;
  let broker: Aedes | null = null;
  let server: ReturnType<typeof createServer> | null = null;
  const sockets = new Set<Socket>();
  const seen: { topic: string; clientId: string | null; payload: string }[] = [];
  const start = async (): Promise<void> => {
    if (server !== null) return;
    const b = await Aedes.createBroker(kept === undefined ? {} : { persistence: kept });
    b.on('publish', (packet, client) => {
      if (client === null || packet.topic.startsWith('$SYS')) return;
      seen.push({ topic: packet.topic, clientId: client.id, payload: packet.payload.toString() });
      if (seen.length > 10_000) seen.splice(0, seen.length - 10_000);
    });
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
  const published = (prefix: string) => seen.filter((m) => m.topic.startsWith(prefix));
  return { url: `mqtt://127.0.0.1:${port}`, published, start, stop, close: stop };
}
