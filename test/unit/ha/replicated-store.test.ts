import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.js';
import { FileStore, ReplicaGap } from '../../../gateway/store/store.js';
import { readDurable } from '../../helpers/durable-store.js';
import { sampleTicket } from '../../helpers/ticket-fixture.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { silentLogger } from '../../../core/log.js';

const open = async (dataDir: string, replicate?: (line: string, seq: number) => Promise<void>, compactAfterBytes = 4_000_000) =>
  FileStore.open({ dataDir, clock: systemClock, log: silentLogger(), compactAfterBytes, ...(replicate === undefined ? {} : { replicate }) });

describe("a pair member's store", () => {
  it("commits each change to the pair before its own journal, and the standby's store applies the same lines into the same state", async () => {
    const lines: { seq: number; line: string }[] = [];
    const active = await open(await tempDir('active-'), async (line, seq) => void lines.push({ seq, line }));
    active.data.tickets['t1'] = sampleTicket('t1');
    await active.commit();
    active.data.tickets['t1'] = sampleTicket('t1', 2);
    active.data.tickets['t2'] = sampleTicket('t2');
    await active.commit();
    expect(lines.map((l) => l.seq)).toEqual([1, 2]);
    const standbyDir = await tempDir('standby-');
    const standby = await open(standbyDir);
    await standby.applyReplicated(lines);
    expect(standby.seq).toBe(2);
    expect(standby.data.tickets).toEqual(active.data.tickets);
    // Applied lines are durable on the standby's own disk: a restart reads them back.
    expect((await readDurable(standbyDir)).tickets).toEqual(active.data.tickets);
    // A line it holds already is skipped; one that does not follow is a gap, and nothing of it is applied.
    await standby.applyReplicated(lines.slice(0, 1));
    await expect(standby.applyReplicated([{ seq: 5, line: lines[0]?.line ?? '' }])).rejects.toBeInstanceOf(ReplicaGap);
    expect(standby.seq).toBe(2);
    await active.close();
    await standby.close();
  });

  it("a promoted standby's first change carries only itself: the lines it applied count as written", async () => {
    const lines: { seq: number; line: string }[] = [];
    const active = await open(await tempDir('active-'), async (line, seq) => void lines.push({ seq, line }));
    active.data.tickets['t1'] = sampleTicket('t1');
    active.data.tickets['t2'] = sampleTicket('t2');
    await active.commit();
    await active.close();
    const next: string[] = [];
    const standby = await open(await tempDir('standby-'), async (line) => void next.push(line));
    await standby.applyReplicated(lines);
    standby.data.tickets['t3'] = sampleTicket('t3');
    await standby.commit();
    expect(next).toHaveLength(1);
    expect(Object.keys((JSON.parse(next[0] ?? '{}') as { tickets?: object }).tickets ?? {})).toEqual(['t3']);
    expect((JSON.parse(next[0] ?? '{}') as { seq: number }).seq).toBe(2);
    await standby.close();
  });

  it('a change the pair refuses is not written and its waiter is not told; abandon() refuses what waits', async () => {
    const dir = await tempDir('fenced-');
    let refuse = false;
    const store = await open(dir, async () => {
      if (refuse) throw new Error('fenced');
    });
    store.data.tickets['t1'] = sampleTicket('t1');
    await store.commit();
    refuse = true;
    store.data.tickets['t2'] = sampleTicket('t2');
    let told = false;
    const waiting = store.commit().then(() => (told = true), (err: unknown) => err);
    await new Promise((r) => setTimeout(r, 50));
    expect(told).toBe(false);
    await store.abandon('fenced');
    expect(await waiting).toMatchObject({ code: 'GW_HA_FENCED' });
    expect(Object.keys((await readDurable(dir)).tickets)).toEqual(['t1']);
  });

  it('a snapshot (the journal folded) still replicates the change it holds as a numbered line', async () => {
    const lines: number[] = [];
    const store = await open(await tempDir('snap-'), async (_line, seq) => void lines.push(seq), 1);
    for (let i = 1; i <= 3; i += 1) {
      store.data.tickets[`t${i}`] = sampleTicket(`t${i}`);
      await store.commit();
    }
    expect(lines).toEqual([1, 2, 3]);
    expect(store.stats().snapshots).toBeGreaterThan(0);
    await store.close();
  });
});
