/**
 * Two gateways on one site (issue 34): repeated SIGKILL trials on one pair site (three real etcd
 * members, the site's broker, the reference central service, two gateway processes; simulators/ha/
 * pair-site.ts), and fault -> durable on the pair beside a single gateway on the same site.
 *
 * A trial: SIGKILL of the active, a leak published at once (a fault that begins in the gap), the
 * standby's /readyz polled until it says `pair.role: active` (the failover time), the leak's ticket
 * timed to the new active's `ticket.raised` log line (durable there: committed through etcd under
 * its epoch and fsynced in its journal; its API lists the ticket from that moment) and to the
 * central service holding it; then the killed gateway is started again and the next trial waits
 * until it follows (its `pair.appliedChange` is the active's).
 *
 * Fault -> durable: a leak sensor (on-delay 0) publishes on the site broker and the clock stops when
 * the gateway's `ticket.raised` line reaches this process (written after the store's commit, so
 * after the etcd transaction and the local fsync on the pair; after the fsync alone on the single
 * gateway). Both are separate processes timed the same way, so the pipe and broker hops are in both.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { errorMessage } from '../core/errors.js';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CentralService } from '../simulators/central/central-service.js';
import { freePort, freeRestartablePort } from '../simulators/free-port.js';
import { PAIR_ENGINEER_TOKEN, PairSite, type PairGateway } from '../simulators/ha/pair-site.js';
import { GatewayChild } from '../simulators/scenarios/gateway-child.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import { RaisedLines, waitFor } from './ha-watch.js';
import { percentile, round } from './stats.js';

export interface HaOptions {
  /** SIGKILL trials. */
  readonly trials: number;
  /** Faults in each fault -> durable stream (pair, then single), after one alone to warm up. */
  readonly durableFaults: number;
  /** Mean time between those faults (each gap within +-50 % of it): 100 ms is 10 faults/s. */
  readonly gapMs: number;
  /** Photos of 300 kB uploaded one after another, on the single gateway and on the pair. */
  readonly photos: number;
}

export interface HaResult {
  readonly trials: number;
  readonly failoverP50Seconds: number;
  readonly failoverP99Seconds: number;
  readonly failoverMaxSeconds: number;
  readonly firstTicketP50Seconds: number;
  readonly firstTicketP99Seconds: number;
  readonly firstTicketAtCentralP99Seconds: number;
  readonly emergenciesLost: number;
  readonly duplicateTicketsAtCentral: number;
  /** Fault -> durable as the active measures it per ticket (`durableMs` of its ticket.raised line: the reading that decided the fault -> committed through etcd and fsynced). */
  readonly durableP50Ms: number;
  readonly durableP99Ms: number;
  /** The same on one gateway without ha, in the same run. */
  readonly singleDurableP50Ms: number;
  readonly singleDurableP99Ms: number;
  /** Publish on the site broker -> the ticket.raised line read here: the broker hop and the harness's pipe read added. */
  readonly durableEndToEndP99Ms: number;
  readonly singleDurableEndToEndP99Ms: number;
  readonly durableFaults: number;
  readonly durableMissed: number;
  /** A 300 kB photo sent -> its id answered (on the pair: on the active's disk and committed in etcd). */
  readonly photoUploadP50Ms: number;
  readonly photoUploadP99Ms: number;
  readonly singlePhotoUploadP50Ms: number;
  readonly singlePhotoUploadP99Ms: number;
  readonly leaseSeconds: number;
  /** The machine's 1-minute load average when the measure started and ended (2 cores: above 2, others wait for a core). */
  readonly loadAverageAtStart: number;
  readonly loadAverageAtEnd: number;
}

const LEASE_SECONDS = 2;
/** Longest wait for one step of a trial (a takeover, a ticket, a start, a catch-up). */
const STEP_LIMIT_MS = 60_000;

