/**
 * The peer (`npm run bench -- --only peer`): the gateway against Node-RED 4.1 running the flow an
 * operator would wire for the same job (bench/node-red.ts), both reading the same broker the same
 * way (bench/shared-broker.ts: Debian's mosquitto when installed, else the bench's aedes child),
 * the same load publishers, the same central service. Each figure for ours, for the peer, and the
 * ratio ours/peer, in one run.
 *
 * What each side does per reading is not the same, and the figures say so: the gateway decodes
 * against the site file, runs detection with alarm state (on/off delays, hysteresis, one ticket per
 * fault), makes a ticket durable on disk (fsync) before it syncs it, and keeps a persistent MQTT
 * session; the peer parses, counts, tests a threshold and posts, with no alarm state, nothing on
 * disk and a clean session.
 *
 * Beside the two, the broker's own ceiling (bench/counting-subscriber.ts): the same ingest steps
 * with a receiver that only counts, the most any receiver can show through that broker on this
 * machine, so the figures say when the broker and the cores, not a receiver, were the limit.
 *
 * One receiver runs at a time (the broker would otherwise deliver every reading to both, and the
 * two would share the 2 cores), started fresh for each figure, ours first then the peer's. The
 * publishers stay connected throughout. Idle RSS is measured first, both side by side.
 */
