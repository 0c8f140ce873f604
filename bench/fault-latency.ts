/**
 * Fault latency: from the publish of the reading that completes a fault to the ticket being
 * durable with its alert queued on the channels, and to the alert reaching a staff console (an
 * MQTT subscriber of `alerts/#`), with background readings flowing and the reference central
 * service (in its own process) taking every ticket, so its acknowledgements are writes too.
 *
 * Faults come on a schedule (`gapMs` apart on average, at random within +-50 %), not one after the
 * other's alert: at 10 faults/s a fault often arrives while the previous one is still being
 * written, which is what group commit has to absorb. The leak sensors that fault have an on-delay
 * of 0; each faults once (a re-activation would add an occurrence, not a ticket).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { buildGateway } from '../gateway/app.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import { SimulatedMqttDevice, LEAK_SENSOR_POINTS } from '../simulators/mqtt/simulated-mqtt-device.js';
import type { CentralIn, CentralOut } from './central.js';
import { Child } from './child.js';
import type { HostileIn, HostileOut } from './hostile-clients.js';
import { LoadPublishers, sleep } from './load.js';
import { progress } from './progress.js';
import { BENCH_CONSOLE, benchSite, leakSensor, loadDevicesOf, meterDevices, parse, scratch } from './sites.js';
import { percentile, round } from './stats.js';

export interface FaultLatencyOptions {
  readonly faults: number;
  readonly backgroundPerSecond: number;
  readonly backgroundPoints: number;
  /** Mean time between faults (each gap drawn within +-50 % of it). */
  readonly gapMs: number;
  /** The reference central service takes the tickets (default true). */
  readonly central?: boolean;
  /** Hostile sockets held open on the broker and the HTTP port during the faults (hostile-clients.ts). */
  readonly hostile?: { readonly mqtt: number; readonly http: number; readonly addresses: number };
}

export interface FaultLatencyResult {
  /**
   * The first fault after start, alone, before the stream: its code runs for the first time
   * (compiled on first call, formatters made), so it is slower than any later one. Told apart so
   * the stream's percentiles describe a running gateway and this one the first emergency after a
   * restart.
   */
  readonly firstFaultMs: number;
  /** Publish of the fault reading to ticket durable and alert queued on every channel (the target), over the stream. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Publish to the alert received by a staff console over MQTT (adds the broker hop out). */
  readonly consoleP50Ms: number;
  readonly consoleP99Ms: number;
  readonly faultsPerSecond: number;
  /** Tickets the central service had received by the end of the run. */
  readonly centralReceived: number;
  /** The store's own time for the write that made each ticket durable (stringify, write, fsyncs, rename). */
  readonly storeWriteP50Ms: number;
  readonly storeWriteP99Ms: number;
  /** Event-loop delay of the gateway's process during the run (how long a ready callback waited). */
  readonly loopDelayP99Ms: number;
  readonly faults: number;
  readonly missed: number;
  readonly backgroundPerSecond: number;
  /** Hostile sockets open when the faults started and when they ended, and how many the gateway closed meanwhile. */
  readonly hostileOpenAtStart?: number;
  readonly hostileOpenAtEnd?: number;
  readonly hostileClosedByGateway?: number;
}

