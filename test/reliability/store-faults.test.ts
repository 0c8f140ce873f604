import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { freePort } from '../../simulators/free-port.js';
import { durableDevices } from '../helpers/durable-store.js';
import { ensureBuilt, kill9, spawnGateway, startGatewayProcess, stopGateway, waitForPort } from '../helpers/gateway-process.js';
import { CONSOLE_LOGIN, writeLeakSite } from '../helpers/leak-site.js';
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

async function snapshotDevices(file: string): Promise<string[]> {
  const data = JSON.parse(await readFile(file, 'utf8')) as { tickets: Record<string, { deviceId: string }> };
  return Object.values(data.tickets).map((t) => t.deviceId).sort();
}

/**
 * Two gateway runs of one ticket each. A clean stop folds the journal into the snapshot, so
 * store.json holds both tickets and store.json.bak (the previous snapshot) the first.
 */
async function storeWithTwoTickets(dir: string, p: Ports, siteFile: string): Promise<string> {
  const dataDir = path.join(dir, 'data');
  for (const i of [0, 1]) {
    const gw = await startGatewayProcess(siteFile, p.httpPort);
    await wet(p, i);
    await vi.waitFor(async () => expect(await durableDevices(dataDir)).toContain(`leak-${i}`), { timeout: 20_000, interval: 50 });
    expect(await stopGateway(gw.child)).toBe(0);
  }
  const file = path.join(dataDir, 'store.json');
  expect(await snapshotDevices(file)).toEqual(['leak-0', 'leak-1']);
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
    // The previous generation: the snapshot the first run's stop wrote.
    const previous = await snapshotDevices(`${file}.bak`);
    expect(previous).toEqual(['leak-0']);
    const bad = corrupt(await readFile(file, 'utf8'));
    await writeFile(file, bad);

    const gw = await startGatewayProcess(siteFile, p.httpPort);
    await vi.waitFor(() => expect(gw.events('store.corrupt')).toHaveLength(1));
    const [event] = gw.events('store.corrupt');
    expect(event).toMatchObject({ code: 'GW_STORE_CORRUPT', recoveredFromBackup: true });
    // The reason quotes the bytes that could not be parsed, newlines included (random garbage): `s`.
    expect(String(event?.['msg'])).toMatch(/could not be used \(.+\); kept as .*store\.json\.corrupt-.*started from the previous generation/s);
    // Kept byte for byte, not overwritten.
    const aside = String(event?.['aside']);
    expect(await readFile(aside)).toEqual(bad);
    // The previous generation is served, and the gateway works on.
    expect(await ticketDevices(gw.httpUrl)).toEqual(previous);
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
    await wet(p, 2);
    await vi.waitFor(async () => expect(await durableDevices(path.dirname(file))).toEqual([...previous, 'leak-2'].sort()), { timeout: 20_000, interval: 50 });
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
    await vi.waitFor(async () => expect(await durableDevices(data)).toEqual(['leak-0']), { timeout: 20_000, interval: 50 });
    const files = await readdir(data);
    const asides = await Promise.all(files.filter((f) => f.includes('.corrupt-')).map((f) => readFile(path.join(data, f), 'utf8')));
    expect(asides.sort()).toEqual(['not json', '{"schemaVersion":1,"tickets":{'].sort());
    expect(await stopGateway(gw.child)).toBe(0);
  });

  /** Two tickets in the journal only: the gateway is killed before a clean stop could fold it into a snapshot. */
  async function journalWithTwoTickets(dir: string, p: Ports, siteFile: string): Promise<string> {
    const dataDir = path.join(dir, 'data');
    const gw = await startGatewayProcess(siteFile, p.httpPort);
    for (const i of [0, 1]) {
      await wet(p, i);
      await vi.waitFor(async () => expect(await durableDevices(dataDir)).toContain(`leak-${i}`), { timeout: 20_000, interval: 50 });
    }
    await kill9(gw.child);
    return path.join(dataDir, 'store.journal');
  }

  it('drops a torn last journal line (a crash in the middle of an append) and keeps every line before it', async () => {
    const dir = await tempDir();
    const p = await ports();
    const siteFile = await writeLeakSite({ dir, sensors: 3, ...p });
    const journal = await journalWithTwoTickets(dir, p, siteFile);
    const text = await readFile(journal, 'utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    // The line that wrote leak-1's ticket (later lines mark its alert delivered): a power cut
    // during its append leaves half of it, and nothing after it was ever written.
    const at = lines.findIndex((l) => l.includes('"tickets"') && l.includes('"deviceId":"leak-1"'));
    expect(at).toBeGreaterThan(0);
    const kept = lines.slice(0, at).map((l) => `${l}\n`).join('');
    await writeFile(journal, kept + (lines[at] ?? '').slice(0, Math.ceil((lines[at] ?? '').length / 2)));

    const gw = await startGatewayProcess(siteFile, p.httpPort, { LOG_LEVEL: 'info' });
    await vi.waitFor(() => expect(gw.events('store.journal_replayed')).toEqual([expect.objectContaining({ tornBytes: expect.any(Number) })]));
    expect(Number(gw.events('store.journal_replayed')[0]?.['tornBytes'])).toBeGreaterThan(0);
    expect(gw.events('store.journal_corrupt')).toEqual([]);
    // The torn line was leak-1's ticket, never acknowledged (no alert went out for it).
    expect(await ticketDevices(gw.httpUrl)).toEqual(['leak-0']);
    await wet(p, 2);
    await vi.waitFor(async () => expect(await durableDevices(path.dirname(journal))).toEqual(['leak-0', 'leak-2']), { timeout: 20_000, interval: 50 });
    expect(await stopGateway(gw.child)).toBe(0);
  });

  it('sets a journal with an unreadable line aside with GW_STORE_CORRUPT, keeps the lines before it and writes them as a snapshot', async () => {
    const dir = await tempDir();
    const p = await ports();
    const siteFile = await writeLeakSite({ dir, sensors: 3, ...p });
    const journal = await journalWithTwoTickets(dir, p, siteFile);
    const lines = (await readFile(journal, 'utf8')).split('\n').filter((l) => l.length > 0);
    // An unreadable line right after the one that wrote leak-0's ticket (before it: the start's own record).
    const at = lines.findIndex((l) => l.includes('"tickets"') && l.includes('"deviceId":"leak-0"')) + 1;
    expect(at).toBeGreaterThan(0);
    const bad = `${lines.slice(0, at).join('\n')}\n${randomBytes(64).toString('base64')}\n${lines.slice(at).join('\n')}\n`;
    await writeFile(journal, bad);

    const gw = await startGatewayProcess(siteFile, p.httpPort);
    await vi.waitFor(() => expect(gw.events('store.journal_corrupt')).toEqual([expect.objectContaining({ code: 'GW_STORE_CORRUPT', line: at + 1, replayed: at })]));
    const aside = String(gw.events('store.journal_corrupt')[0]?.['aside']);
    expect(aside).toMatch(/store\.journal\.corrupt-/);
    // Kept byte for byte: leak-1's line after the bad one is still there for a person to recover.
    expect(await readFile(aside, 'utf8')).toBe(bad);
    expect(await ticketDevices(gw.httpUrl)).toEqual(['leak-0']);
    // What was replayed is a snapshot again at once, so it does not depend on the file set aside.
    await vi.waitFor(async () => expect(await snapshotDevices(path.join(path.dirname(journal), 'store.json'))).toEqual(['leak-0']), { timeout: 20_000, interval: 50 });
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
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
    await refusedWrites(dir, path.join(mnt, 'data'), 'ENOSPC', {}, async () => {
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
    // Journal off, so every write makes a temp file: the refusal below needs no mount rights.
    await refusedWrites(dir, dataDir, 'EISDIR', { store: { compactAfterBytes: 0 } }, async () => {
      // A directory where the temp file goes: every write attempt fails until it is removed. A
      // write may be on its way (its temp file there for a moment): wait until it has landed.
      await vi.waitFor(() => mkdir(path.join(dataDir, 'store.json.tmp')), { timeout: 10_000, interval: 10 });
      return () => rm(path.join(dataDir, 'store.json.tmp'), { recursive: true });
    });
  });
});

describe('store shape: valid JSON of the wrong shape is a bad generation, never an empty store', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  const shapes: [string, string][] = [
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '42'],
    ['tickets: null', '{"schemaVersion":1,"counters":{},"tickets":null,"alarms":{},"outbox":[],"deadLetters":[],"sync":{"cursor":null,"lastSuccessAt":null,"lastError":null,"lastErrorAt":null},"audit":[],"extra":{}}'],
    ['a ticket without a status', 'BROKEN_TICKET'],
  ];
  it.each(shapes)('sets a store.json of %s aside, starts from the backup, serves its tickets and keeps the good backup', async (_name, body) => {
    const dir = await tempDir();
    const p = await ports();
    const siteFile = await writeLeakSite({ dir, sensors: 3, ...p });
    const file = await storeWithTwoTickets(dir, p, siteFile);
    const previous = await snapshotDevices(`${file}.bak`);
    let text = body;
    if (body === 'BROKEN_TICKET') {
      const good = JSON.parse(await readFile(file, 'utf8')) as { tickets: Record<string, Record<string, unknown>> };
      for (const t of Object.values(good.tickets)) delete t['status'];
      text = JSON.stringify(good);
    }
    await writeFile(file, text);

    const gw = await startGatewayProcess(siteFile, p.httpPort);
    await vi.waitFor(() => expect(gw.events('store.corrupt')).toEqual([expect.objectContaining({ code: 'GW_STORE_CORRUPT', recoveredFromBackup: true })]));
    expect(String(gw.events('store.corrupt')[0]?.['err'])).toMatch(/^not a store: /);
    expect(await readFile(String(gw.events('store.corrupt')[0]?.['aside']), 'utf8')).toBe(text);
    expect(await ticketDevices(gw.httpUrl)).toEqual(previous);
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
    await wet(p, 2);
    await vi.waitFor(async () => expect(await ticketDevices(gw.httpUrl)).toEqual([...previous, 'leak-2'].sort()), { timeout: 20_000, interval: 50 });
    // A clean stop never replaces the good backup with something worse.
    expect(await stopGateway(gw.child)).toBe(0);
    const bak = await snapshotDevices(`${file}.bak`);
    expect(previous.every((d) => bak.includes(d))).toBe(true);
    expect(await snapshotDevices(file)).toEqual([...previous, 'leak-2'].sort());
  });

  const badLines: [string, (line: Record<string, unknown>) => void][] = [
    ['a ticket without a number', (line) => {
      for (const t of Object.values((line['tickets'] ?? {}) as Record<string, Record<string, unknown>>)) delete t['number'];
    }],
    ['counters: null', (line) => {
      line['sections'] = { counters: null };
    }],
  ];
  it.each(badLines)('sets a journal whose line holds %s aside, serves every line before it and goes on raising tickets', async (_name, spoil) => {
    const dir = await tempDir();
    const p = await ports();
    const siteFile = await writeLeakSite({ dir, sensors: 3, ...p });
    const dataDir = path.join(dir, 'data');
    const gw0 = await startGatewayProcess(siteFile, p.httpPort);
    await wet(p, 0);
    await vi.waitFor(async () => expect(await durableDevices(dataDir)).toEqual(['leak-0']), { timeout: 20_000, interval: 50 });
    await wet(p, 1);
    await vi.waitFor(async () => expect(await durableDevices(dataDir)).toEqual(['leak-0', 'leak-1']), { timeout: 20_000, interval: 50 });
    await kill9(gw0.child);
    const journal = path.join(dataDir, 'store.journal');
    const lines = (await readFile(journal, 'utf8')).split('\n').filter((l) => l.length > 0);
    const at = lines.findIndex((l) => l.includes('"tickets"') && l.includes('"deviceId":"leak-1"'));
    expect(at).toBeGreaterThan(0);
    const spoilt = JSON.parse(lines[at] ?? '{}') as Record<string, unknown>;
    spoil(spoilt);
    lines[at] = JSON.stringify(spoilt);
    await writeFile(journal, `${lines.join('\n')}\n`);

    const gw = await startGatewayProcess(siteFile, p.httpPort);
    await vi.waitFor(() => expect(gw.events('store.journal_corrupt')).toEqual([expect.objectContaining({ code: 'GW_STORE_CORRUPT', line: at + 1 })]));
    expect(String(gw.events('store.journal_corrupt')[0]?.['err'])).toMatch(/^not a journal record: /);
    const res = await fetch(`${gw.httpUrl}/api/tickets`);
    expect(res.status).toBe(200);
    expect(await ticketDevices(gw.httpUrl)).toEqual(['leak-0']);
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
    await wet(p, 2);
    await vi.waitFor(async () => expect(await ticketDevices(gw.httpUrl)).toEqual(['leak-0', 'leak-2']), { timeout: 20_000, interval: 50 });
    expect(await stopGateway(gw.child)).toBe(0);
  });

  const unwritable: [string, string, (dir: string) => Promise<string | null>][] = [
    ['under a plain file', 'ENOTDIR', async (dir) => {
      // Nothing can be made or written under a file, whoever runs the test (root included).
      const blocker = path.join(dir, 'not-a-folder');
      await writeFile(blocker, 'x');
      return path.join(blocker, 'data');
    }],
    ['on a read-only mount', 'EROFS', async (dir) => {
      const mnt = path.join(dir, 'ro');
      await mkdir(mnt);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
      } catch {
        return null;
      }
      onTestFinished(() => void execFileSync('umount', ['-l', mnt], { stdio: 'ignore' }));
      return mnt;
    }],
  ];
  it.for(unwritable)('stops start-up with GW_DATA_DIR_UNWRITABLE naming the folder when the data folder is %s', async ([, errno, make], ctx) => {
    const dir = await tempDir();
    const p = await ports();
    const dataDir = await make(dir);
    if (dataDir === null) {
      ctx.skip('cannot mount a read-only tmpfs here (needs root with CAP_SYS_ADMIN); the plain-file case covers the refusal');
      return;
    }
    const siteFile = await writeLeakSite({ dir, sensors: 1, ...p, dataDir });
    const lines: string[] = [];
    const child = spawnGateway(siteFile, { LOG_LEVEL: 'info' }, (l) => void lines.push(l));
    onTestFinished(() => kill9(child));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    const fatal = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['event'] === 'gateway.start_failed');
    expect(fatal).toMatchObject({ code: 'GW_DATA_DIR_UNWRITABLE', dataDir });
    expect(String(fatal?.['msg'])).toContain(`the data folder ${dataDir} cannot be written (${errno})`);
    // Told in words: no stack trace anywhere in what it wrote.
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
  });
});

