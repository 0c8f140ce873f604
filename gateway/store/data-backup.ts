import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { GatewayError } from '../../core/errors.js';
import { fsyncDir } from './fsync-dir.js';
import { STORE_SCHEMA_VERSION } from './store-data.js';
import { liveGatewayPid } from './data-lock.js';

/**
 * Backup and restore of a data folder (issue 19), safe while the gateway runs. The copy follows
 * the order the gateway writes in, so it is one consistent state: the journal before the snapshot
 * (a snapshot that moved on meanwhile holds every line copied, and replay skips them), the store
 * before the archive (a ticket the archiver moves meanwhile is in the store or in both, never in
 * neither; archived twice reads once), the store before photos (a ticket's photo is written first).
 * A journal whose copy raced its folding into a snapshot (a gap in its numbering, a broken line
 * in the middle) is copied again. `manifest.json` lists every file with its size and SHA-256.
 */

interface ManifestEntry {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly kind: 'building-fault-gateway-backup';
  readonly storeSchemaVersion: number;
  readonly files: readonly ManifestEntry[];
}

export interface BackupSummary {
  readonly files: number;
  readonly bytes: number;
  readonly tickets: number;
}

/** Gateway files never worth copying: temporaries, the write probe, the liveness lock. */
const SKIP = /(^|\/)(\.write-probe-\d+|[^/]*\.tmp|gateway\.pid)$/;
const FIRST = ['store.journal', 'store.json'];
const ATTEMPTS = 5;