export async function measureFaultLatency(o: FaultLatencyOptions): Promise<FaultLatencyResult> {
  const tmp = await scratch('latency');
  const central = o.central === false ? null : new Child<CentralIn, CentralOut>('central.js');
  let centralUrl: string | null = null;
  if (central !== null) {
    central.send({ kind: 'start', token: 'bench-token' });
    centralUrl = (await central.next('started')).url;
  }
  const meters = meterDevices(o.backgroundPoints);
  const first = leakSensor('probe-first', 0);
  const probes = Array.from({ length: o.faults }, (_, i) => leakSensor(`probe-${i}`, 0));
  // Flood grouping off: each fault here is a lone fault, not part of a storm.
  const site = parse(
    benchSite(tmp.dir, [...meters, first, ...probes], {
      alarms: { flood: { startAbove: 1_000_000, endBelow: 0 } },
      ...(centralUrl === null ? {} : { central: { url: centralUrl, token: { value: 'bench-token' }, pollSeconds: 3600 } }),
    }),
  );
  const gateway = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gateway.start();
  const port = gateway.mqtt.address()?.port ?? 0;
  const url = `mqtt://127.0.0.1:${port}`;
  const sentAt = new Map<string, number>();
  const queued: number[] = [];
  let firstFaultMs = Number.NaN;
  const atConsole: number[] = [];
  const writes: number[] = [];
  // Registered after the gateway's notifier: by the time this runs, the alert is on its channels.
  gateway.tickets.on('changed', (t, change) => {
    if (change !== 'raised') return;
    const t0 = sentAt.get(t.deviceId);
    if (t0 === undefined) return;
    if (t.deviceId === first.id) {
      firstFaultMs = performance.now() - t0;
      return;
    }
    queued.push(performance.now() - t0);
    writes.push(gateway.store.stats().lastWriteMs);
  });
  const consoleSeen = new Set<string>();
  const console_ = await mqtt.connectAsync(url, { clientId: 'bench-console', ...BENCH_CONSOLE });
  console_.on('message', (_topic, payload) => {
    const ticketId = (JSON.parse(payload.toString('utf8')) as { ticketId?: string }).ticketId ?? '';
    const deviceId = gateway.tickets.get(ticketId)?.deviceId;
    const t0 = deviceId === undefined ? undefined : sentAt.get(deviceId);
    if (deviceId === undefined || t0 === undefined || deviceId === first.id || consoleSeen.has(deviceId)) return;
    consoleSeen.add(deviceId);
    atConsole.push(performance.now() - t0);
  });
  await console_.subscribeAsync('alerts/#', { qos: 1 });
  const sensorOf = (p: { readonly id: string }): SimulatedMqttDevice => new SimulatedMqttDevice({ deviceId: p.id, brokerUrl: url, username: p.id, password: `pw-${p.id}`, points: LEAK_SENSOR_POINTS, heartbeatMs: 3_600_000 });
  const firstSensor = sensorOf(first);
  const sensors = probes.map(sensorOf);
  const pubs = await LoadPublishers.connect(port, loadDevicesOf(meters), 2);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const hostile = o.hostile === undefined ? null : new Child<HostileIn, HostileOut>('hostile-clients.js');
  let hostileAtStart: number | undefined;
  let hostileEnd: Extract<HostileOut, { kind: 'stopped' }> | undefined;
  let seconds = 0;
  let centralReceived = 0;
  try {
    await Promise.all([firstSensor, ...sensors].map((s) => s.start()));
    pubs.go(o.backgroundPerSecond);
    if (hostile !== null && o.hostile !== undefined) {
      const httpPort = Number(new URL(gateway.httpUrl() ?? 'http://127.0.0.1:0').port);
      hostile.send({ kind: 'start', mqttPort: port, httpPort, ...o.hostile });
      hostileAtStart = (await hostile.next('ready')).open;
    }
    await sleep(1000);
    // The first fault after start, alone, then a second for its sync to central to settle.
    sentAt.set(firstSensor.deviceId, performance.now());
    await firstSensor.set('wet', true);
    const firstDeadline = performance.now() + 5000;
    while (Number.isNaN(firstFaultMs) && performance.now() < firstDeadline) await sleep(20);
    await sleep(1000);
    progress(`faultLatency: ${o.faults} faults, one every ${o.gapMs} ms on average, over ${o.backgroundPerSecond} readings/s of background${central === null ? '' : ', central service configured'}`);
    loop.enable();
    const t0 = performance.now();
    let due = t0;
    const published: Promise<void>[] = [];
    for (const sensor of sensors) {
      // On a schedule of elapsed time: a fault does not wait for the one before it.
      due += o.gapMs * (0.5 + Math.random());
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      sentAt.set(sensor.deviceId, performance.now());
      published.push(sensor.set('wet', true));
    }
    await Promise.all(published);
    seconds = (performance.now() - t0) / 1000;
    // Every fault's alert, or 5 s for the last of them.
    const end = performance.now() + 5000;
    while ((queued.length < sensors.length || consoleSeen.size < sensors.length) && performance.now() < end) await sleep(20);
    if (hostile !== null) {
      hostile.send({ kind: 'stop' });
      hostileEnd = await hostile.next('stopped');
    }
  } finally {
    loop.disable();
    await hostile?.exit();
    await pubs.stop();
    await Promise.all([firstSensor, ...sensors].map((s) => s.stop()));
    await console_.endAsync(true);
    await gateway.stop();
    if (central !== null) {
      central.send({ kind: 'stop' });
      centralReceived = (await central.next('stopped')).received;
      await central.exit();
    }
    await tmp.remove();
  }
  queued.sort((a, b) => a - b);
  atConsole.sort((a, b) => a - b);
  writes.sort((a, b) => a - b);
  return {
    firstFaultMs: round(firstFaultMs),
    p50Ms: round(percentile(queued, 50)),
    p99Ms: round(percentile(queued, 99)),
    maxMs: round(queued.at(-1) ?? Number.NaN),
    consoleP50Ms: round(percentile(atConsole, 50)),
    consoleP99Ms: round(percentile(atConsole, 99)),
    storeWriteP50Ms: round(percentile(writes, 50)),
    storeWriteP99Ms: round(percentile(writes, 99)),
    loopDelayP99Ms: round(loop.percentile(99) / 1e6),
    faults: o.faults,
    faultsPerSecond: round(o.faults / seconds, 1),
    missed: o.faults - Math.min(queued.length, consoleSeen.size),
    backgroundPerSecond: o.backgroundPerSecond,
    centralReceived,
    ...(hostileEnd === undefined ? {} : { hostileOpenAtStart: hostileAtStart ?? 0, hostileOpenAtEnd: hostileEnd.open, hostileClosedByGateway: hostileEnd.closedByGateway }),
  };
}

/**
 * The same fault latency without and then with hostile sockets open on the broker and the HTTP
 * port (`npm run bench -- --only hostile`): the gateway must raise an emergency in its normal time.
 */
export async function measureHostile(o: FaultLatencyOptions & { readonly hostile: NonNullable<FaultLatencyOptions['hostile']> }): Promise<Record<string, number>> {
  const { hostile, ...quietOptions } = o;
  const quiet = await measureFaultLatency({ ...quietOptions, central: false });
  const attacked = await measureFaultLatency({ ...o, central: false });
  return {
    quietP50Ms: quiet.p50Ms,
    hostileP50Ms: attacked.p50Ms,
    quietP99Ms: quiet.p99Ms,
    hostileP99Ms: attacked.p99Ms,
    quietMaxMs: quiet.maxMs,
    hostileMaxMs: attacked.maxMs,
    quietMissed: quiet.missed,
    hostileMissed: attacked.missed,
    hostileSockets: hostile.mqtt + hostile.http,
    hostileOpenAtStart: attacked.hostileOpenAtStart ?? 0,
    hostileOpenAtEnd: attacked.hostileOpenAtEnd ?? 0,
    hostileClosedByGateway: attacked.hostileClosedByGateway ?? 0,
    faults: o.faults,
  };
}
