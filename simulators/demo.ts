#!/usr/bin/env node
/**
 * `npm run demo [-- --scenario NAME] [--once] [--speed N]`: the gateway, the simulated devices it
 * needs and the reference central service on 127.0.0.1; plays scenarios and prints each ticket as
 * it is raised and as it reaches the central service (number, tier, location, deadlines).
 * With --once it exits 0 only when every expected ticket reached the central service exactly once.
 */
import { parseArgs } from 'node:util';
import { createRootLogger } from '../core/log.js';
import { when } from '../gateway/notify/alert-text.js';
import type { Ticket } from '../gateway/tickets/ticket.js';
import { resolveScenario } from './scenarios/load-scenario.js';
import { resultTable } from './scenarios/report.js';
import { runScenario, type ScenarioResult } from './scenarios/scenario-runner.js';
import { quietOpcuaSdk } from './sdk-quiet.js';

const DEFAULT_SCENARIOS = ['water-leak', 'burst-pipe', 'elevator-entrapment', 'power-cut'];
const TIER_ZH = { emergency: '紧急', general: '一般', low: '低' } as const;

/** A raised ticket for the console: deadlines in the site's local time, as staff would read them. */
function describe(t: Ticket, timeZone: string): string {
  const d = t.deadlines;
  const now = Date.parse(t.createdAt);
  const at = (iso: string | null): string => (iso === null ? '-' : when(Date.parse(iso), now, timeZone, 'en'));
  return [
    `${t.number}  ${TIER_ZH[t.tier]}/${t.tier}  ${t.title.zh} / ${t.title.en}`,
    `      where: ${t.location.building} ${t.location.floor} ${t.location.description}${t.location.descriptionEn ? ` (${t.location.descriptionEn})` : ''}`,
    `      by (${timeZone}): acknowledge ${at(d.acknowledgeBy)}, dispatch ${at(d.dispatchBy)}, on site ${at(d.onSiteBy)}, resolve ${at(d.resolveBy)}`,
  ].join('\n');
}

/** The staff pages of the gateway this scenario runs, with the demo logins (config/demo-users.json). */
function pageLinks(url: string): string {
  return [
    `  open while it runs (the gateway of this scenario):`,
    `      engineering  ${url}/engineering#token=demo-engineer`,
    `      patrol       ${url}/patrol#token=demo-patrol`,
    `      operator     ${url}/operator#token=demo-operator`,
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { scenario: { type: 'string' }, once: { type: 'boolean', default: false }, speed: { type: 'string' } } });
  const names = values.scenario === undefined ? DEFAULT_SCENARIOS : [values.scenario];
  const speed = values.speed === undefined ? undefined : Number(values.speed);
  const results: ScenarioResult[] = [];
  await quietOpcuaSdk(createRootLogger());
  for (const name of names) {
    const loaded = await resolveScenario(name);
    process.stdout.write(`\n=== ${loaded.scenario.name}: ${loaded.scenario.descriptionZh ?? ''} ${loaded.scenario.description}\n`);
    const r = await runScenario(loaded, {
      ...(speed === undefined ? {} : { speed }),
      onGatewayUrl: (url) => process.stdout.write(pageLinks(url)),
      onProgress: (p) => {
        if (p.kind === 'step') process.stdout.write(`  t=${p.at.toFixed(0)}s  scenario: ${p.text}\n`);
        if (p.kind === 'ticket' && p.ticket !== undefined) process.stdout.write(`  t=${p.at.toFixed(0)}s  RAISED  ${describe(p.ticket, p.timeZone ?? 'Asia/Shanghai')}\n`);
        if (p.kind === 'synced' && p.ticket !== undefined) process.stdout.write(`  t=${p.at.toFixed(0)}s  SYNCED  ${p.ticket.number} reached the central repair service\n`);
      },
    });
    results.push(r);
    if (!r.ok) {
      for (const m of r.verdict.missing) process.stdout.write(`  MISSING ${m.fault} @ ${m.device} (${m.tier})\n`);
      for (const u of r.verdict.unexpected) process.stdout.write(`  UNEXPECTED ${u.number} ${u.fault} @ ${u.deviceId}\n`);
      for (const p of r.syncProblems) process.stdout.write(`  SYNC ${p}\n`);
    }
  }
  process.stdout.write(`\n${resultTable(results)}\n`);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`\n${results.length - failed} passed, ${failed} failed\n`);
  return values.once && failed > 0 ? 1 : 0;
}

process.exitCode = await main();
