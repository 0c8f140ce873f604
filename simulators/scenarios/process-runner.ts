import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SIM_CLOCK_ENV, simClockValue } from '../../gateway/sim-clock.js';
import type { DeadLetter } from '../../cloud-sync/sync-ledger.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import type { CentralService } from '../central/index.js';
import { freePort } from '../free-port.js';
import { SimulatedSite } from '../site/simulated-site.js';
import { judge } from './expectations.js';
import { GatewayChild, type ChildEnd } from './gateway-child.js';
import { judgeGateway, type GatewayRun } from './gateway-expectations.js';
import type { LoadedScenario } from './load-scenario.js';
import {
  alertConsole,
  beginRun,
  centralProblems,
  consoleBroker,
  describeStep,
  playTimeline,
  scenarioCentral,
  scenarioCentralService,
  withRealOfflineWindow,
  type RunOptions,
  type ScenarioResult,
  type SystemAlertSeen,
} from './run-parts.js';

/**
 * Plays a scenario against the gateway as a process of its own (`gatewayProcess`): it can be
 * SIGKILLed, stop on its own (its UPS ran low) and be started again on the same data folder and
 * ports, on the scenario's sped-up clock (GATEWAY_SIM_CLOCK). Its tickets are read back through its
 * HTTP API, as an operator's tools would; the central service and the console see what a site sees.
 */
export async function runWithGatewayProcess(loaded: LoadedScenario, opts: RunOptions = {}): Promise<ScenarioResult> {
  const { scenario } = loaded;
  const { started, speed, base, clock, progress } = await beginRun(loaded, opts);
  const run: GatewayRun = { stops: [], starts: [], exits: [], system: [] };
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const folder = await mkdtemp(path.join(os.tmpdir(), `scenario-${scenario.name}-`));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const central = scenarioCentralService(scenario, clock, (e) => progress('info', `the central service reports site ${e.siteId} ${e.kind === 'silent' ? 'SILENT: it pages the site manager' : 'recovered'} (${e.said})`));
    await central.start(0);
    cleanups.push(() => central.stop());
    const sims = await SimulatedSite.start(base, { clock, ports: 'free' });
    cleanups.push(() => sims.stop());
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const forGateway = sims.siteForGateway();
    const reader = randomBytes(16).toString('hex');
    const site = {
      ...forGateway,
      devices: forGateway.devices.map((d) => withRealOfflineWindow(d, speed)),
      dataDir: path.join(folder, 'data'),
      http: { ...base.http, host: '127.0.0.1', port: httpPort },
      broker: consoleBroker(mqttPort),
      central: scenarioCentral(central.url),
      // The runner reads the tickets back as a staff member of its own, where reads need a token.
      users: [...forGateway.users, { id: 'scenario-reader', name: '场景读取', role: 'operator' as const, tokenSha256: createHash('sha256').update(reader).digest('hex'), buildings: [] }],
    };
    const siteFile = path.join(folder, 'site.json');
    await writeFile(siteFile, JSON.stringify(site, null, 2));
    const onEnd = (end: ChildEnd): void => {
      if (end.by === 'scenario') return;
      run.stops.push(clock.now());
      run.exits.push(end.code ?? -1);
      progress('info', `the gateway process stopped on its own, exit status ${end.code ?? end.signal ?? '?'}`);
    };
    const child = new GatewayChild(siteFile, { [SIM_CLOCK_ENV]: simClockValue(clock), GATEWAY_ID: `gw-${scenario.name}` }, onEnd);
    cleanups.push(() => child.stop());
    const start = async (): Promise<void> => {
      // From the moment the process is asked to start: it tells central before it says it started.
      run.starts.push(clock.now());
      await child.start();
      progress('info', `the gateway process started (pid and data folder as before: ${site.dataDir})`);
    };
    await start();
    const gatewayUrl = `http://127.0.0.1:${httpPort}`;
    opts.onGatewayUrl?.(gatewayUrl);
    const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`;
    await sims.connectMqtt(brokerUrl);
    const alerted = new Map<string, Set<string>>();
    const onSystem = (a: SystemAlertSeen): void => {
      run.system.push(a);
      progress('info', `alerts/system: ${a.text.split('\n').slice(0, 2).join(' / ')}`);
    };
    const console = alertConsole(site, brokerUrl, scenario.name, (ticketId, level) => void alerted.set(ticketId, (alerted.get(ticketId) ?? new Set<string>()).add(level ?? 'team')), onSystem);
    cleanups.push(() => console.endAsync(true));
    const seen = new Set<string>();
    const poller = setInterval(() => {
      if (!child.running) return;
      void tickets(gatewayUrl, reader)
        .then((list) => {
          for (const t of list) if (!seen.has(t.id) && seen.add(t.id)) progress('ticket', `raised ${t.number} ${t.tier} ${t.fault} @ ${t.deviceId} (${t.location.description})`, t);
        })
        .catch(() => undefined);
    }, 250);
    cleanups.push(async () => clearInterval(poller));
    const control = {
      restart: async (): Promise<void> => {
        await child.stop();
        await start();
      },
      kill: async (): Promise<void> => {
        await child.kill();
        run.stops.push(clock.now());
        progress('info', 'the gateway process was killed (SIGKILL): no clean stop, its embedded broker gone with it');
      },
      start,
    };
    await playTimeline(scenario, clock, { sims, central, external: null, gateway: control, staff: null }, (step) => progress('step', describeStep(step)));
    if (!child.running) throw new Error('the scenario ended with the gateway stopped: start it again before the end, so its tickets can be read');
    const syncProblems = await waitSynced(gatewayUrl, reader, central, scenario.expect.some((e) => e.synced) && opts.requireSynced !== false);
    // A gateway started again near the end says it is back, and clears what its readings clear, a
    // moment after it starts: on a busy machine the scenario's last seconds can pass first. Wait for
    // the expected end (its system alerts, its tickets as expected; 15 s of real time at most), then judge.
    const wanted = scenario.expectGateway?.systemAlerts ?? [];
    const deadline = performance.now() + 15_000;
    let list = await tickets(gatewayUrl, reader);
    let verdict = judge(scenario.expect, list, alerted);
    while ((!verdict.ok || !wanted.every((w) => run.system.some((a) => a.code === w.code))) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      list = await tickets(gatewayUrl, reader);
      verdict = judge(scenario.expect, list, alerted);
    }
    const gatewayProblems = judgeGateway(scenario.expectGateway, run, central, site.site.id);
    const problems = [...syncProblems, ...gatewayProblems];
    return { name: scenario.name, verdict, syncProblems: problems, ok: verdict.ok && problems.length === 0, tickets: list, realSeconds: (performance.now() - started) / 1000 };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** The tickets the gateway at `url` lists, read as a staff member (`token`). */
export async function tickets(url: string, token: string): Promise<Ticket[]> {
  const res = await fetch(`${url}/api/tickets?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /api/tickets answered ${res.status}`);
  return ((await res.json()) as { tickets: Ticket[] }).tickets;
}

/** The outbox empty (or 15 s passed), then what the central service got wrong or never got. */
export async function waitSynced(url: string, token: string, central: CentralService, wanted: boolean): Promise<string[]> {
  if (!wanted) return [];
  const deadline = performance.now() + 15_000;
  for (;;) {
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { sync: { backlog: number } };
    if (ready.sync.backlog === 0 || performance.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const dead = ((await (await fetch(`${url}/api/dead-letters`, { headers: { authorization: `Bearer ${token}` } })).json()) as { deadLetters: DeadLetter[] }).deadLetters;
  return centralProblems(central, await tickets(url, token), dead);
}