import { mkdir, readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import type { CentralIn, CentralOut } from './central.js';
import { Child, readingsTotal, rssMb, spawnGateway } from './child.js';
import { startCountingSubscriber } from './counting-subscriber.js';
import { LoadPublishers, sleep } from './load.js';
import { startNodeRed } from './node-red.js';
import { progress } from './progress.js';
import { startSharedBroker, type SharedBroker } from './shared-broker.js';
import { METER_POINTS, benchSite, loadDevicesOf, meterDevices, powerMeter, scratch, writeSiteFile } from './sites.js';
import { monotonicMs, percentile, round } from './stats.js';

export interface PeerMeasureOptions {
  /** Meters (4 points each) for ingest, CPU and fault latency. */
  readonly devices: number;
  /** Meters of the idle-RSS site. */
  readonly idleDevices: number;
  readonly settleMs: number;
  /** RSS samples 500 ms apart after the settle; the largest is the figure. */
  readonly rssSamples: number;
  /** Total rates tried in turn for ingest, each for stepMs, until a receiver falls behind. */
  readonly steps: readonly number[];
  readonly stepMs: number;
  readonly warmupMs: number;
  /** Fixed rate and window for CPU per 100k readings. */
  readonly cpuRate: number;
  readonly cpuMs: number;
  readonly faults: number;
  readonly faultGapMs: number;
  readonly backgroundPerSecond: number;
  readonly publishers: number;
  /**
   * A fresh receiver for each figure, idle RSS on its own idleDevices site (the bench); or, to keep
   * the smoke test short, one receiver per side for everything, on the load site (quick).
   */
  readonly freshPerFigure: boolean;
}

const TOKEN = 'bench-token';
/** /proc/PID/stat times are in clock ticks: 100 a second on Linux (getconf CLK_TCK). */
const CLK_TCK = 100;

interface Receiver {
  readonly pid: number;
  readings(): Promise<number>;
  stop: () => Promise<void>;
}

type Side = 'ours' | 'peer';

export async function measurePeer(o: PeerMeasureOptions): Promise<Record<string, number | string>> {
  const broker = await startSharedBroker();
  const central = new Child<CentralIn, CentralOut>('central.js');
  const tmp = await scratch('peer');
  const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'bench-probe', username: 'bench-probe', password: 'pw-bench-probe' });
  let pubs: LoadPublishers | null = null;
  let runs = 0;
  const running = new Set<Receiver>();
  try {
    central.send({ kind: 'start', token: TOKEN });
    const { url: centralUrl } = await central.next('started');
    progress(`peer: broker ${broker.name} on ${broker.port}, central service at ${centralUrl}`);

    const probes = ['warm', ...Array.from({ length: o.faults }, (_, i) => String(i))].map((n, i) => ({ ...powerMeter(i), id: `probe-${n}`, faults: { 'power-loss': { onDelaySeconds: 0 } } }));
    const start = async (side: Side, devices: number, withProbes: boolean): Promise<Receiver> => {
      runs += 1;
      const t0 = performance.now();
      const r = side === 'ours' ? await startOurs(tmp.dir, broker, centralUrl, [...meterDevices(devices * 4), ...(withProbes ? probes : [])], runs) : await startPeer(broker, centralUrl);
      running.add(r);
      const stop = r.stop;
      r.stop = async () => {
        running.delete(r);
        await stop();
      };
      await untilCounting(r, probe);
      progress(`peer: ${side} started and reading in ${((performance.now() - t0) / 1000).toFixed(1)} s (pid ${r.pid})`);
      return r;
    };

    // Idle RSS: both side by side, nothing publishing (the readiness probe aside).
    const fresh = o.freshPerFigure;
    const [oursIdle, peerIdle] = [await start('ours', fresh ? o.idleDevices : o.devices, !fresh), await start('peer', 0, false)];
    await sleep(o.settleMs);
    const [oursRss, peerRss] = [await settledRss(oursIdle.pid, o.rssSamples), await settledRss(peerIdle.pid, o.rssSamples)];
    progress(`peer: idle RSS after ${o.settleMs / 1000} s: ours ${oursRss} MB (${fresh ? o.idleDevices : o.devices} meters), peer ${peerRss} MB`);
    if (fresh) {
      await oursIdle.stop();
      await peerIdle.stop();
    }
    const kept: Record<Side, Receiver> | null = fresh ? null : { ours: oursIdle, peer: peerIdle };
    const receiver = async (side: Side): Promise<Receiver> => kept?.[side] ?? (await start(side, o.devices, true));
    const done = async (r: Receiver): Promise<void> => {
      if (kept === null) await r.stop();
    };

    pubs = await LoadPublishers.connect(broker.port, loadDevicesOf(meterDevices(o.devices * 4)), o.publishers);
    progress(`peer: ${o.devices} load devices connected in ${o.publishers} publisher processes`);
    const load = pubs;

    const ingest: Record<Side, { rate: number; floor: boolean }> = { ours: { rate: 0, floor: false }, peer: { rate: 0, floor: false } };
    const cpu: Record<Side, { per100k: number; lost: number }> = { ours: { per100k: 0, lost: 0 }, peer: { per100k: 0, lost: 0 } };
    const latency: Record<Side, { p50: number; p99: number; max: number; missed: number }> = { ours: { p50: 0, p99: 0, max: 0, missed: 0 }, peer: { p50: 0, p99: 0, max: 0, missed: 0 } };
    for (const side of ['ours', 'peer'] as const) {
      const r = await receiver(side);
      try {
        ingest[side] = await sustainedRate(side, r, load, o);
      } finally {
        await done(r);
      }
    }
    // The broker's ceiling: the same steps, from the lower of the two figures up, with a receiver
    // that only counts. Where ours stopped short of it, ours was the limit; where ours met it, the broker and the machine were.
    const counter = await startCountingSubscriber(broker.port, 'site/#');
    const ceiling = await sustainedRate('counting subscriber', { pid: 0, readings: async () => counter.readings(), stop: () => counter.stop() }, load, {
      ...o,
      steps: o.steps.filter((s) => s >= Math.min(ingest.ours.rate, ingest.peer.rate) * 0.95),
    }).finally(() => counter.stop());
    for (const side of ['ours', 'peer'] as const) {
      const r = await receiver(side);
      try {
        cpu[side] = await cpuPer100k(side, r, load, o);
      } finally {
        await done(r);
      }
    }
    for (const side of ['ours', 'peer'] as const) {
      const r = await receiver(side);
      try {
        latency[side] = await faultLatency(side, load, probe, central, o);
      } finally {
        await done(r);
      }
    }
    return {
      broker: broker.name,
      ingestRatio: ratio(ingest.ours.rate, ingest.peer.rate),
      oursIngestPerSecond: ingest.ours.rate,
      peerIngestPerSecond: ingest.peer.rate,
      // 1: that side never fell behind; its figure is what the publishers reached, a floor.
      oursIngestIsFloor: ingest.ours.floor ? 1 : 0,
      peerIngestIsFloor: ingest.peer.floor ? 1 : 0,
      // What a receiver that only counts keeps up with through the same broker and publishers, and
      // so the highest ingestRatio this machine can show against this peer.
      brokerCeilingPerSecond: ceiling.rate,
      brokerCeilingIsFloor: ceiling.floor ? 1 : 0,
      ingestRatioCeiling: ratio(ceiling.rate, ingest.peer.rate),
      cpuPer100kRatio: ratio(cpu.ours.per100k, cpu.peer.per100k),
      oursCpuPer100k: cpu.ours.per100k,
      peerCpuPer100k: cpu.peer.per100k,
      oursCpuRunLost: cpu.ours.lost,
      peerCpuRunLost: cpu.peer.lost,
      idleRss1000Devices: peerRss,
      oursIdleRss1000Devices: oursRss,
      idleRssRatio: ratio(oursRss, peerRss),
      oursFaultP50Ms: latency.ours.p50,
      peerFaultP50Ms: latency.peer.p50,
      faultP50Ratio: ratio(latency.ours.p50, latency.peer.p50),
      oursFaultP99Ms: latency.ours.p99,
      peerFaultP99Ms: latency.peer.p99,
      faultP99Ratio: ratio(latency.ours.p99, latency.peer.p99),
      oursFaultMissed: latency.ours.missed,
      peerFaultMissed: latency.peer.missed,
      devices: o.devices,
      idleDevices: o.idleDevices,
    };
  } finally {
    for (const r of running) await r.stop();
    await pubs?.stop();
    await probe.endAsync(true);
    await central.stopAndExit({ kind: 'stop' });
    await broker.stop();
    await tmp.remove();
  }
}

