#!/usr/bin/env node
/**
 * `npm run replay -- FILE --site site.json [--speed N]`: runs a recording (`npm start -- --record
 * FILE`) through the site file's detection and alarms and prints the tickets that would have been
 * raised, when (the site's local time) and why (the wording and the evidence), then each of the
 * site's state-aware rules (the rule pack, docs/faults.md) with every time it would have fired, an
 * activation that only added to an open ticket included. Nothing is stored, alerted or sent: name a
 * pack rule's points or change a threshold in the site file and replay again.
 */
import { parseArgs } from 'node:util';
import { loadSiteFile } from '../config/load-site.js';
import { GatewayError, errorMessage } from '../../core/errors.js';
import { siteDateTime, preciseSpanWords } from '../../core/local-time.js';
import { replayRecording, type ReplayFired } from '../record/replay.js';
import { entryFault } from '../detect/state-rule-entry.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { Ticket } from '../tickets/ticket.js';

function evidence(t: Ticket, timeZone: string): string[] {
  return t.evidence.map((e) => {
    const last = e.samples.slice(-4).map((s) => `${String(s.value)}${e.unit === undefined ? '' : ` ${e.unit}`} at ${siteDateTime(s.ts, timeZone).slice(11)}`);
    return `      ${e.deviceId}.${e.pointId}: ${last.join(', ')}`;
  });
}

/**
 * The state-aware rules of the site (the rule pack and the site's own), each with the times it
 * would have fired, short and in the site's time zone (a date only when not the recording's first
 * day), or that it never did: what a site tunes the pack by before it turns a rule on for real.
 */
function stateRuleLines(site: SiteConfig, fired: readonly ReplayFired[], heard: readonly string[], startedAt: number): string[] {
  const tz = site.site.timeZone;
  const firstDay = siteDateTime(startedAt, tz).slice(0, 10);
  const short = (ts: number): string => {
    const at = siteDateTime(ts, tz);
    return at.startsWith(firstDay) ? at.slice(11) : at.slice(5);
  };
  const rules = site.devices.flatMap((d) => d.stateRules.map((r) => ({ deviceId: d.id, fault: entryFault(r) })));
  if (rules.length === 0) return [];
  const lines = rules.map(({ deviceId, fault }) => {
    const times = fired.filter((f) => f.deviceId === deviceId && f.fault === fault).map((f) => short(f.ts));
    if (!heard.includes(deviceId)) return `  ${fault} @ ${deviceId}: not judged (the recording has no readings of ${deviceId})`;
    return times.length === 0 ? `  ${fault} @ ${deviceId}: never fired` : `  ${fault} @ ${deviceId}: fired ${times.length} time${times.length === 1 ? '' : 's'}, at ${times.join(', ')}`;
  });
  return [`state-aware rules (${tz} time):`, ...lines];
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { site: { type: 'string' }, speed: { type: 'string' } } });
  const file = positionals[0];
  const siteFile = values.site ?? process.env['GATEWAY_CONFIG'];
  const speed = values.speed === undefined ? undefined : Number(values.speed);
  if (file === undefined || siteFile === undefined || (speed !== undefined && !(speed > 0))) {
    process.stderr.write('usage: npm run replay -- RECORDING --site SITE.json [--speed N]   (record with: npm start -- SITE.json --record RECORDING)\n');
    return 2;
  }
  try {
    const site = await loadSiteFile(siteFile);
    const tz = site.site.timeZone;
    const r = await replayRecording(file, site, speed === undefined ? {} : { speed });
    process.stdout.write(`replay of ${file} (recorded from ${siteDateTime(r.header.startedAt, tz)}, ${r.readings} readings${r.skipped === 0 ? '' : `, ${r.skipped} of points not in ${siteFile} skipped`}) through ${siteFile}; nothing stored, alerted or sent\n`);
    for (const t of r.tickets) {
      const at = Date.parse(t.createdAt);
      process.stdout.write(`${siteDateTime(at, tz)} (${preciseSpanWords(at - r.header.startedAt)} in)  would raise ${t.tier} ${t.fault} @ ${t.deviceId} (${t.location.building} ${t.location.floor} ${t.location.description})\n`);
      process.stdout.write(`      ${t.title.zh} / ${t.title.en}\n      why: ${t.description.en}\n${evidence(t, tz).join('\n')}\n`);
    }
    for (const line of stateRuleLines(site, r.fired, r.heard, r.header.startedAt)) process.stdout.write(`${line}\n`);
    process.stdout.write(`${r.tickets.length} ticket${r.tickets.length === 1 ? '' : 's'} would have been raised\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof GatewayError ? `${err.code}: ` : 'cannot replay: '}${errorMessage(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
