import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { ScaledClock } from '../../core/clock.js';
import { loadSiteFile } from '../../gateway/config/load-site.js';
import { localDate, localMidnight } from '../../core/local-time.js';
import type { SiteConfig } from '../../gateway/config/site-schema.js';
import { type Logger } from '../../core/log.js';
import type { DeadLetter } from '../../cloud-sync/sync-ledger.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { createCentralService, type CentralService } from '../central/index.js';
import type { SiteEvent } from '../central/site-watch.js';
import { parseFault } from '../central/fault-injector.js';
import { type ExternalBroker } from '../mqtt/external-broker.js';
import type { SimulatedSite } from '../site/simulated-site.js';
import { type AlertSaid, type Verdict } from './expectations.js';
import { siteWithPointTable } from './point-table-site.js';
import type { LoadedScenario } from './load-scenario.js';
import type { Scenario, ScenarioStep } from './scenario-schema.js';
import { describeStaff } from './staff-actions.js';
import type { StaffStep } from './staff-step-schema.js';

// The parts every way of running a scenario shares (in process, with the gateway as its own
// process, against a running gateway): the site and clock of a run, the console, the central
// service, the timeline and its steps.

export interface ScenarioProgress {
  readonly kind: 'step' | 'ticket' | 'synced' | 'info';
  /** Scenario seconds since the start. */
  readonly at: number;
  readonly text: string;
  readonly ticket?: Ticket;
  /** The site's time zone, for printing the ticket's times as people read them. */
  readonly timeZone?: string;
}

export interface RunOptions {
  readonly speed?: number;
  readonly log?: Logger;
  readonly onProgress?: (p: ScenarioProgress) => void;
  /** Told the gateway's address once it listens (the demo prints the pages to open). */
  readonly onGatewayUrl?: (url: string) => void;
  /** Require every expected ticket to have reached the central service exactly once. */
  readonly requireSynced?: boolean;
}

export interface ScenarioResult {
  readonly name: string;
  readonly verdict: Verdict;
  readonly syncProblems: readonly string[];
  readonly ok: boolean;
  readonly tickets: readonly Ticket[];
  readonly realSeconds: number;
}

export const CENTRAL_TOKEN = 'scenario-token';
export const WARMUP_S = 5;

/** What every run starts from: its site, its sped-up clock, and progress lines stamped in scenario seconds. */
export async function beginRun(loaded: LoadedScenario, opts: RunOptions): Promise<{ started: number; speed: number; base: SiteConfig; clock: ScaledClock; progress: (kind: ScenarioProgress['kind'], text: string, ticket?: Ticket) => void }> {
  const started = performance.now();
  const speed = opts.speed ?? loaded.scenario.speed;
  const base = await scenarioSite(loaded);
  const clock = scenarioClock(loaded.scenario, speed, base);
  const t0 = clock.now();
  const progress = (kind: ScenarioProgress['kind'], text: string, ticket?: Ticket): void =>
    opts.onProgress?.({ kind, at: Math.round((clock.now() - t0) / 100) / 10, text, ...(ticket === undefined ? {} : { ticket }), timeZone: base.site.timeZone });
  return { started, speed, base, clock, progress };
}

/** The scenario's site: its own file (default the demo site), a point table imported into it, devices from other files added. */
export async function scenarioSite(loaded: LoadedScenario): Promise<SiteConfig> {
  const { scenario } = loaded;
  const siteFile = scenario.siteFile === undefined ? path.resolve('config/demo-site.json') : path.resolve(path.dirname(loaded.file), scenario.siteFile);
  const own = scenario.pointTable === undefined ? await loadSiteFile(siteFile) : await siteWithPointTable(siteFile, path.resolve(path.dirname(loaded.file), scenario.pointTable));
  const more = await Promise.all(scenario.devicesFrom.map((f) => loadSiteFile(path.resolve(path.dirname(loaded.file), f))));
  return more.length === 0 ? own : { ...own, devices: [...own.devices, ...more.flatMap((s) => s.devices)] };
}