function ratio(a: number, b: number): number {
  return b > 0 ? round(a / b, 2) : Number.NaN;
}

/** The real gateway process on a site whose broker is the shared one (external mode), syncing to the central service. */
async function startOurs(dir: string, broker: SharedBroker, centralUrl: string, devices: ReturnType<typeof meterDevices>, run: number): Promise<Receiver> {
  const dataDir = `${dir}/run-${run}`;
  const site = benchSite(dataDir, devices, {
    // A new client id each run: the gateway keeps a persistent session, and a fresh broker session per run keeps runs apart.
    broker: { mode: 'external', url: `mqtt://127.0.0.1:${broker.port}`, clientId: `bench-gateway-${run}` },
    central: { url: centralUrl, token: { value: TOKEN } },
    // Flood grouping off: each probe fault is a lone fault, as in faultLatency.
    alarms: { flood: { startAbove: 1_000_000, endBelow: 0 } },
    log: { level: 'info' },
  });
  await mkdir(dataDir, { recursive: true });
  const gateway = await spawnGateway(await writeSiteFile(dataDir, site));
  return { pid: gateway.pid, readings: () => readingsTotal(gateway.httpUrl), stop: () => gateway.stop() };
}

async function startPeer(broker: SharedBroker, centralUrl: string): Promise<Receiver> {
  const red = await startNodeRed({ brokerPort: broker.port, centralUrl, centralToken: TOKEN });
  return { pid: red.pid, readings: () => red.readings(), stop: () => red.stop() };
}

/** Publishes a normal reading of meter 0 every 100 ms until the receiver counts one: it is subscribed. */
async function untilCounting(r: Receiver, probe: mqtt.MqttClient): Promise<void> {
  const c0 = await r.readings();
  const deadline = performance.now() + 30_000;
  for (;;) {
    await probe.publishAsync('site/pm-0/voltageA', '{"value":221.3}', { qos: 0 });
    await sleep(100);
    if ((await r.readings()) > c0) return;
    if (performance.now() > deadline) throw new Error('the receiver counted no reading within 30 s of starting');
  }
}

async function settledRss(pid: number, samples: number): Promise<number> {
  let rss = await rssMb(pid);
  for (let i = 1; i < samples; i++) {
    await sleep(500);
    rss = Math.max(rss, await rssMb(pid));
  }
  return rss;
}

/** utime + stime of a process, seconds (/proc/PID/stat fields 14 and 15). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * The paced publishers at `rate` for `ms`, then paused; waits until the receiver has counted all
 * that was sent or has counted nothing new for 2 s. Returns what was sent and received, and the
 * backlog at the end of the window (sent minus counted then).
 */
async function window(r: Receiver, load: LoadPublishers, rate: number, ms: number): Promise<{ sent: number; received: number; backlog: number; seconds: number }> {
  const c0 = await r.readings();
  const s0 = await load.pause();
  const t0 = performance.now();
  load.go(rate, 2, METER_POINTS.length);
  await sleep(ms);
  const s1 = await load.pause();
  const seconds = (performance.now() - t0) / 1000;
  const sent = s1 - s0;
  const atEnd = (await r.readings()) - c0;
  let received = atEnd;
  let last = performance.now();
  while (received < sent && performance.now() - last < 2_000) {
    await sleep(100);
    const now = (await r.readings()) - c0;
    if (now > received) last = performance.now();
    received = now;
  }
  return { sent, received, backlog: sent - atEnd, seconds };
}

