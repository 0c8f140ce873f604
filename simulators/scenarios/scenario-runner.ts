import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { buildGateway, type Gateway } from '../../gateway/app.js';
import { ScaledClock } from '../../core/clock.js';
import { loadSiteFile } from '../../gateway/config/load-site.js';
import { localDate } from '../../core/local-time.js';
import type { SiteConfig } from '../../gateway/config/site-schema.js';
import { silentLogger } from '../../core/log.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { type CentralService } from '../central/index.js';
import { startExternalBroker } from '../mqtt/external-broker.js';
import { SimulatedSite } from '../site/simulated-site.js';
import { judge, type AlertSaid, type Verdict } from './expectations.js';
import { judgeStats, monthFigures, type StatsRow } from './stats-expectations.js';
import type { LoadedScenario } from './load-scenario.js';
import { scenarioStaff, staffStep } from './staff-actions.js';
import type { StaffStep } from './staff-step-schema.js';
import { alertConsole, beginRun, centralProblems, consoleBroker, describeStep, playTimeline, scenarioCentral, scenarioCentralService, withRealOfflineWindow, type RunOptions, type ScenarioProgress, type ScenarioResult } from './run-parts.js';

export type { RunOptions, ScenarioProgress, ScenarioResult };

/**
 * Plays one scenario against a gateway it starts in-process on the scenario's site file, with the
 * simulators that site needs and the reference central service, all on 127.0.0.1. Time runs
 * `speed` times faster for the gateway and the simulators alike (ScaledClock).
 */
