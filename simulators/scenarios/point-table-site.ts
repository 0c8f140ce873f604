import { randomBytes } from 'node:crypto';
import { parseSite, readJsonFile, withUsersFile } from '../../gateway/config/load-site.js';
import { isObject } from '../../gateway/config/point-table/json-tree.js';
import { mergePointTable } from '../../gateway/config/point-table/merge-points.js';
import { readTableFile } from '../../gateway/config/point-table/table-file.js';
import { rowsOfSheet } from '../../gateway/config/point-table/table-rows.js';
import type { SiteConfig } from '../../gateway/config/site-schema.js';

/**
 * A scenario's site made as an operator makes one: the site file with a point table imported into
 * it (`npm run import-points`), in memory. Every row must be used. A new device's secrets (an MQTT
 * password, an SNMP community or v3 keys, a push token) name environment variables (a
 * spreadsheet carries no secret); the scenario gives each unset one a value of its own for the
 * run, as an operator sets the variable. The simulators read the same values from the site.
 */
export async function siteWithPointTable(siteFile: string, tableFile: string): Promise<SiteConfig> {
  const raw = await readJsonFile(siteFile, 'site file');
  if (!isObject(raw)) throw new Error(`${siteFile}: expected a JSON object`);
  const table = rowsOfSheet(await readTableFile(tableFile));
  if (table.problems.length > 0) throw new Error(`${tableFile}: ${table.problems.join('; ')}`);
  const merged = mergePointTable(raw, table.rows);
  if (merged.problems.length > 0) throw new Error(`${tableFile}: rows not imported: ${merged.problems.map((p) => `row ${p.row}: ${p.message}`).join('; ')}`);
  const unset = new Set(merged.passwordEnv.filter((name) => (process.env[name] ?? '') === ''));
  const devices = (merged.site['devices'] as unknown[]).map((d) => (isObject(d) ? withValues(d, unset) : d));
  return parseSite(await withUsersFile({ ...merged.site, devices }, siteFile), `${siteFile} with ${tableFile}`);
}

/** A copy of `value` with every `{ env: NAME }` of `names` given a random `{ value }` instead. */
function withValues(value: Record<string, unknown>, names: ReadonlySet<string>): Record<string, unknown> {
  if (typeof value['env'] === 'string' && names.has(value['env']) && Object.keys(value).length === 1) return { value: randomBytes(12).toString('hex') };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isObject(v) ? withValues(v, names) : v]));
}
