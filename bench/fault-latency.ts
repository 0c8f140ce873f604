/**
 * Fault latency: from the publish of the reading that completes a fault to the ticket being
 * durable and its alert published, with background readings flowing. The leak sensors that fault
 * have an on-delay of 0; each faults once (a re-activation would add an occurrence, not a ticket),
 * one at a time, spaced so each is a lone fault for group commit. The alert is taken as published
 * when an MQTT subscriber of `alerts/#` (a staff console) receives it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { buildGateway } from '../gateway/app.js';
import { systemClock } from '../gateway/clock.js';
import { silentLogger } from '../gateway/log.js';
import { SimulatedMqttDevice, LEAK_SENSOR_POINTS } from '../simulators/mqtt/simulated-mqtt-device.js';
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
  /** Pause between faults (plus up to half again at random). */
  readonly gapMs: number;
  /** Hostile sockets held open on the broker and the HTTP port during the faults (hostile-clients.ts). */
  readonly hostile?: { readonly mqtt: number; readonly http: number; readonly addresses: number };
}

export interface FaultLatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Publish to ticket durable (the store's write done), same faults. */
  readonly durableP50Ms: number;
  readonly durableP99Ms: number;
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
  const meters = meterDevices(o.backgroundPoints);
  const probes = Array.from({ length: o.faults }, (_, i) => leakSensor(`probe-${i}`, 0));
  // Flood grouping off: each fault here is a lone fault, not part of a storm.
  const site = parse(benchSite(tmp.dir, [...meters, ...probes], { alarms: { flood: { startAbove: 1_000_000, endBelow: 0 } } }));
  const gateway = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gateway.start();
  const port = gateway.mqtt.address()?.port ?? 0;
  const url = `mqtt://127.0.0.1:${port}`;
  const durableAt = new Map<string, number>();
  gateway.tickets.on('changed', (t, change) => {
    if (change === 'raised') durableAt.set(t.deviceId, performance.now());
  });
  const alerted = new Map<string, () => void>();
  const console_ = await mqtt.connectAsync(url, { clientId: 'bench-console', ...BENCH_CONSOLE });
  console_.on('message', (_topic, payload) => {
    const ticketId = (JSON.parse(payload.toString('utf8')) as { ticketId?: string }).ticketId ?? '';
    const deviceId = gateway.tickets.get(ticketId)?.deviceId;
    if (deviceId !== undefined) alerted.get(deviceId)?.();
  });
  await console_.subscribeAsync('alerts/#', { qos: 1 });
  const sensors = probes.map((p) => new SimulatedMqttDevice({ deviceId: p.id, brokerUrl: url, username: p.id, password: `pw-${p.id}`, points: LEAK_SENSOR_POINTS, heartbeatMs: 3_600_000 }));
  const pubs = await LoadPublishers.connect(port, loadDevicesOf(meters), 2);
  const total: number[] = [];
  const durable: number[] = [];
  const writes: number[] = [];
  let missed = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const hostile = o.hostile === undefined ? null : new Child<HostileIn, HostileOut>('hostile-clients.js');
  let hostileAtStart: number | undefined;
  let hostileEnd: Extract<HostileOut, { kind: 'stopped' }> | undefined;
  try {
    await Promise.all(sensors.map((s) => s.start()));
    pubs.go(o.backgroundPerSecond);
    if (hostile !== null && o.hostile !== undefined) {
      const httpPort = Number(new URL(gateway.httpUrl() ?? 'http://127.0.0.1:0').port);
      hostile.send({ kind: 'start', mqttPort: port, httpPort, ...o.hostile });
      hostileAtStart = (await hostile.next('ready')).open;
    }
    await sleep(1000);
    progress(`faultLatency: ${o.faults} faults over ${o.backgroundPerSecond} readings/s of background`);
    loop.enable();
    for (const sensor of sensors) {
      await sleep(o.gapMs + Math.random() * (o.gapMs / 2));
      const alert = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 5_000);
        alerted.set(sensor.deviceId, () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      const t0 = performance.now();
      await sensor.set('wet', true);
      const ok = await alert;
      const t1 = performance.now();
      if (!ok) {
        missed += 1;
        continue;
      }
      total.push(t1 - t0);
      durable.push((durableAt.get(sensor.deviceId) ?? t1) - t0);
      writes.push(gateway.store.stats().lastWriteMs);
    }
    if (hostile !== null) {
      hostile.send({ kind: 'stop' });
      hostileEnd = await hostile.next('stopped');
    }
  } finally {
    loop.disable();
    await hostile?.exit();
    await pubs.stop();
    await Promise.all(sensors.map((s) => s.stop()));
    await console_.endAsync(true);
    await gateway.stop();
    await tmp.remove();
  }
  total.sort((a, b) => a - b);
  durable.sort((a, b) => a - b);
  writes.sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(total, 50)),
    p99Ms: round(percentile(total, 99)),
    maxMs: round(total.at(-1) ?? Number.NaN),
    durableP50Ms: round(percentile(durable, 50)),
    durableP99Ms: round(percentile(durable, 99)),
    storeWriteP50Ms: round(percentile(writes, 50)),
    storeWriteP99Ms: round(percentile(writes, 99)),
    loopDelayP99Ms: round(loop.percentile(99) / 1e6),
    faults: o.faults,
    missed,
    backgroundPerSecond: o.backgroundPerSecond,
    ...(hostileEnd === undefined ? {} : { hostileOpenAtStart: hostileAtStart ?? 0, hostileOpenAtEnd: hostileEnd.open, hostileClosedByGateway: hostileEnd.closedByGateway }),
  };
}

/**
 * The same fault latency without and then with hostile sockets open on the broker and the HTTP
 * port (`npm run bench -- --only hostile`): the gateway must raise an emergency in its normal time.
 */
export async function measureHostile(o: FaultLatencyOptions & { readonly hostile: NonNullable<FaultLatencyOptions['hostile']> }): Promise<Record<string, number>> {
  const { hostile, ...quietOptions } = o;
  const quiet = await measureFaultLatency(quietOptions);
  const attacked = await measureFaultLatency(o);
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
