import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SiteConfig } from '../../gateway/config/site-schema.js';
import { SIM_CLOCK_ENV, simClockValue } from '../../gateway/sim-clock.js';
import { EtcdCluster } from '../etcd/etcd-cluster.js';
import { freeRestartablePort } from '../free-port.js';
import { startExternalBroker } from '../mqtt/external-broker.js';
import { SimulatedSite } from '../site/simulated-site.js';
import { judge } from './expectations.js';
import { GatewayChild, type ChildEnd } from './gateway-child.js';
import type { LoadedScenario } from './load-scenario.js';
import { judgePair, type Following, type PairRun } from './pair-expectations.js';
import { tickets, waitSynced } from './process-runner.js';
import { alertConsole, beginRun, describeStep, playTimeline, scenarioCentral, scenarioCentralService, withRealOfflineWindow, type GatewayControl, type RunOptions, type ScenarioResult } from './run-parts.js';

/** The pair's lease (ha.leaseSeconds): a dead active holds the standby back this long at most. */
const LEASE_SECONDS = 2;
/** The longest wait, in real time, for the other gateway to say it is the active after a kill. */
const TAKEOVER_LIMIT_MS = 30_000;
/** The longest wait, in real time, for a gateway started again to follow the active. */
const FOLLOW_LIMIT_MS = 15_000;

/** One gateway of the pair: its process, its own port, data folder and `ha.gatewayId`. */
interface Member {
  readonly id: string;
  readonly url: string;
  readonly child: GatewayChild;
}

/**
 * Plays a scenario against two gateway processes as a pair (`gatewayPair`, issue 34): three etcd
 * members (the two gateways' and the witness), the site's own MQTT broker (both gateways and every
 * device on it), the reference central service, and both gateways on the scenario's sped-up clock
 * (GATEWAY_SIM_CLOCK; leadership keeps real time, as it must). Their site files differ only in the
 * HTTP port, the data folder and `ha.gatewayId`. A `kill` step SIGKILLs whichever is the active, a
 * `start` brings the last one killed back as the standby. Tickets are read from the active's API.
 */
