#!/usr/bin/env node
/**
 * `npm run bench`: every measure of issue 8 on the real gateway code, over 127.0.0.1, printed as a
 * table; `--json` adds one JSON object as the last line; `--only ingest,store` runs a subset;
 * `--quick` runs tiny sizes (the smoke test: proves the code paths, measures nothing).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS, missingGatewayEnv } from '../gateway/runtime-flags.js';
import { MEASURES, type MeasureName, type Sizes } from './measures.js';
import { printTable } from './table.js';

// Several measures run the gateway in this process: it must run with the flags the gateway runs
// and environment it runs with in production, or the figures describe a configuration no site uses.
if (!GATEWAY_NODE_FLAGS.every((f) => process.execArgv.includes(f)) || missingGatewayEnv(process.env).length > 0) {
  const child = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ...GATEWAY_ENV } });
  process.exit(child.status ?? 1);
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});

const names = Object.keys(MEASURES) as MeasureName[];
const only = values.only === undefined ? names : (values.only.split(',').map((s) => s.trim()) as MeasureName[]);
for (const n of only) if (!names.includes(n)) throw new Error(`unknown measure "${n}"; known: ${names.join(', ')}`);

const sizes: Sizes = values.quick === true ? 'quick' : 'full';
const results: Partial<Record<MeasureName, Record<string, unknown>>> = {};
const started = performance.now();
// The gateway's own timers are unref'd (its sockets keep a gateway alive); a measure that waits on
// the store alone needs something that holds the process open.
const keepAlive = setInterval(() => undefined, 1000);
for (const name of only) {
  const t0 = performance.now();
  process.stderr.write(`bench: ${name}...\n`);
  results[name] = { ...(await MEASURES[name](sizes)) };
  process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
clearInterval(keepAlive);
printTable(results);
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (values.json === true) console.log(JSON.stringify(results));
