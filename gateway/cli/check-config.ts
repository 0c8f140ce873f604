#!/usr/bin/env node
/**
 * `npm run check-config -- FILE`: validates a site file without starting anything.
 * Exit 0 and a one-line summary when valid; exit 1 with every problem and its path otherwise.
 */
import { loadSiteFile } from '../config/load-site.js';
import { GatewayError, errorMessage } from '../errors.js';

async function main(argv: readonly string[]): Promise<number> {
  const file = argv[0] ?? process.env['GATEWAY_CONFIG'];
  if (file === undefined || file === '--help' || file === '-h') {
    process.stderr.write('usage: npm run check-config -- SITE_FILE.json\n');
    return file === undefined ? 2 : 0;
  }
  try {
    const site = await loadSiteFile(file);
    const byProtocol = new Map<string, number>();
    for (const d of site.devices) byProtocol.set(d.source.protocol, (byProtocol.get(d.source.protocol) ?? 0) + 1);
    const protocols = [...byProtocol].map(([p, n]) => `${n} ${p}`).join(', ');
    process.stdout.write(`ok: ${file}: site ${site.site.code} "${site.site.name}", ${site.devices.length} devices (${protocols}), broker ${site.broker.mode}, central service ${site.central ? 'configured' : 'not configured'}\n`);
    return 0;
  } catch (err) {
    if (err instanceof GatewayError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${errorMessage(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