export async function runScenario(loaded: LoadedScenario, opts: RunOptions = {}): Promise<ScenarioResult> {
  const { scenario } = loaded;
  if (scenario.gatewayProcess) {
    const { runWithGatewayProcess } = await import('./process-runner.js');
    return runWithGatewayProcess(loaded, opts);
  }
  if (scenario.gatewayPair) {
    const { runWithGatewayPair } = await import('./pair-runner.js');
    return runWithGatewayPair(loaded, opts);
  }
  const { started, speed, base, clock, progress } = await beginRun(loaded, opts);
  const log = opts.log ?? silentLogger();
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `scenario-${scenario.name}-`));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const central = scenarioCentralService(scenario, clock);
    await central.start(0);
    cleanups.push(() => central.stop());

    // Persistent sessions on the site's own broker, as a real one keeps them: the engineers'
    // console gets what was published while it was away.
    const external = scenario.externalBroker ? await startExternalBroker({ persistent: true }) : null;
    if (external !== null) cleanups.push(() => external.close());

    const staff = scenarioStaff();
    // The month the scenario starts in, as the site counts it: the one its figures are judged for.
    const month = localDate(clock.now(), base.site.timeZone).slice(0, 7);
    const sims = await SimulatedSite.start(base, { clock, ports: 'free' });
    cleanups.push(() => sims.stop());
    const forGateway = sims.siteForGateway();
    let site: SiteConfig = {
      ...forGateway,
      devices: forGateway.devices.map((d) => withRealOfflineWindow(d, speed)),
      dataDir,
      http: { ...base.http, host: '127.0.0.1', port: 0 },
      broker: external === null ? consoleBroker(0) : { mode: 'external', url: external.url, maxPayloadBytes: 16_384, clientId: `gw-${scenario.name}`, keepaliveSeconds: 60 },
      central: scenarioCentral(central.url),
      users: [...base.users, ...staff.users],
    };
    const watch = (gw: Gateway): void => {
      gw.tickets.on('changed', (t, change) => {
        if (change === 'raised') progress('ticket', `raised ${t.number} ${t.tier} ${t.fault} @ ${t.deviceId} (${t.location.description})${t.repeatOf === null ? '' : ', repeating an earlier ticket'}${t.rework ? ' (a repeat repair)' : ''}`, t);
        const last = t.history.at(-1);
        if (change === 'updated' && last?.action === 'escalated') progress('info', `${t.number} escalated (${last.step ?? ''} -> ${last.level ?? ''}), in its history: ${last.note ?? ''}`, t);
      });
      gw.sync.on('delivered', (d) => {
        const t = gw.tickets.get(d.ticketId);
        if (d.result === 'accepted' && t !== undefined && d.version === 1) progress('synced', `synced ${t.number} to the central service`, t);
      });
    };
    let gateway = await buildGateway(site, { clock, log });
    await gateway.start();
    watch(gateway);
    cleanups.push(() => gateway.stop());
    // A restart comes back on the same ports, where the simulators and the console look for it.
    const httpPort = Number(new URL(gateway.httpUrl() ?? 'http://x:0').port);
    const gatewayUrl = gateway.httpUrl();
    if (gatewayUrl !== null) opts.onGatewayUrl?.(gatewayUrl);
    const mqttPort = gateway.mqtt.address()?.port;
    site = { ...site, http: { ...site.http, port: httpPort }, broker: site.broker.mode === 'embedded' && mqttPort !== undefined ? { ...site.broker, port: mqttPort } : site.broker };
    const restartGateway = async (): Promise<void> => {
      await gateway.stop();
      gateway = await buildGateway(site, { clock, log });
      await gateway.start();
      watch(gateway);
    };
    const brokerUrl = external?.url ?? `mqtt://127.0.0.1:${gateway.mqtt.address()?.port}`;
    await sims.connectMqtt(brokerUrl);
    if (gatewayUrl !== null) await sims.connectHttp(gatewayUrl);
    const alerted = new Map<string, Set<string>>();
    const said = new Map<string, AlertSaid[]>();
    const console = alertConsole(site, brokerUrl, scenario.name, (ticketId, level, alert) => {
      const levels = alerted.get(ticketId) ?? new Set<string>();
      if (level !== null && !levels.has(level)) progress('info', `alert for ${gateway.tickets.get(ticketId)?.number ?? ticketId} to the ${level} reached the engineers' console`);
      if (level !== null) levels.add(level);
      alerted.set(ticketId, levels);
      said.set(ticketId, [...(said.get(ticketId) ?? []), alert]);
    });
    cleanups.push(() => console.endAsync(true));
    // The timeline starts once every adapter is connected (the first OPC UA connection creates the
    // client certificate, which takes a moment), then after a short warm-up.
    const connectDeadline = performance.now() + 30_000;
    while (!gateway.adapterStatuses().every((a) => a.connected) && performance.now() < connectDeadline) await new Promise((r) => setTimeout(r, 50));
    const act = (step: StaffStep): Promise<void> => staffStep(gateway, staff.tokens[step.as], step, (text) => progress('info', text));
    await playTimeline(scenario, clock, { sims, central, external, gateway: { restart: restartGateway }, staff: act }, (step) => progress('step', describeStep(step)));
    await gateway.pipeline.idle();

    const syncProblems = opts.requireSynced === false ? [] : await checkSynced(gateway, central, scenario.expect.some((e) => e.synced));
    const refused = gateway.store.data.deadLetters.filter((d) => d.update !== undefined);
    if (refused.length !== scenario.refusedUpdates) syncProblems.push(`${refused.length} update(s) from the central service refused, expected ${scenario.refusedUpdates}${refused.length === 0 ? '' : `: ${refused.map((d) => d.reason).join('; ')}`}`);
    const tickets = gateway.tickets.all();
    const verdict = withStats(judge(scenario.expect, tickets, alerted, said), scenario.expectStats === undefined ? null : judgeStats(scenario.expectStats, await monthFigures(gateway.httpUrl() ?? '', staff.tokens.supervisor, month, base.site.timeZone), month));
    return { name: scenario.name, verdict, syncProblems, ok: verdict.ok && syncProblems.length === 0, tickets, realSeconds: (performance.now() - started) / 1000 };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** The month's figures judged beside the tickets: one more row of the table. */
function withStats(v: Verdict, row: StatsRow | null): Verdict {
  return row === null ? v : { ...v, rows: [...v.rows, row], ok: v.ok && row.ok };
}