export async function runWithGatewayPair(loaded: LoadedScenario, opts: RunOptions = {}): Promise<ScenarioResult> {
  const { scenario } = loaded;
  const { started, speed, base, clock, progress } = await beginRun(loaded, opts);
  const run: PairRun = { kills: [], restarts: [], ownExits: [] };
  const cleanups: (() => Promise<void>)[] = [];
  const t0 = clock.now();
  const at = (): number => (clock.now() - t0) / 1000;
  // Role changes are shown while the scenario plays; the pair's own stop at the end is not news.
  let playing = true;
  try {
    const folder = await mkdtemp(path.join(os.tmpdir(), `scenario-${scenario.name}-`));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const etcd = await EtcdCluster.start(3);
    cleanups.push(() => etcd.stop());
    const broker = await startExternalBroker({ persistent: true });
    cleanups.push(() => broker.close());
    const central = scenarioCentralService(scenario, clock);
    await central.start(0);
    cleanups.push(() => central.stop());
    const sims = await SimulatedSite.start(base, { clock, ports: 'free' });
    cleanups.push(() => sims.stop());
    const forGateway = sims.siteForGateway();
    const reader = randomBytes(16).toString('hex');
    const siteOf = (gatewayId: string, port: number, dataDir: string): SiteConfig => ({
      ...forGateway,
      devices: forGateway.devices.map((d) => withRealOfflineWindow(d, speed)),
      dataDir,
      http: { ...base.http, host: '127.0.0.1', port },
      // The site's own broker: a pair cannot host it (the site file refuses `ha` with the embedded one).
      broker: { mode: 'external', url: broker.url, maxPayloadBytes: 16_384, clientId: `gw-${scenario.name}`, keepaliveSeconds: 5 },
      central: scenarioCentral(central.url),
      users: [...forGateway.users, { id: 'scenario-reader', name: '场景读取', role: 'operator' as const, tokenSha256: createHash('sha256').update(reader).digest('hex'), buildings: [] }],
      ha: { gatewayId, place: gatewayId === 'gw-a' ? 1 : 2, etcd: etcd.endpoints, prefix: '/gateway', leaseSeconds: LEASE_SECONDS, aloneAfterSeconds: 10, keptChanges: 10_000 },
    });
    const members: Member[] = [];
    for (const id of ['gw-a', 'gw-b']) {
      const port = await freeRestartablePort();
      const dir = path.join(folder, id);
      await mkdir(path.join(dir, 'data'), { recursive: true });
      const file = path.join(dir, 'site.json');
      await writeFile(file, JSON.stringify(siteOf(id, port, path.join(dir, 'data')), null, 2));
      const onEnd = (end: ChildEnd): void => {
        if (end.by === 'scenario') return;
        run.ownExits.push({ gatewayId: id, code: end.code, signal: end.signal });
        progress('info', `${id} ended on its own (${end.code ?? end.signal ?? '?'})`);
      };
      const child = new GatewayChild(file, { [SIM_CLOCK_ENV]: simClockValue(clock) }, onEnd, {
        onLine: (line) => {
          if (playing) roleChange(id, line, (text) => progress('info', text));
        },
      });
      members.push({ id, url: `http://127.0.0.1:${port}`, child });
    }
    const [first, second] = members as [Member, Member];
    // The standby first, then the active: the active does not hand over to a gateway about to stop.
    cleanups.push(async () => {
      const active = await activeOf(members);
      for (const m of [...members.filter((x) => x !== active), ...(active === null ? [] : [active])]) await m.child.stop();
    });
    // The first one started becomes the active; the second joins as the standby and follows it.
    await first.child.start();
    if (!(await waitRole(first, 'active', TAKEOVER_LIMIT_MS))) throw new Error(`${first.id} did not become the active:\n${first.child.lines.slice(-20).join('\n')}`);
    await second.child.start();
    const joined = await waitFollowing(second, first, FOLLOW_LIMIT_MS);
    if (joined !== null) throw new Error(`${second.id} did not follow ${first.id}: ${joined}`);
    progress('info', `the pair is up: ${first.id} active, ${second.id} the standby following it (etcd ${etcd.endpoints.length} members, lease ${LEASE_SECONDS} s)`);
    let current: Member = first;
    opts.onGatewayUrl?.(first.url);
    await sims.connectMqtt(broker.url);
    const alerted = new Map<string, Set<string>>();
    const site = siteOf(first.id, 0, '');
    const console = alertConsole(site, broker.url, scenario.name, (ticketId, level) => void alerted.set(ticketId, (alerted.get(ticketId) ?? new Set<string>()).add(level ?? 'team')));
    cleanups.push(() => console.endAsync(true));
    const seen = new Set<string>();
    const poller = setInterval(() => {
      if (!current.child.running) return;
      void tickets(current.url, reader)
        .then((list) => {
          for (const t of list) if (!seen.has(t.id) && seen.add(t.id)) progress('ticket', `raised ${t.number} ${t.tier} ${t.fault} @ ${t.deviceId} (${t.location.description}), on ${current.id}`, t);
        })
        .catch(() => undefined);
    }, 250);
    cleanups.push(async () => clearInterval(poller));

    const killed: Member[] = [];
    const takeovers: Promise<void>[] = [];
    const control: GatewayControl = {
      kill: async () => {
        const victim = await activeOf(members);
        if (victim === null) throw new Error('no gateway of the pair is the active: nothing to kill');
        const heir = members.find((m) => m !== victim) ?? victim;
        const entry: PairRun['kills'][number] = { victim: victim.id, at: at(), takeover: null };
        run.kills.push(entry);
        const killedAt = performance.now();
        await victim.child.kill();
        killed.push(victim);
        progress('info', `${victim.id}, the active, was killed (SIGKILL): its lease runs out within ${LEASE_SECONDS} s`);
        // Watched beside the timeline: the faults of the gap come while nobody is the active.
        takeovers.push(
          waitRole(heir, 'active', TAKEOVER_LIMIT_MS).then((ok) => {
            if (!ok) return;
            const seconds = (performance.now() - killedAt) / 1000;
            entry.takeover = { by: heir.id, seconds };
            current = heir;
            progress('info', `${heir.id} is the active, ${seconds.toFixed(1)} s (real time) after the kill`);
          }),
        );
      },
      start: async () => {
        const back = killed.shift();
        if (back === undefined) throw new Error('no gateway of the pair was killed: nothing to start again');
        await back.child.start();
        run.restarts.push(back.id);
        progress('info', `${back.id} started again on its data folder: it joins as the standby`);
      },
      restart: async () => {
        const active = await activeOf(members);
        if (active === null) throw new Error('no gateway of the pair is the active: nothing to restart');
        await active.child.stop();
        await active.child.start();
        run.restarts.push(active.id);
      },
    };
    await playTimeline(scenario, clock, { sims, central, external: broker, gateway: control, staff: null }, (step) => progress('step', describeStep(step)));
    await Promise.all(takeovers);
    const active = await waitActive(members, TAKEOVER_LIMIT_MS);
    if (active === null) throw new Error(`the scenario ended with no gateway of the pair the active:\n${members.map((m) => `${m.id}:\n${m.child.lines.slice(-15).join('\n')}`).join('\n')}`);
    const syncProblems = await waitSynced(active.url, reader, central, scenario.expect.some((e) => e.synced) && opts.requireSynced !== false);
    const list = await tickets(active.url, reader);
    const following: Following[] = [];
    for (const id of new Set(run.restarts)) {
      const m = members.find((x) => x.id === id);
      if (m !== undefined && m !== active) following.push({ gatewayId: id, why: await waitFollowing(m, active, FOLLOW_LIMIT_MS) });
    }
    playing = false;
    const verdict = judge(scenario.expect, list, alerted);
    const problems = [...syncProblems, ...judgePair(run, central.tickets(), list, alerted, following)];
    return { name: scenario.name, verdict, syncProblems: problems, ok: verdict.ok && problems.length === 0, tickets: list, realSeconds: (performance.now() - started) / 1000 };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** The pair's part of a gateway's /readyz (the standby's and the active's alike), or null when it does not answer. */
async function pairState(url: string): Promise<{ role: string; appliedChange: number } | null> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    const pair = ((await res.json()) as { pair?: { role?: unknown; appliedChange?: unknown } }).pair;
    return typeof pair?.role === 'string' ? { role: pair.role, appliedChange: Number(pair.appliedChange ?? 0) } : null;
  } catch {
    return null;
  }
}

