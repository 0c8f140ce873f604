#!/usr/bin/env node
/** `npm run docs:errors`: rewrites the README's error table from core/errors.ts. */
import { readFile, writeFile } from 'node:fs/promises';
import { ERROR_CATALOGUE } from '../../core/errors.js';

const START = '<!-- error-catalogue:start -->';
const END = '<!-- error-catalogue:end -->';

export function errorTable(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, text]) => `| \`${code}\` | ${text} |`);
  return ['| code | meaning |', '|---|---|', ...rows].join('\n');
}

export function withErrorTable(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error('README has no error-catalogue markers');
  return `${readme.slice(0, a + START.length)}\n${errorTable()}\n${readme.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? 'README.md';
  await writeFile(file, withErrorTable(await readFile(file, 'utf8')));
}
