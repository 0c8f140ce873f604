import Fastify, { type FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { HttpSource } from '../../adapters/http-push/config.js';
import { createHttpPushAdapter } from '../../adapters/http-push/http-push-adapter.js';
import { ingestRoutes } from '../../gateway/api/ingest-routes.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { pushOnce } from '../../simulators/http-push/http-pusher.js';
import { adapterContract } from './adapter-contract.js';

/**
 * "The server goes away", for a push protocol: the gateway has no connection to lose, so what can
 * go away is the listener the pushes arrive at (a restart of the gateway's HTTP server) and, with
 * it, the pushes themselves. stopServer() closes the listener (the adapter's link goes down: it is
 * not taking pushes) and the pusher stops; after expectEverySeconds of silence the device's points
 * read bad (GW_HTTP_PUSH_SILENT). startServer() listens again on the same port, and the next push
 * makes the device good. There is no upstream (noUpstream): nothing the gateway connects to.
 */
adapterContract(
  'HTTP push (gateway listener on 127.0.0.1)',
  'http',
  async () => {
    const adapter = createHttpPushAdapter(
      { devices: [{ id: 'panel-1', source: HttpSource.parse({ protocol: 'http', token: { value: 'contract-token-1' }, expectEverySeconds: 1, points: [{ id: 'level' }] }) }] },
      { clock: systemClock, log: silentLogger(), env: {} },
    );
    let app: FastifyInstance | null = null;
    let port = 0;
    const listen = async (): Promise<void> => {
      const a = Fastify({ logger: false, forceCloseConnections: true });
      ingestRoutes(a, adapter);
      await a.listen({ host: '127.0.0.1', port });
      const addr = a.server.address();
      port = typeof addr === 'object' && addr !== null ? addr.port : port;
      app = a;
    };
    const close = async (): Promise<void> => {
      const a = app;
      app = null;
      await a?.close();
    };
    await listen();
    onTestFinished(close);
    return {
      adapter,
      point: { deviceId: 'panel-1', pointId: 'level' },
      emit: async (value) => {
        await pushOnce(`http://127.0.0.1:${port}`, 'panel-1', 'contract-token-1', JSON.stringify({ level: value }));
      },
      stopServer: close,
      startServer: listen,
    };
  },
  { noUpstream: true },
);
