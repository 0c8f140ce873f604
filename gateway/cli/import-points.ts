#!/usr/bin/env node
/**
 * `npm run import-points -- points.xlsx|points.csv [--site site.json]`: merges a point table (点表)
 * into a site file. Exit 0 when every row was used; 1 when some rows were not (the others are
 * imported and the file written) or nothing could be written; 2 for a wrong command line.
 */
import { parseArgs } from 'node:util';
import { importPoints } from '../config/point-table/import-points.js';
import { errorMessage } from '../../core/errors.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { site: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const table = positionals[0];
  const siteFile = values.site ?? process.env['GATEWAY_CONFIG'];
  if (values.help === true || table === undefined || siteFile === undefined) {
    process.stderr.write('usage: npm run import-points -- POINTS.xlsx|POINTS.csv --site SITE.json   (template: config/points-template.xlsx)\n');
    return values.help === true ? 0 : 2;
  }
  try {
    const out = await importPoints(table, siteFile);
    const r = out.result;
    for (const p of r?.problems ?? []) process.stderr.write(`${table} row ${p.row}: ${p.message}\n`);
    for (const p of out.fatal) process.stderr.write(`${p}\n`);
    if (out.unchanged && r !== null) {
      process.stdout.write(`${siteFile}: ${r.used} of ${out.rowsRead} rows read; the site file already says all of it, nothing written${r.problems.length === 0 ? '' : ` (rows left out: ${[...new Set(r.problems.map((p) => p.row))].join(', ')})`}\n`);
      return r.problems.length === 0 ? 0 : 1;
    }
    if (!out.written) {
      process.stderr.write(`nothing written: ${siteFile} is unchanged\n`);
      return 1;
    }
    if (r === null) return 1;
    process.stdout.write(
      `${siteFile}: ${r.used} of ${out.rowsRead} rows imported; devices added ${r.addedDevices.length} (${r.addedDevices.join(', ') || '-'}), updated ${r.updatedDevices.length} (${r.updatedDevices.join(', ') || '-'}); points added ${r.addedPoints}; ${r.problems.length === 0 ? 'no row left out' : `rows left out: ${[...new Set(r.problems.map((p) => p.row))].join(', ')}`} (previous file kept as ${siteFile}.bak)\n`,
    );
    if (r.passwordEnv.length > 0) process.stdout.write(`the new devices read their secrets (passwords, tokens, communities, keys) from the environment: set ${r.passwordEnv.join(', ')} (or write them into the site file)\n`);
    return r.problems.length === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`cannot import ${table} into ${siteFile}: ${errorMessage(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