/** Scenario time: `speed` times faster, starting now or at the scenario's time of day. */
export function scenarioClock(scenario: Scenario, speed: number, site: SiteConfig): ScaledClock {
  return new ScaledClock(speed, scenario.startsAt === undefined ? Date.now() : todayAt(scenario.startsAt, site.site.timeZone));
}

/** The console's own login on the embedded broker (devices read nothing; a console reads alerts). */
const CONSOLE = { username: 'scenario-console', password: 'pw-scenario-console' } as const;

/** The embedded broker of a scenario's gateway on `port`, with the console's reader login. */
export function consoleBroker(port: number): SiteConfig['broker'] {
  return { mode: 'embedded', host: '127.0.0.1', port, maxPayloadBytes: 16_384, allowAnonymous: false, logins: [{ username: CONSOLE.username, password: { value: CONSOLE.password }, subscribe: ['alerts/#'] }] };
}

/** The reference central service as a scenario's site file names it. */
export function scenarioCentral(url: string): NonNullable<SiteConfig['central']> {
  return { url, token: { value: CENTRAL_TOKEN }, timeoutMs: 5_000, batchMaxItems: 100, batchMaxBytes: 1_000_000, pollSeconds: 10, maxRetryAfterSeconds: 300, outboxQuotaBytes: 200_000_000, heartbeatSeconds: 30 };
}

/** The central service a scenario runs against, moving tickets along as a work-order system would (unless the scenario says not to). */
export function scenarioCentralService(scenario: Scenario, clock: ScaledClock, onSiteEvent?: (e: SiteEvent) => void): CentralService {
  return createCentralService({
    tokens: [CENTRAL_TOKEN],
    clock,
    progress: scenario.centralProgress ? { dispatchAfterMs: 60_000, inProgressAfterMs: 300_000, resolveAfterMs: 1_800_000, closeAfterMs: 3_600_000 } : false,
    ...(onSiteEvent === undefined ? {} : { onSiteEvent }),
  });
}

/** A message of the gateway itself (`kind: system`) on `alerts/system`: its code and text. */
export interface SystemAlertSeen {
  readonly code: string;
  readonly text: string;
}

/**
 * The engineers' console: subscribed to alerts/# on the site's broker (the embedded one with its
 * own reader login), calling `onAlert` with each alerted ticket's id, the level it went to, and
 * the alert's kind and text as the console shows it, and `onSystem` with each message of the
 * gateway itself on `alerts/system`.
 */
export function alertConsole(site: SiteConfig, brokerUrl: string, name: string, onAlert: (ticketId: string, level: string | null, said: AlertSaid) => void, onSystem: (a: SystemAlertSeen) => void = () => undefined): mqtt.MqttClient {
  const client = mqtt.connect(brokerUrl, { clientId: `scenario-console-${name}`, clean: false, reconnectPeriod: 200, ...(site.broker.mode === 'embedded' ? CONSOLE : {}) });
  client.on('error', () => undefined);
  client.on('connect', () => void client.subscribeAsync('alerts/#', { qos: 1 }).catch(() => undefined));
  client.on('message', (topic, payload) => {
    try {
      const a = JSON.parse(payload.toString()) as { kind?: unknown; number?: unknown; text?: unknown; ticketId?: unknown; to?: { level?: unknown } | null };
      if (topic === 'alerts/system' && a.kind === 'system' && typeof a.number === 'string') onSystem({ code: a.number, text: typeof a.text === 'string' ? a.text : '' });
      if (typeof a.ticketId === 'string' && a.ticketId !== '') onAlert(a.ticketId, typeof a.to?.level === 'string' ? a.to.level : null, { kind: typeof a.kind === 'string' ? a.kind : '', text: typeof a.text === 'string' ? a.text : '' });
    } catch {
      // not an alert of ours
    }
  });
  return client;
}

