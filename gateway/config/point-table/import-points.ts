import { copyFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { formatIssues, readJsonFile, withUsersFile } from '../load-site.js';
import { SiteFile } from '../site-schema.js';
import { isObject } from './json-tree.js';
import { mergePointTable, type ImportResult } from './merge-points.js';
import { readTableFile } from './table-file.js';
import { rowsOfSheet } from './table-rows.js';

export interface ImportOutcome {
  readonly result: ImportResult | null;
  /** Problems of the whole table (its header) or of the merged site; nothing was written. */
  readonly fatal: readonly string[];
  readonly rowsRead: number;
  readonly written: boolean;
  /** The table says what the site file already says: the file is left as it is, byte for byte. */
  readonly unchanged: boolean;
}

/**
 * Imports a point table into a site file: reads both, merges, validates the merged site as the
 * gateway would load it, and only then writes it (the old file kept as `.bak`, the new one
 * written to a temporary file and renamed over it). Bad rows are left out and reported. A table
 * that changes nothing writes nothing: the file keeps its own layout and the `.bak` its backup.
 */
export async function importPoints(tableFile: string, siteFile: string): Promise<ImportOutcome> {
  const raw = await readJsonFile(siteFile, 'site file');
  if (!isObject(raw)) return { result: null, fatal: [`${siteFile}: expected a JSON object`], rowsRead: 0, written: false, unchanged: false };
  const table = rowsOfSheet(await readTableFile(tableFile));
  if (table.problems.length > 0) return { result: null, fatal: table.problems.map((p) => `${tableFile}: ${p}`), rowsRead: 0, written: false, unchanged: false };
  const result = mergePointTable(raw, table.rows);
  const check = SiteFile.safeParse(await withUsersFile(result.site, siteFile));
  if (!check.success) {
    return { result, fatal: formatIssues(check.error.issues).map((p) => `${siteFile} after the import: ${p}`), rowsRead: table.rows.length, written: false, unchanged: false };
  }
  if (isDeepStrictEqual(result.site, raw)) return { result, fatal: [], rowsRead: table.rows.length, written: false, unchanged: true };
  if (existsSync(siteFile)) await copyFile(siteFile, `${siteFile}.bak`);
  const tmp = `${siteFile}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(result.site, null, 2)}\n`);
  await rename(tmp, siteFile);
  return { result, fatal: [], rowsRead: table.rows.length, written: true, unchanged: false };
}
