import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createCentralService } from '../../../simulators/central/index.js';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, kill9, spawnGateway, waitForPort } from '../../helpers/gateway-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KILLS = 20;
const SENSORS = 40;

describe('crash recovery', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it(`delivers every announced ticket exactly once in effect across ${KILLS} SIGKILLs during a storm and its upload`, async () => {
    const dir = await tempDir();
    const central = createCentralService({ tokens: ['crash-token'], progress: false });
    const centralUrl = await central.start(0);
    onTestFinished(() => central.stop());
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const siteFile = path.join(dir, 'site.json');
    await writeFile(
      siteFile,
      JSON.stringify({
        site: { id: 'crash-site', code: 'CR01', name: 'Crash test site' },
        broker: { mode: 'embedded', host: '127.0.0.1', port: mqttPort },
        http: { host: '127.0.0.1', port: httpPort },
        dataDir: path.join(dir, 'data'),
        central: { url: centralUrl, token: { env: 'CRASH_CENTRAL_TOKEN' }, batchMaxItems: 5, pollSeconds: 3600 },
        devices: Array.from({ length: SENSORS }, (_, i) => ({
          id: `leak-${i}`,
          kind: 'leak-sensor',
          name: `leak ${i}`,
          location: { building: 'T1', floor: `${i}F`, description: `floor ${i}` },
          faults: { 'water-leak': { onDelaySeconds: 0, offDelaySeconds: 0 } },
          source: { protocol: 'mqtt', username: `leak-${i}`, password: { value: `pw-${i}` }, points: [{ id: 'wet' }] },
        })),
      }),
    );
    const env = { CRASH_CENTRAL_TOKEN: 'crash-token' };

    // Staff console: every ticket the gateway announces on the alert topic.
    const announced = new Set<string>();
    const consoleClient = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { username: 'leak-0', password: 'pw-0', reconnectPeriod: 50, connectTimeout: 2000 });
    consoleClient.on('error', () => undefined);
    consoleClient.on('connect', () => void consoleClient.subscribeAsync('alerts/#', { qos: 1 }).catch(() => undefined));
    consoleClient.on('message', (_t, p) => announced.add((JSON.parse(p.toString()) as { ticketId: string }).ticketId));
    onTestFinished(() => consoleClient.endAsync(true));

    let wet = false;
    for (let round = 0; round < KILLS; round++) {
      const gw = spawnGateway(siteFile, env);
      onTestFinished(() => kill9(gw));
      await waitForPort(mqttPort);
      await vi.waitFor(() => expect(consoleClient.connected).toBe(true), { timeout: 10_000 });
      // A burst of changes: every sensor flips, so tickets are raised or take occurrences.
      wet = !wet;
      const publishers = await Promise.all(
        Array.from({ length: 8 }, (_, k) => {
          const i = (round * 8 + k) % SENSORS;
          return mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: `leak-${i}`, password: `pw-${i}`, reconnectPeriod: 0 }).then(
            async (c) => {
              c.on('error', () => undefined);
              await c.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: wet }), { qos: 1 }).catch(() => undefined);
              return c;
            },
            () => null,
          );
        }),
      );
      // Kill at a random moment while tickets are being raised and uploaded.
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 250)));
      await kill9(gw);
      for (const c of publishers) c?.end(true);
    }

    const last = spawnGateway(siteFile, env);
    onTestFinished(() => kill9(last));
    await waitForPort(httpPort);
    await vi.waitFor(
      async () => {
        const ready = (await (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).json()) as { sync: { backlog: number } };
        expect(ready.sync.backlog).toBe(0);
      },
      { timeout: 60_000, interval: 200 },
    );
    await kill9(last);

    process.stdout.write(`crash test: ${announced.size} tickets announced, ${central.tickets().length} at the central service\n`);
    expect(announced.size).toBeGreaterThan(0);
    const atCentral = new Set(central.tickets().map((t) => t.id));
    expect([...announced].filter((id) => !atCentral.has(id))).toEqual([]);
    expect(central.doubleEffects()).toEqual([]);
    const numbers = central.tickets().map((t) => t.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  }, 240_000);
});
