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