async function writeDurably(file: string, data: Buffer | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function listFiles(root: string, under = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, under), { withFileTypes: true })) {
    const rel = under === '' ? e.name : `${under}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(root, rel)));
    else if (e.isFile() && !SKIP.test(rel)) out.push(rel);
  }
  return out.sort();
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The snapshot's journalSeq and ticket count, and whether the journal copy continues it without a gap. */
function storePairOk(snapshot: Buffer | null, journal: Buffer | null): { ok: boolean; tickets: number } {
  let seq = 0;
  let tickets = 0;
  if (snapshot !== null) {
    const s = JSON.parse(snapshot.toString('utf8')) as { journalSeq?: number; tickets?: Record<string, unknown> };
    seq = s.journalSeq ?? 0;
    tickets = Object.keys(s.tickets ?? {}).length;
  }
  if (journal === null) return { ok: true, tickets };
  const lines = journal.toString('utf8').split('\n');
  // The last line may be torn (an append in flight): replay drops it, as after a crash.
  const whole = lines.slice(0, -1);
  for (const [i, line] of whole.entries()) {
    let rec: { seq?: unknown };
    try {
      rec = JSON.parse(line) as { seq?: unknown };
    } catch {
      return { ok: false, tickets };
    }
    if (i === 0 && typeof rec.seq === 'number' && rec.seq > seq + 1) return { ok: false, tickets };
  }
  return { ok: true, tickets };
}

async function readIfThere(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Copies a data folder (live or not) into `dest`, which must not exist yet. */
export async function backUpDataDir(dataDir: string, dest: string): Promise<BackupSummary> {
  if (!existsSync(path.join(dataDir, 'store.json')) && !existsSync(path.join(dataDir, 'store.journal'))) {
    throw new GatewayError('GW_BACKUP_FAILED', `${path.resolve(dataDir)} holds no gateway store (no store.json or store.journal): is it the data folder?`, { dataDir });
  }
  if (existsSync(dest)) throw new GatewayError('GW_BACKUP_FAILED', `${path.resolve(dest)} exists already: a backup goes into a new folder`, { dest });
  let pair: { journal: Buffer | null; snapshot: Buffer | null; tickets: number } | null = null;
  for (let i = 0; i < ATTEMPTS && pair === null; i++) {
    const journal = await readIfThere(path.join(dataDir, 'store.journal'));
    const snapshot = await readIfThere(path.join(dataDir, 'store.json'));
    const check = storePairOk(snapshot, journal);
    if (check.ok) pair = { journal, snapshot, tickets: check.tickets };
  }
  if (pair === null) throw new GatewayError('GW_BACKUP_FAILED', `the store in ${path.resolve(dataDir)} changed during each of ${ATTEMPTS} copies; try again`, { dataDir });
  const files: ManifestEntry[] = [];
  const put = async (rel: string, data: Buffer): Promise<void> => {
    await writeDurably(path.join(dest, rel), data);
    files.push({ path: rel, bytes: data.length, sha256: sha256(data) });
  };
  if (pair.journal !== null) await put('store.journal', pair.journal);
  if (pair.snapshot !== null) await put('store.json', pair.snapshot);
  for (const rel of await listFiles(dataDir)) {
    if (FIRST.includes(rel)) continue;
    const data = await readIfThere(path.join(dataDir, rel));
    if (data !== null) await put(rel, data);
  }
  const manifest: Manifest = { kind: 'building-fault-gateway-backup', storeSchemaVersion: STORE_SCHEMA_VERSION, files };
  await writeDurably(path.join(dest, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  await fsyncDir(dest);
  return { files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0), tickets: pair.tickets };
}

/** Checks a backup against its manifest; throws GW_BACKUP_INVALID naming the first problem. */
export async function verifyBackup(backup: string): Promise<Manifest> {
  const text = await readIfThere(path.join(backup, 'manifest.json'));
  if (text === null) throw new GatewayError('GW_BACKUP_INVALID', `${path.resolve(backup)} is not a gateway backup (no manifest.json)`, { backup });
  const manifest = JSON.parse(text.toString('utf8')) as Manifest;
  if (manifest.kind !== 'building-fault-gateway-backup' || !Array.isArray(manifest.files)) throw new GatewayError('GW_BACKUP_INVALID', `${path.resolve(backup)}/manifest.json is not a gateway backup manifest`, { backup });
  for (const f of manifest.files) {
    const data = await readIfThere(path.join(backup, f.path));
    if (data === null || data.length !== f.bytes || sha256(data) !== f.sha256) throw new GatewayError('GW_BACKUP_INVALID', `${f.path} in the backup ${path.resolve(backup)} is ${data === null ? 'missing' : 'not what was backed up (size or SHA-256 differs)'}`, { backup, file: f.path });
  }
  return manifest;
}

/**
 * Restores a backup into `dataDir`. Refuses while a gateway runs on that folder; a folder that is
 * there is kept beside it (`<dataDir>.before-restore-N`), never deleted. The copy is made in a
 * temporary folder and renamed into place, so a restore cut short leaves no half folder.
 */
export async function restoreDataDir(backup: string, dataDir: string): Promise<{ files: number; keptAs: string | null }> {
  const pid = await liveGatewayPid(dataDir);
  if (pid !== null) throw new GatewayError('GW_RESTORE_LIVE', `a gateway (pid ${pid}) is running on ${path.resolve(dataDir)}: stop it first (systemctl stop building-fault-gateway, or docker compose stop)`, { dataDir, pid });
  const manifest = await verifyBackup(backup);
  const staging = `${dataDir}.restoring`;
  if (existsSync(staging)) await rename(staging, await freeName(`${dataDir}.restoring-abandoned`));
  for (const f of manifest.files) await writeDurably(path.join(staging, f.path), await readFile(path.join(backup, f.path)));
  let keptAs: string | null = null;
  if (existsSync(dataDir) && (await stat(dataDir)).isDirectory() && (await readdir(dataDir)).length > 0) {
    keptAs = await freeName(`${dataDir}.before-restore`);
    await rename(dataDir, keptAs);
  }
  await rename(staging, dataDir);
  await fsyncDir(path.dirname(path.resolve(dataDir)));
  return { files: manifest.files.length, keptAs };
}

async function freeName(base: string): Promise<string> {
  for (let n = 1; ; n++) if (!existsSync(`${base}-${n}`)) return `${base}-${n}`;
}
