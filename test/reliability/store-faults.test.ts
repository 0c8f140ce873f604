import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway, waitForPort } from '../helpers/gateway-process.js';
import { writeLeakSite } from '../helpers/leak-site.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Ports {
  readonly mqttPort: number;
  readonly httpPort: number;
}

async function ports(): Promise<Ports> {
  return { mqttPort: await freePort(), httpPort: await freePort() };
}

/** A device going wet: one ticket, at QoS 1 so the broker has it before we go on. */
async function wet(p: Ports, i: number): Promise<void> {
  // The broker opens after HTTP (adapters start last).
  await waitForPort(p.mqttPort);
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.mqttPort}`, { username: `leak-${i}`, password: `pw-${i}`, reconnectPeriod: 0 });
  await c.publishAsync(`site/leak-${i}/wet`, JSON.stringify({ value: true }), { qos: 1 });
  await c.endAsync();
}

async function ticketDevices(url: string): Promise<string[]> {
  const body = (await (await fetch(`${url}/api/tickets`)).json()) as { tickets: { deviceId: string }[] };
  return body.tickets.map((t) => t.deviceId).sort();
}

async function storedDevices(file: string): Promise<string[]> {
  const data = JSON.parse(await readFile(file, 'utf8')) as { tickets: Record<string, { deviceId: string }> };
  return Object.values(data.tickets).map((t) => t.deviceId).sort();
}

/** Runs a gateway until two tickets are durable (so store.json.bak holds the first), then stops it cleanly. */
async function storeWithTwoTickets(dir: string, p: Ports, siteFile: string): Promise<string> {
  const file = path.join(dir, 'data', 'store.json');
  const gw = await startGatewayProcess(siteFile, p.httpPort);
  for (const i of [0, 1]) {
    await wet(p, i);
    await vi.waitFor(async () => expect(await storedDevices(file)).toContain(`leak-${i}`), { timeout: 20_000, interval: 50 });
  }
  expect(await stopGateway(gw.child)).toBe(0);
  return file;
}

describe('store faults', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  const corruptions: [string, (text: string) => Buffer][] = [
    ['a truncated', (text) => Buffer.from(text.slice(0, Math.floor(text.length / 2)))],
    ['a garbage', () => randomBytes(4096)],
    ['an empty', () => Buffer.alloc(0)],
  ];
  it.each(corruptions)('sets %s store file aside with GW_STORE_CORRUPT and starts from the previous generation', async (_name, corrupt) => {
    const dir = await tempDir();
    const p = await ports();
    const siteFile = await writeLeakSite({ dir, sensors: 3, ...p });
    const file = await storeWithTwoTickets(dir, p, siteFile);
    // The previous generation: the first ticket at least (the second too if a later write followed).
    const previous = await storedDevices(`${file}.bak`);
    expect(previous).toContain('leak-0');
    const bad = corrupt(await readFile(file, 'utf8'));
    await writeFile(file, bad);

    const gw = await startGatewayProcess(siteFile, p.httpPort);
    await vi.waitFor(() => expect(gw.events('store.corrupt')).toHaveLength(1));
    const [event] = gw.events('store.corrupt');
    expect(event).toMatchObject({ code: 'GW_STORE_CORRUPT', recoveredFromBackup: true });
    expect(String(event?.['msg'])).toMatch(/could not be parsed; kept as .*store\.json\.corrupt-/);
    // Kept byte for byte, not overwritten.
    const aside = String(event?.['aside']);
    expect(await readFile(aside)).toEqual(bad);
    // The previous generation is served, and the gateway works on.
    expect(await ticketDevices(gw.httpUrl)).toEqual(previous);
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
    await wet(p, 2);
    await vi.waitFor(async () => expect(await storedDevices(file)).toEqual([...previous, 'leak-2'].sort()), { timeout: 20_000, interval: 50 });
    expect(await readFile(aside)).toEqual(bad);
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('sets both a corrupt store file and a corrupt backup aside and starts empty', async () => {
    const dir = await tempDir();
    const p = await ports();
    const siteFile = await writeLeakSite({ dir, sensors: 3, ...p });
    const data = path.join(dir, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'store.json'), '{"schemaVersion":1,"tickets":{');
    await writeFile(path.join(data, 'store.json.bak'), 'not json');

    const gw = await startGatewayProcess(siteFile, p.httpPort);
    await vi.waitFor(() => {
      expect(gw.events('store.corrupt')).toEqual([expect.objectContaining({ code: 'GW_STORE_CORRUPT', recoveredFromBackup: false })]);
      expect(gw.events('store.backup_corrupt')).toEqual([expect.objectContaining({ code: 'GW_STORE_CORRUPT' })]);
    });
    await wet(p, 0);
    await vi.waitFor(async () => expect(await storedDevices(path.join(data, 'store.json'))).toEqual(['leak-0']), { timeout: 20_000, interval: 50 });
    const files = await readdir(data);
    const asides = await Promise.all(files.filter((f) => f.includes('.corrupt-')).map((f) => readFile(path.join(data, f), 'utf8')));
    expect(asides.sort()).toEqual(['not json', '{"schemaVersion":1,"tickets":{'].sort());
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('keeps running on a full disk (a tmpfs filled to ENOSPC) with health red, holds the alert, and writes the ticket once space returns', async (ctx) => {
    const dir = await tempDir();
    const mnt = path.join(dir, 'tmpfs');
    await mkdir(mnt);
    try {
      // A real full disk: a 1 MiB tmpfs. Needs mount rights (root with CAP_SYS_ADMIN).
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      ctx.skip('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN); the next test covers a refused write without it');
      return;
    }
    onTestFinished(() => void execFileSync('umount', ['-l', mnt], { stdio: 'ignore' }));
    await refusedWrites(dir, path.join(mnt, 'data'), 'ENOSPC', async () => {
      // Fill the disk to the last byte; the release frees it.
      const filler = path.join(mnt, 'filler');
      const fh = await open(filler, 'w');
      try {
        for (;;) await fh.write(Buffer.alloc(64 * 1024));
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        await fh.close();
      }
      return () => rm(filler);
    });
  });

  it('does the same when the store cannot write for another reason (works without mount rights)', async () => {
    const dir = await tempDir();
    const dataDir = path.join(dir, 'data');
    await refusedWrites(dir, dataDir, 'EISDIR', async () => {
      // A directory where the temp file goes: every write attempt fails until it is removed.
      await mkdir(path.join(dataDir, 'store.json.tmp'));
      return () => rm(path.join(dataDir, 'store.json.tmp'), { recursive: true });
    });
  });
});

/**
 * A gateway process whose store stops accepting writes after one durable ticket (`refuse`
 * returns the function that lets writes through again): it keeps running with /readyz red and the
 * store error, serves the new ticket from memory without alerting it, and writes and alerts it once
 * the disk accepts writes again.
 */
async function refusedWrites(dir: string, dataDir: string, errno: string, refuse: () => Promise<() => Promise<void>>): Promise<void> {
  const p = await ports();
  const siteFile = await writeLeakSite({ dir, sensors: 3, ...p, dataDir });
  const file = path.join(dataDir, 'store.json');
  const gw = await startGatewayProcess(siteFile, p.httpPort, { LOG_LEVEL: 'info' });

  const alerts: string[] = [];
  await waitForPort(p.mqttPort);
  const staff = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.mqttPort}`, { username: 'leak-2', password: 'pw-2', reconnectPeriod: 0 });
  onTestFinished(() => staff.endAsync(true));
  staff.on('message', (_t, payload) => void alerts.push((JSON.parse(payload.toString()) as { deviceId?: string; ticketId: string }).ticketId));
  await staff.subscribeAsync('alerts/#', { qos: 1 });
  await wet(p, 0);
  await vi.waitFor(async () => expect(await storedDevices(file)).toEqual(['leak-0']), { timeout: 20_000, interval: 50 });
  await vi.waitFor(() => expect(alerts).toHaveLength(1), { timeout: 20_000 });

  const release = await refuse();

  await wet(p, 1);
  await vi.waitFor(
    async () => {
      const res = await fetch(`${gw.httpUrl}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { reasons: string[]; store: { writable: boolean; error?: string } };
      expect(body.store).toMatchObject({ writable: false, error: expect.stringContaining(errno) });
      expect(body.reasons.join()).toContain('store not writable');
    },
    { timeout: 20_000, interval: 100 },
  );
  await vi.waitFor(() => expect(gw.events('store.write_failed')).toEqual([expect.objectContaining({ code: 'GW_STORE_WRITE_FAILED' })]));
  // The ticket exists in memory and is served; nobody is told before it is durable.
  expect(await ticketDevices(gw.httpUrl)).toEqual(['leak-0', 'leak-1']);
  expect(await storedDevices(file)).toEqual(['leak-0']);
  expect(alerts).toHaveLength(1);
  expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);

  await release();
  await vi.waitFor(async () => expect(await storedDevices(file)).toEqual(['leak-0', 'leak-1']), { timeout: 30_000, interval: 100 });
  await vi.waitFor(async () => expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200), { timeout: 20_000, interval: 100 });
  await vi.waitFor(() => expect(alerts).toHaveLength(2), { timeout: 20_000 });
  await vi.waitFor(() => expect(gw.events('store.recovered')).toHaveLength(1));
  expect(await stopGateway(gw.child)).toBe(0);
}
