#!/usr/bin/env node
// `npm run sim` and `npm run demo` start in a second when the build is current: this builds
// (`npm run build`) only when a TypeScript source, a served page file or a tsconfig is newer than
// the last build it made (dist/.build-stamp; tsc leaves an output it would not change untouched,
// so no output file's time is the build's time).
// Plain JavaScript: it must run before there is a build. A deleted source is not noticed; `npm run build` then.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const STAMP = 'dist/.build-stamp';
const SOURCES = ['core', 'gateway', 'adapters', 'cloud-sync', 'simulators', 'bench'];

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts') || p.includes(path.join('web', 'static'))) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const source = Math.max(...SOURCES.filter((d) => existsSync(d)).map(newest), ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(f).mtimeMs));
if (!existsSync(STAMP) || statSync(STAMP).mtimeMs < source) {
  const started = new Date();
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  // Stamped with the time the build started: a source saved during the build is newer, and rebuilt next time.
  writeFileSync(STAMP, `${started.getTime()}\n`);
  utimesSync(STAMP, started, started);
}
