#!/usr/bin/env node
/** `npm run export-points -- site.json points.xlsx|points.csv`: writes a site file's point table (点表). */
import { loadSiteFile } from '../config/load-site.js';
import { pointTableOf } from '../config/point-table/export-points.js';
import { writeTableFile } from '../config/point-table/table-file.js';
import { GatewayError, errorMessage } from '../errors.js';

async function main(argv: readonly string[]): Promise<number> {
  const [siteFile, out] = argv;
  if (siteFile === undefined || out === undefined || siteFile === '--help') {
    process.stderr.write('usage: npm run export-points -- SITE.json POINTS.xlsx|POINTS.csv\n');
    return 2;
  }
  try {
    const sheet = pointTableOf(await loadSiteFile(siteFile));
    await writeTableFile(out, sheet);
    process.stdout.write(`${out}: ${sheet.length - 1} points of ${siteFile}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof GatewayError ? `${err.code}: ` : 'error: '}${errorMessage(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
