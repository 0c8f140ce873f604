import { appendFile, copyFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { FileStore, type FileStoreOptions } from '../../../gateway/store/store.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { sampleTicket } from '../../helpers/ticket-fixture.js';
import type { AlarmRecord } from '../../../gateway/alarms/alarm-record.js';

function open(dataDir: string, more: Partial<FileStoreOptions> = {}): Promise<FileStore> {
  return FileStore.open({ dataDir, clock: systemClock, log: silentLogger(), ...more });
}

/** A ticket of about `size` characters more than its fixed fields. */
function ticket(id: string, version = 1, size = 2_000): Ticket {
  return sampleTicket(id, version, size);
}

function alarm(key: string, state: 'active' | 'normal', since = 1): AlarmRecord {
  const [deviceId = '', fault = ''] = key.split('/');
  return { key, deviceId, fault, state, since, ticketId: null, activations: [], suppressed: 0 };
}


describe('FileStore journal', () => {
  it('appends only what changed: a lone ticket costs its own size, not the store', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    for (let i = 0; i < 200; i++) store.data.tickets[`t${i}`] = ticket(`t${i}`);
    await store.commit();
    const before = store.stats();
    store.data.tickets['lone'] = ticket('lone');
    await store.commit();
    const after = store.stats();
    expect(after.writes).toBe(before.writes + 1);
    expect(after.snapshots).toBe(before.snapshots);
    // One ticket's JSON and the line's framing; the store holds 200 such tickets (about 600 kB).
    const one = JSON.stringify(ticket('lone')).length;
    expect(after.journalBytes - before.journalBytes).toBeGreaterThan(one);
    expect(after.journalBytes - before.journalBytes).toBeLessThan(one + 1_000);
    await store.close();
    const again = await open(dir);
    expect(Object.keys(again.data.tickets)).toHaveLength(201);
    expect(again.data.tickets['lone']?.version).toBe(1);
    await again.close();
  });

  it('journals replaced alarm records, in-place changes of sections, and removals', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const rec = alarm('pump-1/stopped', 'normal');
    store.data.alarms['pump-1/stopped'] = rec;
    store.data.alarms['gone/offline'] = alarm('gone/offline', 'active');
    store.data.tickets['a'] = ticket('a');
    store.data.tickets['b'] = ticket('b');
    await store.commit();
    store.data.alarms['pump-1/stopped'] = { ...rec, state: 'active' };
    delete store.data.alarms['gone/offline'];
    delete store.data.tickets['b'];
    store.data.tickets['a'] = ticket('a', 2);
    store.data.outbox.push({ ticketId: 'a', version: 2, tier: 'general', enqueuedAt: 5, attempts: 0, bytes: 10, generation: 3 });
    store.data.sync.cursor = 'c-9';
    await store.commit();
    await store.close();
    const again = await open(dir);
    expect(again.data.alarms).toEqual({ 'pump-1/stopped': alarm('pump-1/stopped', 'active') });
    expect(Object.keys(again.data.tickets)).toEqual(['a']);
    expect(again.data.tickets['a']?.version).toBe(2);
    // Whatever was read from disk is durable: the outbox entry's generation starts over at 0.
    expect(again.data.outbox).toEqual([{ ticketId: 'a', version: 2, tier: 'general', enqueuedAt: 5, attempts: 0, bytes: 10, generation: 0 }]);
    expect(again.data.sync.cursor).toBe('c-9');
    expect(again.stats().snapshots).toBe(0);
    await again.close();
  });

  it('folds the journal into a snapshot on a clean close, so the next start reads one file', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    store.data.tickets['a'] = ticket('a');
    await store.commit();
    expect(store.stats().journalBytes).toBeGreaterThan(0);
    await store.close();
    expect((await stat(path.join(dir, 'store.journal'))).size).toBe(0);
    const snapshot = JSON.parse(await readFile(path.join(dir, 'store.json'), 'utf8')) as { tickets: Record<string, unknown>; journalSeq: number };
    expect(Object.keys(snapshot.tickets)).toEqual(['a']);
    expect(snapshot.journalSeq).toBe(1);
  });

  it('does not write when a commit changed nothing', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    store.data.counters['d'] = 1;
    await store.commit();
    await store.commit();
    expect(store.stats().writes).toBe(1);
    await store.close();
  });

  it('folds the journal into a snapshot once it outgrows the limit, and reopens the same data', async () => {
    const dir = await tempDir();
    const store = await open(dir, { compactAfterBytes: 20_000 });
    for (let i = 0; i < 30; i++) {
      store.data.tickets[`t${i}`] = ticket(`t${i}`);
      await store.commit();
    }
    const s = store.stats();
    expect(s.snapshots).toBeGreaterThanOrEqual(1);
    // The limit is the larger of the setting and the snapshot itself.
    expect(s.journalBytes).toBeLessThanOrEqual(Math.max(20_000, s.bytes - s.journalBytes));
    await store.close();
    const again = await open(dir);
    expect(Object.keys(again.data.tickets)).toHaveLength(30);
    await again.close();
  });

  it('replays nothing twice when a crash left the journal behind a newer snapshot', async () => {
    const dir = await tempDir();
    const store = await open(dir, { compactAfterBytes: 5_000 });
    store.data.tickets['a'] = ticket('a', 1);
    await store.commit();
    const journal = path.join(dir, 'store.journal');
    const stale = path.join(dir, 'stale.journal');
    await copyFile(journal, stale);
    // Version 2 is big enough to force a snapshot, which empties the journal.
    store.data.tickets['a'] = ticket('a', 2, 6_000);
    await store.commit();
    expect(store.stats().snapshots).toBe(1);
    await store.close();
    // As if the process died between the snapshot's rename and emptying the journal.
    await copyFile(stale, journal);
    const again = await open(dir);
    expect(again.data.tickets['a']?.version).toBe(2);
    await again.close();
  });

  it('drops a torn last line (a crash during its append) and keeps appending after the good ones', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    store.data.counters['a'] = 1;
    await store.commit();
    store.data.counters['b'] = 2;
    await store.commit();
    await store.close();
    const journal = path.join(dir, 'store.journal');
    await appendFile(journal, '{"seq":3,"sections":{"counters":{"a":1,"b":2,"c"');
    const again = await open(dir);
    expect(again.data.counters).toEqual({ a: 1, b: 2 });
    again.data.counters['d'] = 4;
    await again.commit();
    await again.close();
    const third = await open(dir);
    expect(third.data.counters).toEqual({ a: 1, b: 2, d: 4 });
    await third.close();
  });

  it('journals a later change of a ticket as what changed, not the ticket, and replays it to the same ticket', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    // About 15 kB, most of it evidence: what a sensor ticket carries.
    const raised = ticket('t1', 1, 15_000);
    store.data.tickets['t1'] = raised;
    await store.commit();
    const before = store.stats().journalBytes;
    const taken: Ticket = {
      ...raised,
      version: 2,
      status: 'acknowledged',
      assignee: 'eng-zhang',
      updatedAt: '2026-01-05T02:03:00.000Z',
      history: [...raised.history, { at: '2026-01-05T02:03:00.000Z', actor: 'user:eng-zhang', action: 'acknowledged', status: 'acknowledged' }],
    };
    store.data.tickets['t1'] = taken;
    await store.commit();
    const line = (await readFile(path.join(dir, 'store.journal'), 'utf8')).trim().split('\n').at(-1) ?? '';
    expect(store.stats().journalBytes - before).toBeLessThan(600);
    const rec = JSON.parse(line) as { tickets?: unknown; ticketPatches?: Record<string, { from: number; set?: Record<string, unknown>; append?: Record<string, unknown[]> }> };
    expect(rec.tickets).toBeUndefined();
    expect(rec.ticketPatches?.['t1']?.from).toBe(1);
    expect(Object.keys(rec.ticketPatches?.['t1']?.set ?? {}).sort()).toEqual(['assignee', 'status', 'updatedAt', 'version']);
    expect(rec.ticketPatches?.['t1']?.append?.['history']).toHaveLength(1);
    // A field that comes and one that goes away again.
    store.data.tickets['t1'] = { ...taken, version: 3, centralNumber: 'WO-88' };
    await store.commit();
    const { centralNumber: _gone, ...third } = { ...(store.data.tickets['t1'] as Ticket), version: 4 };
    store.data.tickets['t1'] = third;
    await store.commit();
    expect((await readFile(path.join(dir, 'store.journal'), 'utf8')).trim().split('\n').at(-1)).toContain('"unset":["centralNumber"]');
    // A crash now (no clean stop, which would fold the journal): the next start replays the changes.
    const again = await open(dir);
    expect(again.recovery()).toBeNull();
    expect(again.data.tickets['t1']).toEqual(third);
    await again.close();
    await store.close();
  });

  it('sets aside a journal whose change does not apply to the ticket it names, keeping what came before', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    store.data.tickets['t1'] = ticket('t1');
    await store.commit();
    store.data.counters['a'] = 1;
    await store.commit();
    const journal = path.join(dir, 'store.journal');
    const good = await readFile(journal, 'utf8');
    // A change to version 5 of t1, which the store holds at version 1; and one to a ticket it does not hold.
    await writeFile(journal, `${good}{"seq":3,"ticketPatches":{"t1":{"from":5,"set":{"status":"closed","version":6}}}}\n{"seq":4,"ticketPatches":{"nope":{"from":1,"set":{"version":2}}}}\n`);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const again = await FileStore.open({ dataDir: dir, clock: systemClock, log });
    expect(again.data.tickets['t1']?.status).toBe('raised');
    expect(again.data.counters).toEqual({ a: 1 });
    expect(again.recovery()?.problems.join(' ')).toContain('version 5 of ticket t1');
    expect(lines.join('')).toContain('GW_STORE_CORRUPT');
    await expect.poll(() => again.stats().snapshots).toBe(1);
    const aside = (await readdir(dir)).find((f) => f.startsWith('store.journal.corrupt-'));
    expect(await readFile(path.join(dir, aside ?? ''), 'utf8')).toContain('"from":5');
    await again.close();
    await store.close();
  });

  it('sets a journal with an unreadable line aside, keeps the lines before it and snapshots them at once', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    store.data.counters['a'] = 1;
    await store.commit();
    await store.close();
    const journal = path.join(dir, 'store.journal');
    const good = await readFile(journal, 'utf8');
    await writeFile(journal, `${good}not json\n{"seq":9,"sections":{"counters":{"z":26}}}\n`);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const again = await FileStore.open({ dataDir: dir, clock: systemClock, log });
    expect(again.data.counters).toEqual({ a: 1 });
    await expect.poll(() => again.stats().snapshots).toBe(1);
    expect(lines.join('')).toContain('GW_STORE_CORRUPT');
    const files = await readdir(dir);
    const aside = files.find((f) => f.startsWith('store.journal.corrupt-'));
    expect(aside).toBeDefined();
    // The file set aside is the journal as it was, bad line and all: nothing is lost.
    expect(await readFile(path.join(dir, aside ?? ''), 'utf8')).toContain('"z":26');
    await again.close();
    expect((await stat(journal)).size).toBe(0);
    const third = await open(dir);
    expect(third.data.counters).toEqual({ a: 1 });
    await third.close();
  });

  it('replays the journal onto the backup of a corrupt snapshot and writes the result as a new snapshot at once', async () => {
    const dir = await tempDir();
    const first = await open(dir, { compactAfterBytes: 0 });
    first.data.counters['a'] = 1;
    await first.commit();
    first.data.tickets['t1'] = ticket('t1');
    await first.commit();
    await first.close();
    // Now journal on: the next change is appended after the snapshot (t1) whose backup holds only a.
    const second = await open(dir);
    second.data.tickets['t2'] = ticket('t2');
    await second.commit();
    expect(second.stats().snapshots).toBe(0);
    // The files as a crash would leave them (a clean close folds the journal into a snapshot).
    const saved = await Promise.all(['store.json.bak', 'store.journal'].map((f) => readFile(path.join(dir, f))));
    await second.close();
    await Promise.all(['store.json.bak', 'store.journal'].map((f, i) => writeFile(path.join(dir, f), saved[i] ?? '')));
    await writeFile(path.join(dir, 'store.json'), '{"half');
    const again = await open(dir);
    // t1 was only in the corrupt snapshot; the backup (a) and the journal (t2) are what is left.
    expect(again.data.counters).toEqual({ a: 1 });
    expect(Object.keys(again.data.tickets)).toEqual(['t2']);
    await expect.poll(() => again.stats().snapshots).toBe(1);
    await again.close();
    const third = await open(dir);
    expect(Object.keys(third.data.tickets)).toEqual(['t2']);
    await third.close();
  });
});