export async function measureHa(o: HaOptions): Promise<HaResult> {
  const loadAtStart = os.loadavg()[0] ?? Number.NaN;
  const raised = new RaisedLines();
  const per = o.durableFaults + 1;
  const site = await PairSite.start({ leakSensors: 2 * per + o.trials, leaseSeconds: LEASE_SECONDS, leakOnDelaySeconds: 0,
    // Flood grouping off, as in faultLatency: each fault here is a lone one, alerted on its own.
    siteFileExtra: { alarms: { flood: { startAbove: 1_000_000, endBelow: 0 } } },
    onLine: (id, line) => raised.line(id, line),
  });
  const singleSensors = site.sensors.slice(0, per);
  const pairSensors = site.sensors.slice(per, 2 * per);
  const trialSensors = site.sensors.slice(2 * per);
  const alerted = new Set<string>();
  const console_ = await mqtt.connectAsync(site.broker.url, { clientId: 'bench-ha-console', clean: false });
  console_.on('message', (_topic, payload) => {
    try {
      const id = (JSON.parse(payload.toString('utf8')) as { ticketId?: unknown }).ticketId;
      if (typeof id === 'string') alerted.add(id);
    } catch {
      // not an alert
    }
  });
  await console_.subscribeAsync('alerts/#', { qos: 1 });
  try {
    progress(`ha: a single gateway (no ha) on the same site: ${o.durableFaults} faults, one every ${o.gapMs} ms on average`);
    const single = await faultStream(site, singleSensors, o.gapMs, raised, 'single', () => startSingle(site, raised));
    progress(`ha: ${o.photos} photos of 300 kB uploaded to a single gateway`);
    const alone = await startSingle(site, raised);
    const singlePhotos = await photoUploads(alone.url, o.photos).finally(() => alone.close());
    progress(`ha: the pair (lease ${LEASE_SECONDS} s): ${o.durableFaults} faults, one every ${o.gapMs} ms on average`);
    await site.startBoth();
    const first = await site.waitForActive(STEP_LIMIT_MS);
    await waitFollowing(site.other(first), first);
    const pair = await faultStream(site, pairSensors, o.gapMs, raised, first.id, async () => ({ close: async () => undefined }));
    progress(`ha: ${o.photos} photos of 300 kB uploaded to the pair's active`);
    const pairPhotos = await photoUploads(first.url, o.photos);
    const failovers: number[] = [];
    const firstTickets: number[] = [];
    const atCentral: number[] = [];
    for (let i = 0; i < o.trials; i++) {
      const sensor = trialSensors[i] ?? '';
      const victim = await site.waitForActive(STEP_LIMIT_MS);
      const heir = site.other(victim);
      const killedAt = performance.now();
      await victim.child.kill();
      await site.publish(sensor, true);
      const activeAt = await waitActive(heir);
      failovers.push((activeAt - killedAt) / 1000);
      const ticketAt = await waitFor(() => raised.get(sensor)?.at ?? null, `the ticket of ${sensor} on ${heir.id}`);
      firstTickets.push((ticketAt - killedAt) / 1000);
      const centralAt = await waitFor(() => (site.central.tickets().some((t) => t.deviceId === sensor) ? performance.now() : null), `${sensor} at the central service`, 25);
      atCentral.push((centralAt - killedAt) / 1000);
      const seconds = failovers.at(-1) ?? 0;
      if (seconds > 5) progress(`ha: trial ${i + 1}: failover ${seconds.toFixed(2)} s, over the 5 s target; ${heir.id} said:\n    ${heir.child.lines.filter((l) => l.includes('"event":"ha.')).slice(-8).join('\n    ')}`);
      await startAgain(victim);
      await waitFollowing(victim, heir);
      progress(`ha: trial ${i + 1}/${o.trials}: ${victim.id} killed, ${heir.id} active after ${seconds.toFixed(2)} s, the gap's ticket durable after ${(firstTickets.at(-1) ?? 0).toFixed(2)} s, at central after ${(atCentral.at(-1) ?? 0).toFixed(2)} s; ${victim.id} follows again`);
    }
    const lost = await emergenciesLost(site, [...pairSensors, ...trialSensors], alerted, raised);
    const byFault = new Map<string, number>();
    for (const t of site.central.tickets()) byFault.set(`${t.deviceId}|${t.fault}`, (byFault.get(`${t.deviceId}|${t.fault}`) ?? 0) + 1);
    const duplicates = [...byFault.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    for (const [key, c] of byFault) if (c > 1) progress(`ha: ${key} is ${c} tickets at the central service`);
    const s = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
    return {
      trials: o.trials,
      failoverP50Seconds: round(percentile(s(failovers), 50), 2),
      failoverP99Seconds: round(percentile(s(failovers), 99), 2),
      failoverMaxSeconds: round(s(failovers).at(-1) ?? Number.NaN, 2),
      firstTicketP50Seconds: round(percentile(s(firstTickets), 50), 2),
      firstTicketP99Seconds: round(percentile(s(firstTickets), 99), 2),
      firstTicketAtCentralP99Seconds: round(percentile(s(atCentral), 99), 2),
      emergenciesLost: lost,
      duplicateTicketsAtCentral: duplicates,
      durableP50Ms: round(percentile(s(pair.gatewayMs), 50)),
      durableP99Ms: round(percentile(s(pair.gatewayMs), 99)),
      singleDurableP50Ms: round(percentile(s(single.gatewayMs), 50)),
      singleDurableP99Ms: round(percentile(s(single.gatewayMs), 99)),
      durableEndToEndP99Ms: round(percentile(s(pair.ms), 99)),
      singleDurableEndToEndP99Ms: round(percentile(s(single.ms), 99)),
      durableFaults: o.durableFaults,
      durableMissed: pair.missed + single.missed,
      photoUploadP50Ms: round(percentile(s(pairPhotos), 50)),
      photoUploadP99Ms: round(percentile(s(pairPhotos), 99)),
      singlePhotoUploadP50Ms: round(percentile(s(singlePhotos), 50)),
      singlePhotoUploadP99Ms: round(percentile(s(singlePhotos), 99)),
      leaseSeconds: LEASE_SECONDS,
      loadAverageAtStart: round(loadAtStart, 1),
      loadAverageAtEnd: round(os.loadavg()[0] ?? Number.NaN, 1),
    };
  } finally {
    await console_.endAsync(true).catch(() => undefined);
    await site.stop();
  }
}

/**
 * One fault alone (its code runs for the first time: not counted), then `sensors` faults on a
 * schedule of elapsed time (a fault does not wait for the one before it), each timed from its
 * publish to the `ticket.raised` line of gateway `by`; beside it, the gateway's own histogram over
 * the stream. `open` starts what raises them and returns its address and stop.
 */
async function faultStream(site: PairSite, sensors: readonly string[], gapMs: number, raised: RaisedLines, by: string, open: () => Promise<{ close: () => Promise<void> }>): Promise<{ ms: number[]; gatewayMs: number[]; missed: number }> {
  const { close } = await open();
  try {
    const [first = '', ...rest] = sensors;
    // Published again every half second until raised: a gateway says it started before its broker subscription is made.
    await waitFor(async () => {
      if (raised.get(first) !== undefined) return 1;
      await site.publish(first, true);
      await sleep(500);
      return raised.get(first) === undefined ? null : 1;
    }, `the first fault's ticket on ${by}`);
    await sleep(1000);
    const sentAt = new Map<string, number>();
    const published: Promise<void>[] = [];
    let due = performance.now();
    for (const sensor of rest) {
      due += gapMs * (0.5 + Math.random());
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      sentAt.set(sensor, performance.now());
      published.push(site.publish(sensor, true));
    }
    await Promise.all(published);
    const end = performance.now() + 10_000;
    while (rest.some((x) => raised.get(x) === undefined) && performance.now() < end) await sleep(20);
    const ms = rest.flatMap((x) => {
      const r = raised.get(x);
      const t0 = sentAt.get(x);
      return r !== undefined && t0 !== undefined && r.gatewayId === by ? [r.at - t0] : [];
    });
    const gatewayMs = rest.flatMap((x) => {
      const r = raised.get(x);
      return r !== undefined && r.durableMs !== null && r.gatewayId === by ? [r.durableMs] : [];
    });
    return { ms, gatewayMs, missed: rest.length - ms.length };
  } finally {
    await close();
  }
}

/** One gateway without `ha` on the pair's site file (its own port, data folder and central service): its address and its stop. */
/**
 * Photos as a phone sends them with a report, one after another: 300 kB each (the pages scale a
 * photo to 1600 px), each timed from its send to its id answered.
 */
async function photoUploads(url: string, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const body = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(300_000)]);
    const sent = performance.now();
    const res = await fetch(`${url}/api/attachments`, { method: 'POST', headers: { authorization: `Bearer ${PAIR_ENGINEER_TOKEN}`, 'content-type': 'image/jpeg' }, body });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`photo upload answered ${res.status}: ${text}`);
    ms.push(performance.now() - sent);
  }
  return ms;
}

