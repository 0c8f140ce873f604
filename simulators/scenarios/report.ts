import { formatTable } from './expectations.js';
import type { ScenarioProgress, ScenarioResult } from './run-parts.js';

/** One line of live progress: scenario time, what happened. */
export function progressLine(name: string, p: ScenarioProgress): string {
  const mark = p.kind === 'step' ? '>' : p.kind === 'ticket' ? '+' : p.kind === 'synced' ? '=' : ' ';
  return `[${name}] t=${p.at.toFixed(1).padStart(6)}s ${mark} ${p.text}`;
}

export function resultTable(results: readonly ScenarioResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    for (const row of r.verdict.rows) rows.push([r.name, row.expected, row.arrived, row.ok ? 'ok' : 'FAIL']);
    if (r.verdict.rows.length === 0) rows.push([r.name, '(no ticket)', '(none)', 'ok']);
    for (const p of r.syncProblems) rows.push([r.name, 'synced exactly once', p, 'FAIL']);
  }
  return formatTable(['scenario', 'expected', 'arrived', 'result'], rows);
}
