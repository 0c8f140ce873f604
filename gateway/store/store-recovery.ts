import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { GatewayError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { DurableJsonFile } from './durable-json-file.js';
import { emptyStoreData, STORE_SCHEMA_VERSION, type StoreData } from './store-data.js';
import { applyRecord } from './store-delta.js';
import type { StoreJournal } from './store-journal.js';
import { checkedTicket, readJournalRecord, readSnapshot } from './store-schema.js';
import { backUpBeforeMigration, declaredVersion, refuseNewer } from './store-version.js';

/**
 * Reading back what is on disk at start (DESIGN "The local store"): the snapshot or, when it does
 * not read, the previous generation; then the journal lines the snapshot does not hold. Nothing
 * read is trusted (store-schema.ts); whatever cannot be used is moved aside byte for byte and
 * logged with GW_STORE_CORRUPT, never overwritten.
 */

/** The snapshot file: the store's data and the journal line it holds everything up to. */
export type Snapshot = StoreData & { journalSeq?: number };

interface RecoveryDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

export interface SnapshotRead {
  readonly data: StoreData;
  /** The last journal line the snapshot holds. */
  readonly seq: number;
  readonly bytes: number;
  /** The snapshot did not read (bytes or shape) and was moved aside. */
  readonly setAside: boolean;
  /** What was set aside, in words. */
  readonly problems: readonly string[];
  /** Neither the snapshot nor its backup could be used, though one existed: the store starts empty. */
  readonly lostBoth: boolean;
  /** The older schema version the snapshot was migrated from (its files copied aside first), or null. */
  readonly migratedFrom: number | null;
}

/**
 * A snapshot's text, parsed and checked against the store schema; a message when it cannot be used.
 * One written by a newer gateway is refused (GW_STORE_TOO_NEW) before it is read; `version` is the
 * one it declares, so an older one is migrated (store-version.ts).
 */
function parseSnapshot(file: string, text: string): { ok: true; data: StoreData; seq: number; version: number | null } | { ok: false; problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON: ${errorMessage(err)}` };
  }
  const version = declaredVersion(raw);
  refuseNewer(file, version);
  const r = readSnapshot(raw);
  return r.ok ? { ok: true, data: r.value.data, seq: r.value.seq, version } : { ok: false, problem: `not a store: ${r.problem}` };
}

/**
 * The snapshot, or the previous generation when it does not read. Whatever is unusable is moved
 * aside byte for byte (never overwritten), and the backup is kept until a good generation
 * replaces it (DurableJsonFile keeps it when there is no live file to take its place).
 */
export async function recover(file: DurableJsonFile<Snapshot>, opts: RecoveryDeps): Promise<SnapshotRead> {
  const text = await file.readText();
  if (text === null) return { data: emptyStoreData(), seq: 0, bytes: 0, setAside: false, problems: [], lostBoth: false, migratedFrom: null };
  const live = parseSnapshot(file.file, text);
  if (live.ok) {
    const migratedFrom = live.version !== null && live.version < STORE_SCHEMA_VERSION ? live.version : null;
    if (migratedFrom !== null) await backUpBeforeMigration(path.dirname(file.file), migratedFrom, opts.log);
    return { data: live.data, seq: live.seq, bytes: text.length, setAside: false, problems: [], lostBoth: false, migratedFrom };
  }

  const aside = `${file.file}.corrupt-${opts.clock.now()}`;
  await rename(file.file, aside);
  const problems = [`${file.file}: ${live.problem} (kept as ${aside})`];
  let recovered: { data: StoreData; seq: number } | null = null;
  const bakText = await file.readBackupText();
  if (bakText !== null) {
    const bak = parseSnapshot(file.backupFile, bakText);
    if (bak.ok) recovered = bak;
    else {
      const bakAside = `${file.backupFile}.corrupt-${opts.clock.now()}`;
      await rename(file.backupFile, bakAside);
      problems.push(`${file.backupFile}: ${bak.problem} (kept as ${bakAside})`);
      opts.log.error({ event: 'store.backup_corrupt', code: 'GW_STORE_CORRUPT', file: file.backupFile, aside: bakAside, err: bak.problem }, `store backup ${file.backupFile} could not be used either (${bak.problem}); kept as ${bakAside}`);
    }
  }
  const e = new GatewayError('GW_STORE_CORRUPT', `store file ${file.file} could not be used (${live.problem}); kept as ${aside}`, { file: file.file, aside });
  opts.log.error(
    { event: 'store.corrupt', code: e.code, file: file.file, aside, recoveredFromBackup: recovered !== null, tickets: recovered ? Object.keys(recovered.data.tickets).length : 0, err: live.problem },
    recovered === null ? `${e.message}; no usable backup: starting empty` : `${e.message}; started from the previous generation (${file.backupFile})`,
  );
  return { data: recovered?.data ?? emptyStoreData(), seq: recovered?.seq ?? 0, bytes: 0, setAside: true, problems, lostBoth: recovered === null, migratedFrom: null };
}

/**
 * Replays the journal lines the snapshot does not hold yet. A torn last line (a crash during its
 * append, never acknowledged) is dropped; a line that does not read, or holds something of the
 * wrong shape, sets the journal aside, and the store is then snapshotted at once so what was
 * replayed is durable again.
 */
export async function replay(journal: StoreJournal, data: StoreData, snapshotSeq: number, opts: RecoveryDeps): Promise<{ seq: number; problem: string | null }> {
  const read = await journal.read(opts.clock.now(), readJournalRecord);
  let seq = snapshotSeq;
  let replayed = 0;
  let corrupt = read.corrupt;
  for (const [i, record] of read.records.entries()) {
    if (record.seq <= snapshotSeq) continue;
    try {
      applyRecord(data, record, checkedTicket);
    } catch (err) {
      // A line that reads but does not apply (a change to a ticket that is not there): the same
      // damage as one that does not read. What came before it stands; the journal is kept aside.
      corrupt = { aside: await journal.setAside(opts.clock.now()), line: i + 1, error: errorMessage(err) };
      break;
    }
    seq = Math.max(seq, record.seq);
    replayed += 1;
  }
  if (replayed > 0 || read.tornBytes > 0) opts.log.info({ event: 'store.journal_replayed', lines: replayed, tornBytes: read.tornBytes }, `replayed ${replayed} journal lines`);
  if (corrupt === null) return { seq, problem: null };
  const e = new GatewayError('GW_STORE_CORRUPT', `store journal ${journal.file} line ${corrupt.line} could not be used; kept as ${corrupt.aside}`, { file: journal.file, aside: corrupt.aside });
  opts.log.error({ event: 'store.journal_corrupt', code: e.code, file: journal.file, aside: corrupt.aside, line: corrupt.line, replayed, err: corrupt.error }, `${e.message}: ${corrupt.error}`);
  return { seq, problem: `${journal.file} line ${corrupt.line}: ${corrupt.error} (kept as ${corrupt.aside})` };
}

/**
 * Start-up stops with a coded error naming the folder when the data folder cannot be written:
 * a gateway that cannot persist would raise tickets it can never make durable, so it must not
 * pretend to run (a raw EPERM stack trace told the operator nothing).
 */
export async function probeWritable(dataDir: string): Promise<void> {
  const probe = path.join(dataDir, `.write-probe-${process.pid}`);
  try {
    await mkdir(dataDir, { recursive: true });
    const fh = await open(probe, 'w', 0o600);
    try {
      await fh.writeFile('probe');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await unlink(probe);
  } catch (err) {
    await unlink(probe).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new GatewayError('GW_DATA_DIR_UNWRITABLE', `the data folder ${path.resolve(dataDir)} cannot be written (${code}): give the gateway's user write access to it, or set dataDir / GATEWAY_DATA_DIR to a folder it can write`, { dataDir: path.resolve(dataDir), errno: code }, { cause: err });
  }
}
