import { randomBytes } from 'node:crypto';
import { parseSite, readJsonFile, withUsersFile } from '../../gateway/config/load-site.js';
import { rowsOfSheet } from '../../gateway/config/point-table/columns.js';
import { mergePointTable } from '../../gateway/config/point-table/merge-points.js';
import { isObject } from '../../gateway/config/point-table/row-patch.js';
import { readTableFile } from '../../gateway/config/point-table/table-file.js';
import type { SiteConfig } from '../../gateway/config/site-schema.js';

/**
 * A scenario's site made as an operator makes one: the site file with a point table imported into
 * it (`npm run import-points`), in memory. Every row must be used. A new MQTT device's password
 * (and a new SNMP device's community) names an environment variable (a spreadsheet carries no
 * secret); the scenario gives each such device one of its own for the run, as an operator sets the variable.
 */
export async function siteWithPointTable(siteFile: string, tableFile: string): Promise<SiteConfig> {
  const raw = await readJsonFile(siteFile, 'site file');
  if (!isObject(raw)) throw new Error(`${siteFile}: expected a JSON object`);
  const table = rowsOfSheet(await readTableFile(tableFile));
  if (table.problems.length > 0) throw new Error(`${tableFile}: ${table.problems.join('; ')}`);
  const merged = mergePointTable(raw, table.rows);
  if (merged.problems.length > 0) throw new Error(`${tableFile}: rows not imported: ${merged.problems.map((p) => `row ${p.row}: ${p.message}`).join('; ')}`);
  const devices = (merged.site['devices'] as unknown[]).map((d) => {
    if (!isObject(d) || !isObject(d['source'])) return d;
    // An MQTT device's password, an SNMP device's community.
    const key = 'password' in d['source'] ? 'password' : 'community';
    const pw = d['source'][key];
    if (!isObject(pw) || typeof pw['env'] !== 'string' || (process.env[pw['env']] ?? '') !== '') return d;
    return { ...d, source: { ...d['source'], [key]: { value: randomBytes(12).toString('hex') } } };
  });
  return parseSite(await withUsersFile({ ...merged.site, devices }, siteFile), `${siteFile} with ${tableFile}`);
}
