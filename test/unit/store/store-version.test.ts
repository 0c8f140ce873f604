import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.js';
import { GatewayError } from '../../../core/errors.js';
import { silentLogger } from '../../../core/log.js';
import { STORE_SCHEMA_VERSION } from '../../../gateway/store/store-data.js';
import { FileStore } from '../../../gateway/store/store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const FIXTURES = path.resolve('test/fixtures/store');
const open = (dataDir: string) => FileStore.open({ dataDir, clock: systemClock, log: silentLogger() });

/** Every earlier version has a fixture written by that version's gateway (issue 19). */
async function earlierVersions(): Promise<number[]> {
  return (await readdir(FIXTURES)).flatMap((n) => /^v(\d+)$/.exec(n)?.[1] ?? []).map(Number).sort((a, b) => a - b);
}

describe('store schema version', () => {
  it('has a fixture store for every version before the current one', async () => {
    expect(await earlierVersions()).toEqual(Array.from({ length: STORE_SCHEMA_VERSION - 1 }, (_, i) => i + 1));
  });

  it('migrates a store of every earlier version in place, after copying its files aside byte for byte', async () => {
    for (const v of await earlierVersions()) {
      const dir = await tempDir(`gw-migrate-v${v}-`);
      await cp(path.join(FIXTURES, `v${v}`), dir, { recursive: true });
      const before = { json: await readFile(path.join(dir, 'store.json')), journal: await readFile(path.join(dir, 'store.journal')) };
      const store = await open(dir);
      // The v1 fixture: two tickets in the snapshot (one confirmed when a confirm was a status), one in the journal.
      const tickets = Object.values(store.data.tickets);
      expect(tickets.map((t) => t.number).sort()).toEqual(['RL01-20261127-0001', 'RL01-20261127-0002', 'RL01-20261127-0003']);
      const confirmed = tickets.find((t) => t.number === 'RL01-20261127-0002');
      expect(confirmed?.status).toBe('raised');
      expect(confirmed?.verification).toMatchObject({ state: 'confirmed', by: 'patrol-1' });
      expect(store.data.alerts).toEqual({});
      expect(store.data.counters['20261127']).toBe(3);
      expect(store.recovery()).toBeNull();
      // The backup is the old version's files, as they were.
      expect(await readFile(path.join(dir, `store.json.v${v}`))).toEqual(before.json);
      expect(await readFile(path.join(dir, `store.journal.v${v}`))).toEqual(before.journal);
      await store.commit();
      // Migrated in place: the live snapshot is the current version now.
      const onDisk = JSON.parse(await readFile(path.join(dir, 'store.json'), 'utf8')) as { schemaVersion: number; tickets: Record<string, unknown> };
      expect(onDisk.schemaVersion).toBe(STORE_SCHEMA_VERSION);
      expect(Object.keys(onDisk.tickets)).toHaveLength(3);
      await store.close();
      const again = await open(dir);
      expect(Object.keys(again.data.tickets)).toHaveLength(3);
      await again.close();
    }
  });

  it('refuses a store written by a newer gateway with GW_STORE_TOO_NEW, and neither reads nor changes it', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    store.data.counters['20261127'] = 4;
    await store.commit();
    await store.close();
    const file = path.join(dir, 'store.json');
    const newer = (await readFile(file, 'utf8')).replace(`"schemaVersion":${STORE_SCHEMA_VERSION}`, `"schemaVersion":${STORE_SCHEMA_VERSION + 1}`);
    await writeFile(file, newer);
    const names = (await readdir(dir)).sort();
    const err = await open(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('GW_STORE_TOO_NEW');
    expect((err as GatewayError).message).toContain(`schema version ${STORE_SCHEMA_VERSION + 1}`);
    expect(await readFile(file, 'utf8')).toBe(newer);
    expect((await readdir(dir)).sort()).toEqual(names);
  });
});