async function activeOf(members: readonly Member[]): Promise<Member | null> {
  for (const m of members) if (m.child.running && (await pairState(m.url))?.role === 'active') return m;
  return null;
}

async function waitActive(members: readonly Member[], ms: number): Promise<Member | null> {
  const until = performance.now() + ms;
  for (;;) {
    const a = await activeOf(members);
    if (a !== null || performance.now() > until) return a;
    await sleep(50);
  }
}

async function waitRole(m: Member, role: string, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (m.child.running && (await pairState(m.url))?.role === role) return true;
    await sleep(50);
  }
  return false;
}

/** Null once `m` is the standby with the active's last change applied; else why not, after `ms`. */
async function waitFollowing(m: Member, active: Member, ms: number): Promise<string | null> {
  const until = performance.now() + ms;
  let why = 'it did not answer';
  while (performance.now() < until) {
    const [mine, theirs] = await Promise.all([pairState(m.url), pairState(active.url)]);
    if (mine !== null && theirs !== null) {
      if (mine.role === 'standby' && mine.appliedChange === theirs.appliedChange) return null;
      why = `role ${mine.role}, change ${mine.appliedChange} applied where the active is at ${theirs.appliedChange}`;
    }
    await sleep(100);
  }
  return why;
}

/** A gateway's role changes, as its log says them (promoted, fenced, demoted), shown as the scenario's progress. */
function roleChange(id: string, line: string, say: (text: string) => void): void {
  if (!line.includes('"event":"ha.')) return;
  try {
    const e = JSON.parse(line) as { event?: string; msg?: string };
    if (e.event === 'ha.promoted' || e.event === 'ha.fenced' || e.event === 'ha.demoted' || e.event === 'ha.promote_failed' || e.event === 'ha.role_change_failed') say(`${id}: ${e.msg ?? e.event}`);
  } catch {
    // not a log line of the gateway's
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