async function startSingle(site: PairSite, raised: RaisedLines): Promise<{ url: string; close: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-ha-single-'));
  const central = new CentralService({ tokens: ['bench-single'], progress: false });
  const centralUrl = await central.start(await freePort(), '127.0.0.1');
  const file = JSON.parse(await readFile(site.gateways[0].siteFile, 'utf8')) as Record<string, unknown> & { http: Record<string, unknown>; broker: Record<string, unknown> };
  const port = await freeRestartablePort();
  delete file['ha'];
  const own = { ...file, http: { ...file.http, port, publicUrl: `http://127.0.0.1:${port}` }, broker: { ...file.broker, clientId: 'gw-single' }, dataDir: path.join(dir, 'data'), central: { url: centralUrl, token: { value: 'bench-single' } } };
  const siteFile = path.join(dir, 'site.json');
  await writeFile(siteFile, JSON.stringify(own, null, 2));
  const child = new GatewayChild(siteFile, {}, () => undefined, { onLine: (line) => raised.line('single', line) });
  await child.start();
  const close = async (): Promise<void> => {
    await child.stop();
    await central.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { url: `http://127.0.0.1:${port}`, close };
}

/** Starts a killed gateway again; a start refused (its port taken meanwhile) is shown with who holds the port, and tried again once. */
async function startAgain(g: PairGateway): Promise<void> {
  try {
    await g.child.start();
  } catch (err) {
    const port = new URL(g.url).port;
    const holders = spawnSync('ss', ['-tanp', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' }).stdout;
    progress(`ha: ${g.id} did not start again: ${errorMessage(err).split('\n')[0] ?? ''}; port ${port} now:\n${holders}`);
    await sleep(2000);
    await g.child.start();
  }
}

/** Every leak published on the pair has its ticket at the central service, and that ticket's alert reached the console. */
async function emergenciesLost(site: PairSite, sensors: readonly string[], alerted: ReadonlySet<string>, lines: RaisedLines): Promise<number> {
  const ticketOf = (sensor: string) => site.central.tickets().find((t) => t.deviceId === sensor && t.fault === 'water-leak');
  const end = performance.now() + 20_000;
  while (sensors.some((x) => ticketOf(x) === undefined || !alerted.has(ticketOf(x)?.id ?? '')) && performance.now() < end) await sleep(100);
  let lost = 0;
  for (const sensor of sensors) {
    const t = ticketOf(sensor);
    if (t !== undefined && alerted.has(t.id)) continue;
    lost += 1;
    const onBroker = t === undefined ? [] : site.broker.published('alerts/').filter((m) => m.payload.includes(t.id));
    const said = t === undefined ? lines.mentioning(`"deviceId":"${sensor}"`) : lines.mentioning(t.id);
    progress(
      `ha: the leak of ${sensor} ${t === undefined ? 'has no ticket at the central service' : `(${t.number}) was never alerted on alerts/#`}; the broker saw ${onBroker.length} alert(s) of it${onBroker.length === 0 ? '' : ` from ${onBroker.map((m) => m.clientId ?? '?').join(', ')}`}; the gateways said:\n    ${said.slice(-12).join('\n    ')}`,
    );
  }
  return lost;
}

/** When `g`'s /readyz first says it is the active (performance.now()). */
async function waitActive(g: PairGateway): Promise<number> {
  return waitFor(async () => {
    const pair = (await g.readyz())?.body['pair'] as { role?: string } | undefined;
    return pair?.role === 'active' ? performance.now() : null;
  }, `${g.id} to become the active`, 25);
}

/** Until `g` is the standby with the active's last change applied. */
async function waitFollowing(g: PairGateway, active: PairGateway): Promise<void> {
  await waitFor(async () => {
    const [mine, theirs] = await Promise.all([g.readyz(), active.readyz()]);
    const m = mine?.body['pair'] as { role?: string; appliedChange?: number } | undefined;
    const a = theirs?.body['pair'] as { appliedChange?: number } | undefined;
    return m?.role === 'standby' && m.appliedChange !== undefined && m.appliedChange === a?.appliedChange ? 1 : null;
  }, `${g.id} to follow ${active.id}`, 50);
}
