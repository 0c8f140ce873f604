import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { FileStore } from '../../../gateway/store/store.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function openStore(dataDir: string): Promise<FileStore> {
  return FileStore.open({ dataDir, clock: systemClock, log: silentLogger() });
}

describe('FileStore', () => {
  it('starts empty in a new folder and persists a committed change', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    expect(store.data.tickets).toEqual({});
    store.data.counters['20260105'] = 7;
    await store.commit();
    await store.close();
    const again = await openStore(dir);
    expect(again.data.counters['20260105']).toBe(7);
    await again.close();
  });

  it('groups changes made in one turn into one write', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      store.data.counters[`d${i}`] = i;
      commits.push(store.commit());
    }
    await Promise.all(commits);
    expect(store.stats().writes).toBe(1);
    await store.close();
  });

  it('writes at once when no write is in flight, and puts what arrives meanwhile in the next write', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    store.data.counters['d0'] = 0;
    const first = store.commit();
    // The first write is on its way: these wait for it and then go in one write together.
    const rest: Promise<void>[] = [];
    for (let i = 1; i < 20; i++) {
      store.data.counters[`d${i}`] = i;
      rest.push(store.commit());
    }
    await Promise.all([first, ...rest]);
    expect(store.stats().writes).toBeLessThanOrEqual(2);
    await store.close();
    const again = await openStore(dir);
    expect(Object.keys(again.data.counters)).toHaveLength(20);
    await again.close();
  });

  it('is not held up by the wall clock: a store on a clock stepped back an hour and never moving still writes', async () => {
    const dir = await tempDir();
    const clock = new ManualClock();
    const store = await FileStore.open({ dataDir: dir, clock, log: silentLogger() });
    for (let i = 0; i < 10; i++) {
      clock.step(-3_600_000);
      store.data.counters[`d${i}`] = i;
      await store.commit();
    }
    expect(store.stats().writes).toBe(10);
    await store.close();
  });

  it('sets a corrupt snapshot aside and recovers the previous generation', async () => {
    const dir = await tempDir();
    // Journal off: every write is a snapshot, so store.json holds a+b and its backup holds a.
    const store = await FileStore.open({ dataDir: dir, clock: systemClock, log: silentLogger(), compactAfterBytes: 0 });
    store.data.counters['a'] = 1;
    await store.commit();
    store.data.counters['b'] = 2;
    await store.commit();
    await store.close();
    const file = path.join(dir, 'store.json');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.slice(0, original.length / 2));
    const lines: string[] = [];
    const { pino } = await import('pino');
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const recovered = await FileStore.open({ dataDir: dir, clock: systemClock, log });
    expect(recovered.data.counters['a']).toBe(1);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith('store.json.corrupt-'))).toBe(true);
    expect(lines.join('')).toContain('GW_STORE_CORRUPT');
    await recovered.close();
  });

  it('keeps changes and retries when the disk refuses writes, then writes them once it accepts', async () => {
    const dir = await tempDir();
    const store = await FileStore.open({ dataDir: dir, clock: systemClock, log: silentLogger(), retryMs: 20, compactAfterBytes: 0 });
    // Make the temp file path a directory: open(..., O_WRONLY) fails with EISDIR, as a full disk would fail.
    const { mkdir, rmdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'store.json.tmp'));
    store.data.counters['x'] = 1;
    const done = store.commit();
    await expect.poll(() => store.health().writable).toBe(false);
    await rmdir(path.join(dir, 'store.json.tmp'));
    await done;
    expect(store.health().writable).toBe(true);
    await store.close();
    const again = await openStore(dir);
    expect(again.data.counters['x']).toBe(1);
    await again.close();
  });
});