export interface ExternalRunOptions {
  /** Base URL of the running gateway's HTTP API, e.g. http://127.0.0.1:8080. */
  readonly gatewayUrl: string;
  /** The site file that gateway runs; its simulators listen on the ports it names. */
  readonly siteFile: string;
  /** The gateway's MQTT broker; default the URL's host on the site file's broker port. */
  readonly brokerUrl?: string;
  /** A staff token of the gateway's site, for reading tickets back where reads need one (`http.readsNeedToken`). */
  readonly token?: string;
  readonly onProgress?: (p: ScenarioProgress) => void;
}

/**
 * Plays a scenario against a gateway someone else started (an operator's `npm start`), in real
 * time: the simulators take the ports the site file names, and tickets are read back from the
 * gateway's API. Steps that need the in-process setup (central faults, an external broker) are refused.
 */
export async function runAgainstGateway(loaded: LoadedScenario, o: ExternalRunOptions): Promise<ScenarioResult> {
  const { scenario } = loaded;
  if (scenario.externalBroker || scenario.gatewayPair || scenario.devicesFrom.length > 0 || scenario.startsAt !== undefined || scenario.expectStats !== undefined || scenario.steps.some((s) => s.central !== undefined || s.gateway !== undefined || s.staff !== undefined || s.server?.target === 'broker')) {
    throw new Error(`scenario ${scenario.name} controls the central service, the broker, the gateway (or a pair of them), the time of day or staff logins, or judges the month's figures; run it without --gateway`);
  }
  const started = performance.now();
  const clock = new ScaledClock(1);
  const t0 = clock.now();
  const progress = (kind: ScenarioProgress['kind'], text: string, ticket?: Ticket): void =>
    o.onProgress?.({ kind, at: Math.round((clock.now() - t0) / 100) / 10, text, ...(ticket === undefined ? {} : { ticket }) });
  const site = await loadSiteFile(o.siteFile);
  const base = o.gatewayUrl.replace(/\/$/, '');
  const health = await fetch(`${base}/healthz`).catch(() => null);
  if (health === null || !health.ok) throw new Error(`no gateway answers at ${base}/healthz`);
  const sims = await SimulatedSite.start(site, { clock, ports: 'config' });
  const seen = new Map<string, Ticket>();
  const sinceIso = new Date(Date.now() - 1000).toISOString();
  const poll = async (): Promise<void> => {
    const res = await fetch(`${base}/api/tickets?since=${encodeURIComponent(sinceIso)}`, { headers: o.token === undefined ? {} : { authorization: `Bearer ${o.token}` } });
    if (res.status === 401) throw new Error(`the gateway at ${base} reads tickets only with a staff token (http.readsNeedToken): pass --token (or GATEWAY_TOKEN)`);
    if (!res.ok) return;
    for (const t of ((await res.json()) as { tickets: Ticket[] }).tickets) {
      if (!seen.has(t.id)) progress('ticket', `raised ${t.number} ${t.tier} ${t.fault} @ ${t.deviceId} (${t.location.description})`, t);
      seen.set(t.id, t);
    }
  };
  const poller = setInterval(() => void poll().catch(() => undefined), 500);
  try {
    const port = site.broker.mode === 'embedded' ? site.broker.port : 1883;
    await sims.connectMqtt(o.brokerUrl ?? (site.broker.mode === 'external' ? site.broker.url : `mqtt://${new URL(base).hostname}:${port}`));
    await sims.connectHttp(base);
    await playTimeline(scenario, clock, { sims, central: null, external: null, gateway: null, staff: null }, (step) => progress('step', describeStep(step)));
    await poll();
    const tickets = [...seen.values()];
    const verdict = judge(scenario.expect, tickets);
    return { name: scenario.name, verdict, syncProblems: [], ok: verdict.ok, tickets, realSeconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(poller);
    await sims.stop();
  }
}

/** Every ticket reached the central service, none with a double effect. */
async function checkSynced(gateway: Gateway, central: CentralService, wanted: boolean): Promise<string[]> {
  if (!wanted) return [];
  gateway.sync.retryNow();
  const deadline = performance.now() + 15_000;
  while (gateway.sync.status().backlog > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return centralProblems(central, gateway.tickets.all(), gateway.store.data.deadLetters);
}