/** What the central service got wrong or never got: tickets and photos missing, double effects, contract breaches, uploads dead-lettered. */
export function centralProblems(central: CentralService, tickets: readonly Ticket[], deadLetters: readonly DeadLetter[]): string[] {
  const problems: string[] = [];
  for (const t of tickets) {
    const got = central.ticket(t.id);
    if (got === undefined) problems.push(`${t.number} never reached the central service`);
    for (const a of t.attachments) if (central.attachment(t.siteId, a.id)?.sha256 !== a.sha256) problems.push(`photo ${a.id} of ${t.number} never reached the central service`);
  }
  for (const id of central.doubleEffects()) problems.push(`ticket ${id} took effect twice at the central service`);
  for (const v of central.contractViolations) problems.push(`the reference central service broke the contract: ${v}`);
  for (const d of deadLetters) if (d.update === undefined) problems.push(`ticket ${d.ticketId} was dead-lettered: ${d.reason}`);
  return problems;
}

/**
 * A Modbus device is offline after three poll periods without a good reading; each poll may wait
 * up to `timeoutMs` of real time for its answer (timeouts stay real at any speed), so at `speed`
 * times the scenario's clock three polls can take 3 x timeoutMs x speed scenario milliseconds on a
 * busy machine. The window is widened to that (unless the site sets one), so a sped-up scenario
 * raises no offline ticket a real site would not.
 */
export function withRealOfflineWindow(d: SiteConfig['devices'][number], speed: number): SiteConfig['devices'][number] {
  if (d.source.protocol !== 'modbus' || speed <= 1 || d.faults['device-offline'] !== undefined) return d;
  const windowMs = 3 * Math.max(d.source.pollMs, d.source.timeoutMs * speed);
  return { ...d, faults: { ...d.faults, 'device-offline': { windowSeconds: windowMs / 1000 } } };
}

/** The newest ticket of a device the central service holds. */
export function newestAtCentral(central: CentralService, device: string): { id: string } {
  const newest = central
    .tickets()
    .filter((t) => t.deviceId === device)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .at(-1);
  if (newest === undefined) throw new Error(`the central service has no ticket of ${device}`);
  return newest;
}

/** What a scenario can do to the gateway: a clean restart always; with a gateway process, kill it and start it again. */
export interface GatewayControl {
  restart(): Promise<void>;
  kill?(): Promise<void>;
  start?(): Promise<void>;
}

export type StepContext = {
  sims: SimulatedSite;
  central: CentralService | null;
  external: ExternalBroker | null;
  gateway: GatewayControl | null;
  staff: ((step: StaffStep) => Promise<void>) | null;
};

/** The instant of today's `HH:MM` in the site's time zone. */
export function todayAt(hhmm: string, timeZone: string): number {
  const [y = 0, m = 1, d = 1] = localDate(Date.now(), timeZone).split('-').map(Number);
  const [hh = 0, mm = 0] = hhmm.split(':').map(Number);
  return localMidnight(y, m, d, timeZone) + (hh * 60 + mm) * 60_000;
}

/** The warm-up, then every step at its scenario time, then the settle period. */
export async function playTimeline(scenario: Scenario, clock: ScaledClock, ctx: StepContext, onStep: (step: TimedStep) => void): Promise<void> {
  await sleepScenario(clock, WARMUP_S * 1000);
  const playStart = clock.now();
  const schedule = expandSteps(scenario.steps, ctx.sims.deviceIds());
  for (const step of schedule) {
    const wait = playStart + step.at * 1000 - clock.now();
    if (wait > 0) await sleepScenario(clock, wait);
    onStep(step);
    await applyStep(step, ctx);
  }
  const lastAt = schedule.at(-1)?.at ?? 0;
  const wait = playStart + (lastAt + scenario.settleSeconds) * 1000 - clock.now();
  if (wait > 0) await sleepScenario(clock, wait);
}

export interface TimedStep extends ScenarioStep {
  readonly deviceIds: readonly string[];
}

