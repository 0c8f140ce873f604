/**
 * Ingest: readings per second through the embedded broker, the MQTT adapter and detection, at
 * steady state, with the 5,000-point site and load publishers in separate processes; beside it the
 * same aedes broker delivering the same messages to an in-process subscriber that does nothing.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { buildGateway } from '../gateway/app.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import { LoadPublishers, sleep } from './load.js';
import { progress } from './progress.js';
import { benchSite, loadDevicesOf, meterDevices, parse, scratch } from './sites.js';

export interface IngestOptions {
  readonly points: number;
  readonly publishers: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

export interface IngestResult {
  readonly readingsPerSecond: number;
  readonly rawPerSecond: number;
  readonly ratioToRaw: number;
  readonly points: number;
  readonly publisherProcesses: number;
  readonly windowSeconds: number;
}

export async function measureIngest(o: IngestOptions): Promise<IngestResult> {
  const devices = meterDevices(o.points);
  const load = loadDevicesOf(devices);
  const gatewayRate = await throughGateway(o, devices);
  const rawRate = await throughBareBroker(o, load);
  return {
    readingsPerSecond: Math.round(gatewayRate),
    rawPerSecond: Math.round(rawRate),
    ratioToRaw: Math.round((gatewayRate / rawRate) * 100) / 100,
    points: o.points,
    publisherProcesses: o.publishers,
    windowSeconds: o.windowMs / 1000,
  };
}

async function throughGateway(o: IngestOptions, devices: ReturnType<typeof meterDevices>): Promise<number> {
  const tmp = await scratch('ingest');
  const gateway = await buildGateway(parse(benchSite(tmp.dir, devices)), { clock: systemClock, log: silentLogger() });
  try {
    await gateway.start();
    const port = gateway.mqtt.address()?.port ?? 0;
    return await steadyRate(port, loadDevicesOf(devices), o, () => gateway.mqtt.status().readings);
  } finally {
    await gateway.stop();
    progress('ingest: gateway stopped');
    await tmp.remove();
  }
}

/** The same broker library and options, no hooks, one in-process subscriber that only counts. */
async function throughBareBroker(o: IngestOptions, load: ReturnType<typeof loadDevicesOf>): Promise<number> {
  const broker = await Aedes.createBroker({ queueLimit: 1000, concurrency: 200 });
  let delivered = 0;
  await new Promise<void>((resolve) =>
    broker.subscribe(
      'site/#',
      (_packet, cb) => {
        delivered += 1;
        cb();
      },
      resolve,
    ),
  );
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  try {
    return await steadyRate(port, load, o, () => delivered);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}

/** Publishers flat out; the count read at the edges of a window after warm-up. */
async function steadyRate(port: number, load: ReturnType<typeof loadDevicesOf>, o: IngestOptions, count: () => number): Promise<number> {
  const pubs = await LoadPublishers.connect(port, load, o.publishers);
  progress(`ingest: ${load.length} sessions connected`);
  try {
    pubs.go(null);
    await sleep(o.warmupMs);
    const c0 = count();
    const t0 = performance.now();
    await sleep(o.windowMs);
    const c1 = count();
    const t1 = performance.now();
    progress(`ingest: ${c1 - c0} in ${((t1 - t0) / 1000).toFixed(1)} s`);
    return ((c1 - c0) * 1000) / (t1 - t0);
  } finally {
    const sent = await pubs.stop();
    progress(`ingest: publishers stopped after writing ${sent}`);
  }
}
