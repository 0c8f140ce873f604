import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, kill9, startGatewayProcess, stopGateway } from '../../helpers/gateway-process.js';
import { TestBroker } from '../../helpers/test-broker.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KEEPALIVE_S = 2;
const TOPIC = 'status/gateway/will-site';

interface Presence {
  state: string;
  gatewayId: string;
  stoppedBy?: string;
  cause?: string;
}

/** A site on an external broker (the test's aedes), one MQTT leak sensor, keep-alive 2 s. */
async function siteOn(brokerUrl: string): Promise<{ file: string; httpPort: number }> {
  const dir = await tempDir('gw-will-');
  const httpPort = await freePort();
  const file = path.join(dir, 'site.json');
  await mkdir(path.join(dir, 'data'));
  await writeFile(
    file,
    JSON.stringify({
      site: { id: 'will-site', code: 'WL01', name: 'Will test site' },
      broker: { mode: 'external', url: brokerUrl, clientId: 'gw-will', keepaliveSeconds: KEEPALIVE_S },
      http: { host: '127.0.0.1', port: httpPort },
      dataDir: path.join(dir, 'data'),
      devices: [{ id: 'leak-1', kind: 'leak-sensor', name: 'leak', location: { building: 'T1', floor: '1F', description: 'floor 1' }, source: { protocol: 'mqtt', points: [{ id: 'wet' }] } }],
    }),
  );
  return { file, httpPort };
}

/** What a BMS or an alert console on the site broker reads on the gateway's presence topic. */
let watchers = 0;
async function watcher(url: string): Promise<Presence[]> {
  const seen: Presence[] = [];
  const c = await mqtt.connectAsync(url, { clientId: `bms-console-${++watchers}`, reconnectPeriod: 0 });
  onTestFinished(() => c.endAsync(true));
  c.on('message', (_t, payload) => seen.push(JSON.parse(payload.toString()) as Presence));
  await c.subscribeAsync(TOPIC, { qos: 1 });
  return seen;
}

describe("the gateway's presence on an external site broker", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('is online while it runs, its will says offline when it is killed, and a restarted gateway says online again', async () => {
    const broker = await TestBroker.start();
    const site = await siteOn(broker.url);
    const seen = await watcher(broker.url);
    const gw = await startGatewayProcess(site.file, site.httpPort, { GATEWAY_ID: 'gw-east' });
    await vi.waitFor(() => expect(seen.at(-1)).toMatchObject({ state: 'online', gatewayId: 'gw-east' }), { timeout: 20_000 });
    await kill9(gw.child);
    await vi.waitFor(() => expect(seen.at(-1)).toMatchObject({ state: 'offline', gatewayId: 'gw-east', cause: expect.stringContaining('will') }), { timeout: 10_000 });
    // Retained: a console that connects only now reads that the gateway is gone.
    const late = await watcher(broker.url);
    await vi.waitFor(() => expect(late[0]).toMatchObject({ state: 'offline' }));
    const again = await startGatewayProcess(site.file, site.httpPort, { GATEWAY_ID: 'gw-east' });
    await vi.waitFor(() => expect(seen.at(-1)).toMatchObject({ state: 'online' }), { timeout: 20_000 });
    // A clean stop says offline itself, and who stopped it (no will then: it disconnects cleanly).
    expect(await stopGateway(again.child)).toBe(0);
    await vi.waitFor(() => expect(seen.at(-1)).toMatchObject({ state: 'offline', stoppedBy: 'SIGTERM' }));
  }, 90_000);

  it('is declared offline by the broker itself within 1.5 keep-alives of a gateway that stops answering (a frozen machine)', async () => {
    const broker = await TestBroker.start();
    const site = await siteOn(broker.url);
    const seen = await watcher(broker.url);
    const gw = await startGatewayProcess(site.file, site.httpPort);
    await vi.waitFor(() => expect(seen.at(-1)?.state).toBe('online'), { timeout: 20_000 });
    // SIGSTOP: the socket stays open and nothing more is sent, as from a machine that hung.
    const frozenAt = performance.now();
    gw.child.kill('SIGSTOP');
    onTestFinished(() => void gw.child.kill('SIGCONT'));
    await vi.waitFor(() => expect(seen.at(-1)?.state).toBe('offline'), { timeout: KEEPALIVE_S * 1_500 + 5_000, interval: 50 });
    // Not the socket closing: the broker waited for the keep-alive to lapse.
    expect(performance.now() - frozenAt).toBeGreaterThanOrEqual(KEEPALIVE_S * 1000);
  }, 90_000);
});
