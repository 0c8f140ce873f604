import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { FileStore } from '../../gateway/store/store.js';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway, waitForPort } from '../helpers/gateway-process.js';
import { writeLeakSite } from '../helpers/leak-site.js';
import { tempDir } from '../helpers/temp-dir.js';

const SENSORS = 12;

/** A CLI of the built gateway, as `npm run backup` / `npm run restore` run it. */
function cli(name: 'backup' | 'restore', args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [`dist/gateway/cli/${name}.js`, ...args], (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), out: stdout, err: stderr }));
  });
}

async function ticketCount(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/tickets?limit=1000`)).json()) as { total: number }).total;
}

describe('backup and restore of the data folder', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('copies a running gateway under load consistently, refuses to restore over it while it runs, and restores once it stops', async () => {
    const dir = await tempDir('gw-backup-');
    const dataDir = path.join(dir, 'data');
    const mqttPort = await freePort();
    const httpPort = await freePort();
    // A small journal limit: the journal is folded into a new snapshot many times while backups are taken.
    const siteFile = await writeLeakSite({ dir, sensors: SENSORS, mqttPort, httpPort, extra: { store: { compactAfterBytes: 20_000 } } });
    const gw = await startGatewayProcess(siteFile, httpPort);
    await waitForPort(mqttPort);
    const clients = await Promise.all(Array.from({ length: SENSORS }, (_, i) => mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: `leak-${i}`, password: `pw-${i}`, reconnectPeriod: 0 })));
    let load = true;
    const publishing = (async () => {
      for (let n = 0; load; n++) {
        const i = n % SENSORS;
        await clients[i]?.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: Math.floor(n / SENSORS) % 2 === 0 }), { qos: 1 });
      }
    })();
    await vi.waitFor(async () => expect(await ticketCount(gw.httpUrl)).toBeGreaterThanOrEqual(SENSORS / 2), { timeout: 30_000, interval: 50 });

    const backups: string[] = [];
    for (let k = 0; k < 4; k++) {
      const dest = path.join(dir, `backup-${k}`);
      const r = await cli('backup', [dest, dataDir]);
      expect(r, r.err).toMatchObject({ code: 0 });
      expect(r.out).toContain(`written to ${dest}`);
      process.stdout.write(`backup-restore: ${r.out}`);
      backups.push(dest);
    }
    load = false;
    await publishing;
    await Promise.all(clients.map((c) => c.endAsync()));

    // Every backup is one consistent state: it opens without anything set aside.
    for (const [k, b] of backups.entries()) {
      const into = path.join(dir, `restored-${k}`);
      expect((await cli('restore', [b, into])).code).toBe(0);
      const store = await FileStore.open({ dataDir: into, clock: systemClock, log: silentLogger() });
      expect(store.recovery()).toBeNull();
      expect(Object.keys(store.data.tickets).length).toBeGreaterThan(0);
      await store.close();
    }

    // Not over a live folder.
    const before = await readFile(path.join(dataDir, 'store.json'));
    const refused = await cli('restore', [backups[0] ?? '', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^GW_RESTORE_LIVE: a gateway \(pid \d+\) is running on /);
    expect(await readFile(path.join(dataDir, 'store.json'))).toEqual(before);

    const live = await ticketCount(gw.httpUrl);
    expect(await stopGateway(gw.child)).toBe(0);
    const last = path.join(dir, 'backup-stopped');
    expect((await cli('backup', [last, dataDir])).code).toBe(0);
    // A damaged backup is refused before anything is touched.
    const damaged = await cli('restore', [dir, dataDir]);
    expect(damaged.code).toBe(1);
    expect(damaged.err).toContain('GW_BACKUP_INVALID');

    const restored = await cli('restore', [last, dataDir]);
    expect(restored, restored.err).toMatchObject({ code: 0 });
    expect(restored.out).toContain(`kept as ${dataDir}.before-restore-1`);
    expect(existsSync(path.join(`${dataDir}.before-restore-1`, 'store.json'))).toBe(true);
    const again = await startGatewayProcess(siteFile, httpPort);
    expect(await ticketCount(again.httpUrl)).toBe(live);
    expect(await stopGateway(again.child)).toBe(0);
  }, 180_000);
});
