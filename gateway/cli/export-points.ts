#!/usr/bin/env node
/** `npm run export-points -- site.json points.xlsx|points.csv`: writes a site file's point table (点表). */
import { loadSiteFile, readJsonFile } from '../config/load-site.js';
import { pointTableOf } from '../config/point-table/export-points.js';
import { isObject } from '../config/point-table/json-tree.js';
import { writeTableFile } from '../config/point-table/table-file.js';
import { GatewayError, errorMessage } from '../../core/errors.js';

async function main(argv: readonly string[]): Promise<number> {
  const [siteFile, out] = argv;
  if (siteFile === undefined || out === undefined || siteFile === '--help') {
    process.stderr.write('usage: npm run export-points -- SITE.json POINTS.xlsx|POINTS.csv\n');
    return 2;
  }
  try {
    // Checked as the gateway loads it, then exported as written (defaults left blank, see pointTableOf).
    await loadSiteFile(siteFile);
    const raw = await readJsonFile(siteFile, 'site file');
    const sheet = pointTableOf(isObject(raw) ? raw : {});
    await writeTableFile(out, sheet);
    process.stdout.write(`${out}: ${sheet.length - 1} points of ${siteFile}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof GatewayError ? `${err.code}: ` : 'error: '}${errorMessage(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
