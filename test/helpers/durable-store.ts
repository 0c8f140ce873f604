import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { emptyStoreData, type StoreData } from '../../gateway/store/store-data.js';
import { applyRecord } from '../../gateway/store/store-delta.js';
import { checkedTicket, readJournalRecord, readSnapshot } from '../../gateway/store/store-schema.js';

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
  let data = emptyStoreData();
  let held = 0;
  if (snapshot !== null) {
    const read = readSnapshot(JSON.parse(snapshot));
    if (!read.ok) throw new Error(`not a store snapshot: ${read.problem}`);
    data = read.value.data;
    held = read.value.seq;
  }
  const journal = (await readOrNull(path.join(dataDir, 'store.journal'))) ?? '';
  const lines = journal.split('\n').slice(0, -1);
  for (const line of lines) {
    const record = readJournalRecord(JSON.parse(line));
    if (!record.ok) throw new Error(`not a journal line (${record.problem}): ${line.slice(0, 80)}`);
    if (record.value.seq > held) applyRecord(data, record.value, checkedTicket);
  }
  return data;
}

/** The device of every durable ticket, sorted. */
export async function durableDevices(dataDir: string): Promise<string[]> {
  const data = await readDurable(dataDir);
  return Object.values(data.tickets).map((t) => t.deviceId).sort();
}