/**
 * Ingest: after a warm-up at the first rate (not counted), the rates of `steps` in turn; a step
 * passes when every reading sent was counted and the backlog at the end of the window was under
 * half a second of readings (the receiver kept up, not merely caught up later). A step that fails
 * is run once more (the machine is shared: one stall of another process is not the receiver's
 * limit). The figure is the rate sent in the last step that passed. Stepping stops at the second
 * failure of a step, or when the publishers themselves fall 10 % short of the rate asked (then the
 * figure is a floor).
 */
async function sustainedRate(side: string, r: Receiver, load: LoadPublishers, o: PeerMeasureOptions): Promise<{ rate: number; floor: boolean }> {
  await window(r, load, o.steps[0] ?? 1000, o.warmupMs);
  let best = 0;
  for (const rate of o.steps) {
    let ok = false;
    let sentRate = 0;
    for (let attempt = 1; attempt <= 2 && !ok; attempt++) {
      const w = await window(r, load, rate, o.stepMs);
      sentRate = Math.round(w.sent / w.seconds);
      ok = w.received === w.sent && w.backlog <= sentRate / 2;
      progress(`peer: ${side} ingest at ${rate}/s: sent ${w.sent} (${sentRate}/s), received ${w.received}, backlog at end ${w.backlog}: ${ok ? 'kept up' : 'fell behind'}${attempt > 1 ? ' (second try)' : ''}`);
    }
    if (!ok) return { rate: best, floor: false };
    best = sentRate;
    if (sentRate < rate * 0.9) {
      progress(`peer: ${side} ingest: the publishers reached only ${sentRate}/s of ${rate}/s; stepping stops here (the figure is a floor)`);
      return { rate: best, floor: true };
    }
  }
  return { rate: best, floor: true };
}

async function cpuPer100k(side: Side, r: Receiver, load: LoadPublishers, o: PeerMeasureOptions): Promise<{ per100k: number; lost: number }> {
  const cpu0 = await cpuSeconds(r.pid);
  const w = await window(r, load, o.cpuRate, o.cpuMs);
  const cpu = (await cpuSeconds(r.pid)) - cpu0;
  const per100k = w.received > 0 ? round((cpu / w.received) * 100_000, 2) : Number.NaN;
  progress(`peer: ${side} CPU at ${o.cpuRate}/s for ${w.seconds.toFixed(1)} s: ${cpu.toFixed(2)} s for ${w.received} of ${w.sent} readings (${per100k} s per 100k)`);
  return { per100k, lost: w.sent - w.received };
}

/**
 * Fault latency: background readings at the given rate, and one probe meter a fault every
 * faultGapMs (phase A at 0 V), from its publish to the central service accepting the ticket
 * (the same monotonic clock in both processes).
 */
async function faultLatency(
  side: Side,
  load: LoadPublishers,
  probe: mqtt.MqttClient,
  central: Child<CentralIn, CentralOut>,
  o: PeerMeasureOptions,
): Promise<{ p50: number; p99: number; max: number; missed: number }> {
  central.send({ kind: 'receipts', clear: true });
  await central.next('receipts');
  const sentAt = new Map<string, number>();
  load.go(o.backgroundPerSecond, 2, METER_POINTS.length);
  try {
    await sleep(1000);
    // One fault first, not counted, on each side: first-use costs (Node-RED loads its HTTP client
    // on its first request; our sync opens its connection) are not what a fault costs on a running site.
    probe.publish('site/probe-warm/voltageA', '{"value":0}', { qos: 0 });
    await sleep(500);
    for (let i = 0; i < o.faults; i++) {
      await sleep(o.faultGapMs);
      const id = `probe-${i}`;
      sentAt.set(id, monotonicMs());
      probe.publish(`site/${id}/voltageA`, '{"value":0}', { qos: 0 });
    }
    let at: Readonly<Record<string, number>> = {};
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      central.send({ kind: 'receipts', clear: false });
      at = (await central.next('receipts')).at;
      if ([...sentAt.keys()].every((id) => at[id] !== undefined)) break;
      await sleep(200);
    }
    const ms = [...sentAt].flatMap(([id, t]) => (at[id] === undefined ? [] : [at[id] - t])).sort((a, b) => a - b);
    const result = { p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)), max: round(ms.at(-1) ?? Number.NaN), missed: o.faults - ms.length };
    progress(`peer: ${side} fault latency over ${o.backgroundPerSecond}/s: p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms, ${result.missed} missed; slowest ${ms.slice(-5).map((x) => x.toFixed(0)).join(', ')} ms`);
    return result;
  } finally {
    await load.pause();
  }
}
