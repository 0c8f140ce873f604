#!/usr/bin/env node
/**
 * `npm run modbus-probe -- HOST:PORT [--unit 1] [--from 0] [--count 20] [--table holding|input]`,
 * or `--rtu /dev/ttyUSB0 --baud 9600 [--parity none|even|odd]` for a serial line: reads a register
 * range once and prints each value decoded as each type and word order, so an operator sees which
 * decoding gives the meter's real value before writing the site file. A serial line a gateway is
 * polling is refused, naming the gateway and how to stop it.
 */
import { targetAddress } from './modbus-client.js';
import { parseProbeArgs, PROBE_USAGE } from './probe-args.js';
import { probeTable, readRegisters } from './register-probe.js';

async function main(argv: string[]): Promise<number> {
  const parsed = parseProbeArgs(argv);
  if ('problems' in parsed) {
    process.stderr.write(`${PROBE_USAGE}\nexpected: ${parsed.problems.join('; ')}\n`);
    return 2;
  }
  const o = parsed.options;
  const t = o.target;
  const where = t.kind === 'tcp' ? targetAddress(t) : `${t.path} (${t.baudRate} ${t.dataBits}${t.parity[0]?.toUpperCase() ?? 'N'}${t.stopBits})`;
  try {
    const words = await readRegisters(o);
    process.stdout.write(`${o.table === 'holding-register' ? 'holding' : 'input'} registers ${o.from}-${o.from + o.count - 1} of unit ${o.unitId} at ${where} (zero-based, as the site file's "address")\n`);
    process.stdout.write(`${probeTable(words, o.from).join('\n')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`cannot read ${where} unit ${o.unitId}: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
