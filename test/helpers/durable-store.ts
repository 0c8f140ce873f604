import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { normalizeStoreData, type StoreData } from '../../gateway/store/store-data.js';
import { applyRecord, isJournalRecord } from '../../gateway/store/store-delta.js';

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * What is durable in a data folder right now, read the way the store reads it at start: the
 * snapshot (`store.json`) and the journal lines it does not hold yet (a partial last line is an
 * append still in progress). Read-only, so it can look at the folder of a running gateway.
 */
export async function readDurable(dataDir: string): Promise<StoreData> {
  const snapshot = await readOrNull(path.join(dataDir, 'store.json'));
  const raw = snapshot === null ? null : (JSON.parse(snapshot) as StoreData & { journalSeq?: number });
  const data = normalizeStoreData(raw);
  const held = raw?.journalSeq ?? 0;
  const journal = (await readOrNull(path.join(dataDir, 'store.journal'))) ?? '';
  const lines = journal.split('\n').slice(0, -1);
  for (const line of lines) {
    const record: unknown = JSON.parse(line);
    if (!isJournalRecord(record)) throw new Error(`not a journal line: ${line.slice(0, 80)}`);
    if (record.seq > held) applyRecord(data, record);
  }
  return data;
}

/** The device of every durable ticket, sorted. */
export async function durableDevices(dataDir: string): Promise<string[]> {
  const data = await readDurable(dataDir);
  return Object.values(data.tickets).map((t) => t.deviceId).sort();
}
