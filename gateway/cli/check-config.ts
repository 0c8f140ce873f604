#!/usr/bin/env node
/**
 * `npm run check-config -- FILE`: validates a site file without starting anything.
 * Exit 0 and a one-line summary (and any warnings) when valid; exit 1 with every problem and its
 * path otherwise: structure, cross-references and JSON syntax (with line and column) in one pass.
 */
import { checkSiteFile } from '../config/site-check.js';
import { errorMessage } from '../../core/errors.js';

async function main(argv: readonly string[]): Promise<number> {
  const file = argv[0] ?? process.env['GATEWAY_CONFIG'];
  if (file === undefined || file === '--help' || file === '-h') {
    process.stderr.write('usage: npm run check-config -- SITE_FILE.json\n');
    return file === undefined ? 2 : 0;
  }
  try {
    const { problems, warnings, site, code } = await checkSiteFile(file);
    if (site === null) {
      process.stderr.write(`${code}: ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}\n`);
      return 1;
    }
    const byProtocol = new Map<string, number>();
    for (const d of site.devices) byProtocol.set(d.source.protocol, (byProtocol.get(d.source.protocol) ?? 0) + 1);
    const protocols = [...byProtocol].map(([p, n]) => `${n} ${p}`).join(', ');
    process.stdout.write(`ok: ${file}: site ${site.site.code} "${site.site.name}", ${site.devices.length} devices (${protocols}), broker ${site.broker.mode}, central service ${site.central ? 'configured' : 'not configured'}\n`);
    if (warnings.length > 0) process.stdout.write(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}:\n  ${warnings.join('\n  ')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${errorMessage(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
