import mqtt from 'mqtt';
import { expect, onTestFinished, vi } from 'vitest';
import { createCentralService } from '../../simulators/central/index.js';
import { freePort } from '../../simulators/free-port.js';
import { kill9, spawnGateway, waitForPort } from './gateway-process.js';
import { CONSOLE_LOGIN, writeLeakSite } from './leak-site.js';
import { tempDir } from './temp-dir.js';

export interface CrashStormOptions {
  readonly kills: number;
  readonly sensors?: number;
  /** Sensors flipped per round. */
  readonly perRound?: number;
  /** Extra environment for the gateway process (e.g. LOG_LEVEL). */
  readonly env?: NodeJS.ProcessEnv;
  /** Every line the gateway processes write to stdout/stderr, for the log checks. */
  readonly onLogLine?: (line: string) => void;
}

export interface CrashStormResult {
  readonly announced: ReadonlySet<string>;
  readonly atCentral: number;
  /** Secrets the site file holds, for the no-secret-in-logs check. */
  readonly secrets: readonly string[];
}

/**
 * A real gateway process on a site of MQTT leak sensors, SIGKILLed `kills` times at a random moment
 * while a burst of sensor changes raises tickets and the sender uploads them to the reference
 * central service. After every restart each ticket announced so far on the alert topic must be in
 * the gateway's store; at the end every announced ticket must be at the central service, each
 * exactly once in effect. Used by the integration smoke test and by the reliability suite.
 */
export async function runCrashStorm(opts: CrashStormOptions): Promise<CrashStormResult> {
  const sensors = opts.sensors ?? 40;
  const perRound = opts.perRound ?? 8;
  const dir = await tempDir();
  const central = createCentralService({ tokens: ['crash-token'], progress: false });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const siteFile = await writeLeakSite({
    dir,
    sensors,
    mqttPort,
    httpPort,
    password: (i) => `pw-crash-${i}`,
    extra: { central: { url: centralUrl, token: { env: 'CRASH_CENTRAL_TOKEN' }, batchMaxItems: 5, pollSeconds: 3600 } },
  });
  const env = { CRASH_CENTRAL_TOKEN: 'crash-token', ...opts.env };
  const spawn = (): ReturnType<typeof spawnGateway> => {
    const gw = spawnGateway(siteFile, env, opts.onLogLine);
    onTestFinished(() => kill9(gw));
    return gw;
  };

  // Staff console: every ticket the gateway announces on the alert topic.
  const announced = new Set<string>();
  const consoleClient = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { ...CONSOLE_LOGIN, reconnectPeriod: 50, connectTimeout: 2000 });
  consoleClient.on('error', () => undefined);
  consoleClient.on('connect', () => void consoleClient.subscribeAsync('alerts/#', { qos: 1 }).catch(() => undefined));
  consoleClient.on('message', (_t, p) => announced.add((JSON.parse(p.toString()) as { ticketId: string }).ticketId));
  onTestFinished(() => consoleClient.endAsync(true));

  // Staff pages: every ticket number the API listed, by ticket id.
  const listed = new Map<string, string>();
  let wet = false;
  for (let round = 0; round < opts.kills; round++) {
    const gw = spawn();
    await waitForPort(mqttPort);
    // Every ticket anyone was told about survived the last kill.
    const told = [...announced];
    const storedNumbers = await ticketNumbers(httpPort);
    const stored = new Set(storedNumbers.keys());
    expect(told.filter((id) => !stored.has(id)), `round ${round}: announced tickets missing after restart`).toEqual([]);
    // Every ticket the API listed survived too, under the number it was listed with, and no
    // number a person saw now belongs to another ticket.
    const byNumber = new Map([...storedNumbers].map(([id, n]) => [n, id]));
    for (const [id, number] of listed) {
      expect(storedNumbers.get(id), `round ${round}: ticket ${number} was listed before the kill and is gone or renumbered`).toBe(number);
      expect(byNumber.get(number), `round ${round}: number ${number} now belongs to another ticket`).toBe(id);
    }
    await vi.waitFor(() => expect(consoleClient.connected).toBe(true), { timeout: 10_000 });
    // A burst of changes: sensors flip, so tickets are raised or take occurrences.
    wet = !wet;
    const publishers = await Promise.all(
      Array.from({ length: perRound }, (_, k) => {
        const i = (round * perRound + k) % sensors;
        return mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: `leak-${i}`, password: `pw-crash-${i}`, reconnectPeriod: 0 }).then(
          async (c) => {
            c.on('error', () => undefined);
            await c.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: wet }), { qos: 1 }).catch(() => undefined);
            return c;
          },
          () => null,
        );
      }),
    );
    // Kill at a random moment while tickets are being raised and uploaded, with a page reading the list all along.
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const seen = await ticketNumbers(httpPort, false).catch(() => new Map<string, string>());
        for (const [id, n] of seen) listed.set(id, n);
      }
    })();
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 250)));
    await kill9(gw);
    watching = false;
    await watcher;
    for (const c of publishers) c?.end(true);
  }

  const last = spawn();
  await waitForPort(httpPort);
  await vi.waitFor(
    async () => {
      const ready = (await (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).json()) as { sync: { backlog: number } };
      expect(ready.sync.backlog).toBe(0);
    },
    { timeout: 60_000, interval: 200 },
  );
  const stored = new Set(await ticketIds(httpPort));
  await kill9(last);

  expect(announced.size).toBeGreaterThan(0);
  expect([...announced].filter((id) => !stored.has(id))).toEqual([]);
  const atCentral = new Set(central.tickets().map((t) => t.id));
  expect([...announced].filter((id) => !atCentral.has(id))).toEqual([]);
  expect(central.doubleEffects()).toEqual([]);
  const numbers = central.tickets().map((t) => t.number);
  expect(new Set(numbers).size).toBe(numbers.length);
  return { announced, atCentral: atCentral.size, secrets: ['crash-token', ...Array.from({ length: sensors }, (_, i) => `pw-crash-${i}`)] };
}

async function ticketIds(httpPort: number): Promise<string[]> {
  return [...(await ticketNumbers(httpPort)).keys()];
}

/** The ticket numbers the API lists, by id. */
async function ticketNumbers(httpPort: number, wait = true): Promise<Map<string, string>> {
  if (wait) await waitForPort(httpPort);
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/tickets?limit=5000&evidence=false`);
  expect(res.status).toBe(200);
  return new Map(((await res.json()) as { tickets: { id: string; number: string }[] }).tickets.map((t) => [t.id, t.number]));
}