/**
 * A gateway process whose store stops accepting writes after one durable ticket (`refuse`
 * returns the function that lets writes through again): it keeps running with /readyz red and the
 * store error, neither alerts nor lists the new ticket, and writes, lists and alerts it once the
 * disk accepts writes again.
 */
async function refusedWrites(dir: string, dataDir: string, errno: string, extra: Record<string, unknown>, refuse: () => Promise<() => Promise<void>>): Promise<void> {
  const sensors = 8;
  const p = await ports();
  const siteFile = await writeLeakSite({ dir, sensors, ...p, dataDir, extra });
  const gw = await startGatewayProcess(siteFile, p.httpPort, { LOG_LEVEL: 'info' });

  const alerts: string[] = [];
  await waitForPort(p.mqttPort);
  const staff = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.mqttPort}`, { ...CONSOLE_LOGIN, reconnectPeriod: 0 });
  onTestFinished(() => staff.endAsync(true));
  staff.on('message', (_t, payload) => void alerts.push((JSON.parse(payload.toString()) as { ticketId: string }).ticketId));
  await staff.subscribeAsync('alerts/#', { qos: 1 });
  await wet(p, 0);
  await vi.waitFor(async () => expect(await durableDevices(dataDir)).toEqual(['leak-0']), { timeout: 20_000, interval: 50 });
  await vi.waitFor(() => expect(alerts).toHaveLength(1), { timeout: 20_000 });

  const release = await refuse();

  // On a full disk a journal line can still fit in the unused end of the journal's last block, so
  // raise tickets one by one until a write is refused (the first already, when every write is refused).
  const readyStatus = async (): Promise<number> => (await fetch(`${gw.httpUrl}/readyz`)).status;
  let refused = 0;
  for (let i = 1; i < sensors - 1 && refused === 0; i++) {
    await wet(p, i);
    await vi.waitFor(async () => expect(alerts.length === i + 1 || (await readyStatus()) === 503).toBe(true), { timeout: 20_000, interval: 50 });
    if (alerts.length === i) refused = i;
  }
  expect(refused).toBeGreaterThan(0);
  const before = Array.from({ length: refused }, (_, i) => `leak-${i}`);
  const all = [...before, `leak-${refused}`].sort();
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
  // The ticket exists in memory only: nobody is told, and nobody is shown it, before it is durable.
  expect(await ticketDevices(gw.httpUrl)).toEqual(before.sort());
  expect(await durableDevices(dataDir)).toEqual(before.sort());
  expect(alerts).toHaveLength(refused);
  expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);

  await release();
  await vi.waitFor(async () => expect(await durableDevices(dataDir)).toEqual(all), { timeout: 30_000, interval: 100 });
  await vi.waitFor(async () => expect(await ticketDevices(gw.httpUrl)).toEqual(all), { timeout: 20_000, interval: 100 });
  await vi.waitFor(async () => expect(await readyStatus()).toBe(200), { timeout: 20_000, interval: 100 });
  await vi.waitFor(() => expect(alerts).toHaveLength(refused + 1), { timeout: 20_000 });
  await vi.waitFor(() => expect(gw.events('store.recovered')).toHaveLength(1));
  expect(await stopGateway(gw.child)).toBe(0);
}
