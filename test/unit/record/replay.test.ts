import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { loadSiteFile, parseSite } from '../../../gateway/config/load-site.js';
import { silentLogger } from '../../../core/log.js';
import { ReadingRecorder } from '../../../gateway/record/reading-recorder.js';
import { replayRecording } from '../../../gateway/record/replay.js';
import { ensureBuilt } from '../../helpers/gateway-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const DEMO = path.resolve('config/demo-site.json');

/**
 * A recording as the gateway writes it: a pump-room leak sensor that goes wet and stays wet 20 s,
 * and the domestic-water pump running normally until its outlet pressure falls from 4.1 to
 * 0.6 bar in one step while its flow holds (a burst pipe downstream). One reading a second each.
 */
async function recordLeakAndBurst(file: string): Promise<void> {
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 1, 0, 0));
  const rec = new ReadingRecorder({ file, maxBytes: 1_000_000, siteId: 'demo-tower', clock, log: silentLogger() });
  const read = (d: string, p: string, v: number | boolean): void => rec.write({ deviceId: d, pointId: p, value: v, quality: 'good', ts: clock.now() });
  for (let s = 0; s < 120; s++) {
    read('leak-b1-pump-room', 'wet', s >= 10 && s < 30);
    read('pump-dw-1', 'runCommand', true);
    read('pump-dw-1', 'running', true);
    read('pump-dw-1', 'faultCode', 0);
    read('pump-dw-1', 'pressure', s < 60 ? 4.1 : 0.6);
    read('pump-dw-1', 'flow', 12);
    clock.advance(1000);
  }
  await rec.close();
}