/** Globs (`leak-*`) become one step per device, spread over time if asked. */
function expandSteps(steps: readonly ScenarioStep[], deviceIds: readonly string[]): TimedStep[] {
  const out: TimedStep[] = [];
  for (const s of steps) {
    if (s.device === undefined || !s.device.includes('*')) {
      out.push({ ...s, deviceIds: s.device === undefined ? [] : [s.device] });
      continue;
    }
    const re = new RegExp(`^${s.device.split('*').map(escapeRe).join('.*')}$`);
    deviceIds.filter((id) => re.test(id)).forEach((id, i) => out.push({ ...s, at: s.at + i * (s.spreadSeconds ?? 0), device: id, deviceIds: [id] }));
  }
  return out.sort((a, b) => a.at - b.at);
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

async function applyStep(step: TimedStep, ctx: StepContext): Promise<void> {
  for (const id of step.deviceIds) {
    const dev = ctx.sims.device(id);
    if (step.mode !== undefined) await dev.mode(step.mode);
    for (const [point, value] of Object.entries(step.set ?? {})) await dev.set(point, value);
  }
  if (step.server !== undefined) {
    if (step.server.target === 'broker') {
      if (ctx.external === null) throw new Error('this scenario has no external broker to stop (set externalBroker: true)');
      await (step.server.action === 'stop' ? ctx.external.stop() : ctx.external.start());
    } else {
      await ctx.sims.server(step.server.target, step.server.action);
    }
  }
  if (step.central?.close !== undefined && ctx.central !== null) ctx.central.setStatus(newestAtCentral(ctx.central, step.central.close).id, 'closed');
  const update = step.central?.update;
  if (update !== undefined && ctx.central !== null) ctx.central.pushRawUpdate({ ticketId: newestAtCentral(ctx.central, update.device).id, status: update.status });
  const f = step.central?.fault;
  if (f !== undefined && ctx.central !== null) {
    const fault =
      typeof f === 'object' ? parseFault(f)
      : f === 'none' ? { kind: 'none' as const } : f === 'down' ? { kind: 'down' as const } : f === 'error500' ? { kind: 'error500' as const } : f === 'slow' ? { kind: 'slow' as const, delayMs: 3000 } : f === 'drop' ? { kind: 'drop' as const, when: 'after-apply' as const } : f === 'duplicate' ? { kind: 'duplicate' as const } : { kind: 'unauthorized' as const };
    if (fault === null) throw new Error(`not a central fault: ${JSON.stringify(f)}`);
    await ctx.central.inject(fault);
  }
  if (step.gateway !== undefined) {
    const g = ctx.gateway;
    const act = g === null ? undefined : step.gateway.action === 'restart' ? g.restart.bind(g) : step.gateway.action === 'kill' ? g.kill?.bind(g) : g.start?.bind(g);
    if (act === undefined) throw new Error(`this run cannot ${step.gateway.action} the gateway`);
    await act();
  }
  if (step.staff !== undefined) {
    if (ctx.staff === null) throw new Error('this run has no staff logins');
    await ctx.staff(step.staff);
  }
}

export function describeStep(s: TimedStep): string {
  const parts: string[] = [];
  if (s.device !== undefined) parts.push(s.device);
  if (s.mode !== undefined) parts.push(`mode ${s.mode}`);
  if (s.set !== undefined) parts.push(Object.entries(s.set).map(([k, v]) => `${k}=${String(v)}`).join(' '));
  if (s.server !== undefined) parts.push(`${s.server.target} ${s.server.action}`);
  const fault = s.central?.fault;
  if (fault !== undefined) parts.push(`central ${typeof fault === 'string' ? fault : JSON.stringify(fault)}`);
  if (s.central?.close !== undefined) parts.push(`central closes the ticket of ${s.central.close}`);
  if (s.central?.update !== undefined) parts.push(`central sends ${s.central.update.device} status ${s.central.update.status}`);
  if (s.gateway !== undefined) parts.push(`gateway ${s.gateway.action}`);
  if (s.staff !== undefined) parts.push(describeStaff(s.staff));
  if (s.note !== undefined) parts.push(`(${s.note})`);
  return parts.join(' ');
}

export function sleepScenario(clock: ScaledClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
