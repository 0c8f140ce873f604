import { copyFile, constants, open } from 'node:fs/promises';
import path from 'node:path';
import { GatewayError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { fsyncDir } from './fsync-dir.js';
import { STORE_SCHEMA_VERSION } from './store-data.js';

/**
 * The store's schema version at start (DESIGN "The local store"; issue 19). A store written by a
 * newer gateway is refused with GW_STORE_TOO_NEW before anything reads it: reading it with an older
 * schema would drop what it does not know (or set the whole store aside as corrupt) and the next
 * write would make that loss durable. An older store is copied aside byte for byte first
 * (`store.json.v1`, `store.journal.v1`), then migrated in place (store-schema.ts reads old shapes;
 * the store writes the migrated snapshot at once).
 *
 * Versions: 1 had no `alerts`; tickets had `status: confirmed` before verification was its own fact
 * (ticket-schema.ts migrates those). test/fixtures/store/v{N}/ holds a store each earlier version wrote.
 */

/** The `schemaVersion` a snapshot's JSON says it is, or null when it says nothing readable. */
export function declaredVersion(raw: unknown): number | null {
  if (raw === null || typeof raw !== 'object' || !('schemaVersion' in raw)) return null;
  const v = raw.schemaVersion;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : null;
}

/** Throws GW_STORE_TOO_NEW when the file was written by a newer gateway. */
export function refuseNewer(file: string, version: number | null): void {
  if (version === null || version <= STORE_SCHEMA_VERSION) return;
  throw new GatewayError(
    'GW_STORE_TOO_NEW',
    `the store ${file} has schema version ${version} but this gateway reads up to version ${STORE_SCHEMA_VERSION}: it was written by a newer gateway. Run that version again, or restore a backup taken before the upgrade; the store was not read or changed`,
    { file, version, supported: STORE_SCHEMA_VERSION },
  );
}

/**
 * Copies the snapshot and the journal of an older version aside before the migration writes over
 * them. A copy left by an earlier attempt (a crash during the migration) is kept: it is the
 * original, as the live file is still of the old version until the migrated snapshot replaces it.
 */
export async function backUpBeforeMigration(dataDir: string, from: number, log: Logger): Promise<string[]> {
  const copies: string[] = [];
  for (const name of ['store.json', 'store.journal']) {
    const src = path.join(dataDir, name);
    const dest = `${src}.v${from}`;
    try {
      await copyFile(src, dest, constants.COPYFILE_EXCL);
      const fh = await open(dest, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      copies.push(dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') copies.push(dest);
      else if (code !== 'ENOENT') throw err;
    }
  }
  await fsyncDir(dataDir);
  log.warn({ event: 'store.migrating', from, to: STORE_SCHEMA_VERSION, backups: copies }, `the store is of schema version ${from}: migrating it to version ${STORE_SCHEMA_VERSION}; the old files are kept as ${copies.join(', ')}`);
  return copies;
}
