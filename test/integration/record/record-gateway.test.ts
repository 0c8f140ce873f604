import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { replayRecording } from '../../../gateway/record/replay.js';
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS } from '../../../gateway/runtime-flags.js';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, kill9, stopGateway, waitForPort } from '../../helpers/gateway-process.js';
import { writeLeakSite } from '../../helpers/leak-site.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('npm start -- SITE --record FILE', () => {
  ensureBuilt();

  it('records the readings of a real leak, and the replay raises the ticket the gateway raised', async () => {
    const dir = await tempDir('record-');
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const siteFile = await writeLeakSite({ dir, sensors: 2, mqttPort, httpPort });
    const recording = path.join(dir, 'readings.gz');
    const lines: string[] = [];
    const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, path.resolve('dist/gateway/main.js'), siteFile, '--record', recording], { env: { ...process.env, ...GATEWAY_ENV, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => kill9(child));
    createInterface({ input: child.stdout }).on('line', (l) => void lines.push(l));
    child.stderr.resume();
    await waitForPort(httpPort, 30_000);
    await waitForPort(mqttPort, 30_000);

    const sensor = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'leak-1', password: 'pw-1', reconnectPeriod: 0 });
    await sensor.publishAsync('site/leak-1/wet', JSON.stringify({ value: false }), { qos: 1 });
    await sensor.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await sensor.endAsync();
    await vi.waitFor(() => expect(lines.some((l) => l.includes('"event":"ticket.raised"'))).toBe(true), { timeout: 30_000, interval: 50 });
    expect(await stopGateway(child)).toBe(0);
    expect(lines.some((l) => l.includes('"event":"record.started"'))).toBe(true);

    const r = await replayRecording(recording, await loadSiteFile(siteFile));
    expect(r.readings).toBe(2);
    expect(r.tickets.map((t) => [t.fault, t.deviceId, t.tier])).toEqual([['water-leak', 'leak-1', 'emergency']]);
  }, 90_000);
});