describe('record and replay', () => {
  it('replays a recorded leak and a recorded burst pipe into exactly their tickets, stamped when they would have been raised', async () => {
    const file = path.join(await tempDir('replay-'), 'readings.gz');
    await recordLeakAndBurst(file);
    const r = await replayRecording(file, await loadSiteFile(DEMO));
    expect(r.readings).toBe(720);
    expect(r.tickets.map((t) => [t.fault, t.deviceId, t.tier])).toEqual([
      ['water-leak', 'leak-b1-pump-room', 'emergency'],
      ['burst-pipe', 'pump-dw-1', 'emergency'],
    ]);
    const [leak, burst] = r.tickets;
    // Wet from 10 s, on-delay 5 s; the drop at 60 s, on-delay 10 s.
    expect(Date.parse(leak?.createdAt ?? '') - r.header.startedAt).toBe(15_000);
    expect(Date.parse(burst?.createdAt ?? '') - r.header.startedAt).toBe(70_000);
    expect(burst?.evidence.find((e) => e.pointId === 'pressure')?.samples.map((s) => s.value)).toContain(0.6);
  });

  it('replays again with a tuned threshold: a leak on-delay longer than the wet spell raises only the burst', async () => {
    const dir = await tempDir('replay-');
    const file = path.join(dir, 'readings.gz');
    await recordLeakAndBurst(file);
    const raw = JSON.parse(await readFile(DEMO, 'utf8')) as { devices: { id: string; faults?: Record<string, unknown> }[]; usersFile?: string };
    delete raw.usersFile;
    for (const d of raw.devices) if (d.id === 'leak-b1-pump-room') d.faults = { 'water-leak': { onDelaySeconds: 30 } };
    const r = await replayRecording(file, parseSite(raw));
    expect(r.tickets.map((t) => t.fault)).toEqual(['burst-pipe']);
  });

  it('prints what would have been raised, when in the site time and why, and nothing else (npm run replay)', async () => {
    const CLI = path.resolve('dist/gateway/cli/replay.js');
    ensureBuilt(CLI);
    const file = path.join(await tempDir('replay-'), 'readings.gz');
    await recordLeakAndBurst(file);
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => execFile(process.execPath, [CLI, file, '--site', DEMO], (e, stdout) => resolve({ code: e === null ? 0 : Number(e.code), stdout })));
    expect(out.code).toBe(0);
    const raised = out.stdout.split('\n').filter((l) => l.includes('would raise'));
    // 01:00:15 UTC is 09:00:15 in Asia/Shanghai: the site's local time, never UTC.
    expect(raised).toEqual([
      '2026-11-27 09:00:15 (15 s in)  would raise emergency water-leak @ leak-b1-pump-room (T1 B1 B1 生活水泵房 北墙立管旁)',
      '2026-11-27 09:01:10 (1 min 10 s in)  would raise emergency burst-pipe @ pump-dw-1 (T1 B1 B1 生活水泵房 1# 泵)',
    ]);
    expect(out.stdout).toContain('why: Pressure fell from 4.1 to 0.6 bar');
    expect(out.stdout).toMatch(/2 tickets would have been raised\n$/);
    expect(out.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  it('stops a recording at its size limit and replays what it holds', async () => {
    const file = path.join(await tempDir('replay-'), 'readings.gz');
    const clock = new ManualClock();
    const rec = new ReadingRecorder({ file, maxBytes: 8_000, siteId: 'demo-tower', clock, log: silentLogger() });
    for (let i = 0; i < 5_000; i++) {
      rec.write({ deviceId: 'pump-dw-1', pointId: 'pressure', value: 4 + (i % 97) / 100, quality: 'good', ts: clock.now() });
      clock.advance(1000);
    }
    await rec.close();
    const size = (await readFile(file)).length;
    expect(size).toBeLessThan(8_000); // the cap counts the readings before compression
    const r = await replayRecording(file, await loadSiteFile(DEMO));
    expect(r.readings).toBeGreaterThan(0);
    expect(r.readings).toBeLessThan(5_000);
  });

  it('refuses a file that is not a recording', async () => {
    const file = path.join(await tempDir('replay-'), 'x.gz');
    await writeFile(file, '');
    await expect(replayRecording(file, await loadSiteFile(DEMO))).rejects.toThrow('holds no recording');
  });
});

describe('replay through the rule pack', () => {
  const PLANT = path.resolve('simulators/scenarios/sites/fdd-plant.json');

  /** The chilled-water pump commanded on all along: flowing, dry for 3 min, flowing, dry again for 3 min (one reading every 2 s). */
  async function recordDrySpells(file: string): Promise<void> {
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 1, 0, 0));
    const rec = new ReadingRecorder({ file, maxBytes: 1_000_000, siteId: 'fdd-plant', clock, log: silentLogger() });
    const read = (p: string, v: number | boolean): void => rec.write({ deviceId: 'chw-pump-1', pointId: p, value: v, quality: 'good', ts: clock.now() });
    for (let s = 0; s < 900; s += 2) {
      const dry = (s >= 120 && s < 300) || (s >= 600 && s < 780);
      read('runCommand', true);
      read('running', true);
      read('flow', dry ? 0 : 12 + (s % 7) / 10);
      read('current', dry ? 7.2 + (s % 3) / 10 : 18 + (s % 5) / 10);
      clock.advance(2000);
    }
    await rec.close();
  }

  it('gives every time a pack rule would have fired, the second dry spell too though it only adds to the open ticket', async () => {
    const file = path.join(await tempDir('replay-'), 'readings.gz');
    await recordDrySpells(file);
    const r = await replayRecording(file, await loadSiteFile(PLANT));
    expect(r.tickets.map((t) => [t.fault, t.deviceId, t.tier])).toEqual([['pump-running-dry', 'chw-pump-1', 'general']]);
    // Dry from 120 s and 600 s, judged after the 20 s the site's entry persists it.
    expect(r.fired.map((f) => [f.fault, Math.round((f.ts - r.header.startedAt) / 1000)])).toEqual([
      ['pump-running-dry', 140],
      ['pump-running-dry', 620],
    ]);
    expect(r.tickets[0]?.evidence.map((e) => e.pointId)).toEqual(['runCommand', 'flow', 'current']);
  });

  it('prints each state-aware rule of the site with its site-local times (npm run replay)', async () => {
    const CLI = path.resolve('dist/gateway/cli/replay.js');
    ensureBuilt(CLI);
    const file = path.join(await tempDir('replay-'), 'readings.gz');
    await recordDrySpells(file);
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => execFile(process.execPath, [CLI, file, '--site', PLANT], (e, stdout) => resolve({ code: e === null ? 0 : Number(e.code), stdout })));
    expect(out.code).toBe(0);
    const section = out.stdout.slice(out.stdout.indexOf('state-aware rules'));
    // 01:02:20 UTC is 09:02:20 in Asia/Shanghai.
    expect(section.split('\n').slice(0, 4)).toEqual([
      'state-aware rules (Asia/Shanghai time):',
      '  chiller-short-cycling @ chiller-1: not judged (the recording has no readings of chiller-1)',
      '  chw-low-delta-t @ chiller-1: not judged (the recording has no readings of chiller-1)',
      '  valve-leaking @ ahu-1: not judged (the recording has no readings of ahu-1)',
    ]);
    expect(section).toContain('  pump-running-dry @ chw-pump-1: fired 2 times, at 09:02:20, 09:10:20\n');
    expect(section).toContain('  sensor-stuck @ chw-pump-1: never fired\n');
    expect(out.stdout).toMatch(/1 ticket would have been raised\n$/);
    expect(out.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:|Z\b/);
  });
});
