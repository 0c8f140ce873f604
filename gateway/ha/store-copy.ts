import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { Clock } from '../../core/clock.js';
import { replaceFileDurably } from '../store/fsync-dir.js';
import { withinCall } from './leadership.js';
import type { PairKeys } from './pair-keys.js';

/** The store's files in a data folder (the snapshot, its last generation, the journal). */
export const STORE_FILES = ['store.json', 'store.json.bak', 'store.journal'] as const;

/** The active's store as on its disk: only changes committed through etcd are ever there. */
export interface StoreCopy {
  /** store.json: the snapshot, with the last change it holds (`journalSeq`); null before the first one (the journal holds every change). */
  readonly snapshot: string | null;
  /** store.journal: the changes after it, whole lines only. */
  readonly journal: string;
}

/**
 * The secret the two gateways of a pair show each other (the store copy asks for it): made once
 * by whichever member comes first, kept in etcd, whose members only the pair and its witness reach.
 */
export async function pairSecret(client: Etcd3, keys: PairKeys, clock: Clock): Promise<string> {
  await withinCall(clock, 'make the pair secret', client.if(keys.peerSecret, 'Create', '==', 0).then(client.put(keys.peerSecret).value(randomBytes(32).toString('hex'))).commit(), 5_000);
  const secret = await withinCall(clock, 'read the pair secret', client.get(keys.peerSecret).string(), 5_000);
  if (secret === null || secret.length < 32) throw new Error('etcd holds no pair secret');
  return secret;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Reads the active's store files as one state: the snapshot, then the journal. A snapshot written
 * between the two reads empties the journal and starts it after a later change; the journal then
 * does not follow the snapshot read, and both are read again. A line being appended is left out.
 */
export async function readStoreCopy(dataDir: string): Promise<StoreCopy> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const snapshot = await readFile(path.join(dataDir, 'store.json'), 'utf8').catch(absent(null));
    const text = (await readFile(path.join(dataDir, 'store.journal'), 'utf8').catch(absent(null))) ?? '';
    const journal = text.slice(0, text.lastIndexOf('\n') + 1);
    const held = snapshot === null ? 0 : Number((JSON.parse(snapshot) as { journalSeq?: unknown }).journalSeq ?? 0);
    const first = journal === '' ? null : Number((JSON.parse(journal.slice(0, journal.indexOf('\n'))) as { seq?: unknown }).seq);
    if (first === null || first <= held + 1) return { snapshot, journal };
  }
  throw new Error('the store kept changing while it was read; ask again');
}

function absent<T>(value: T): (err: NodeJS.ErrnoException) => Promise<T> {
  return (err) => (err.code === 'ENOENT' ? Promise.resolve(value) : Promise.reject(err));
}

/** Asks the active for its store (GET /api/pair/store), within `ms`. */
export async function fetchStoreCopy(activeUrl: string, secret: string, ms: number): Promise<StoreCopy> {
  const res = await fetch(`${activeUrl.replace(/\/+$/, '')}/api/pair/store`, { headers: { 'x-pair-secret': secret }, signal: AbortSignal.timeout(ms) });
  if (res.status !== 200) throw new Error(`the active answered ${res.status} for its store`);
  const body = (await res.json()) as Partial<StoreCopy>;
  if ((typeof body.snapshot !== 'string' && body.snapshot !== null) || typeof body.journal !== 'string') throw new Error('the active sent no store');
  return { snapshot: body.snapshot, journal: body.journal };
}

/**
 * With the store closed: its files set aside in `pair-behind-{n}/` (never deleted: what this
 * gateway held before), the active's copy written and synced in their place.
 */
export async function installStoreCopy(dataDir: string, copy: StoreCopy): Promise<string> {
  const kept = path.join(dataDir, `pair-behind-${Date.now()}`);
  await mkdir(kept, { recursive: true });
  for (const f of STORE_FILES) await rename(path.join(dataDir, f), path.join(kept, f)).catch(absent(undefined));
  if (copy.snapshot !== null) await replaceFileDurably(path.join(dataDir, 'store.json'), copy.snapshot);
  await replaceFileDurably(path.join(dataDir, 'store.journal'), copy.journal);
  return kept;
}
