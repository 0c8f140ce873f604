#!/usr/bin/env node
/**
 * `npm run modbus-probe -- HOST:PORT [--unit 1] [--from 0] [--count 20] [--table holding|input]`:
 * reads a register range once and prints each value decoded as each type and word order, so an
 * operator sees which decoding gives the meter's real value before writing the site file.
 */
import { parseArgs } from 'node:util';
import { probeTable, readRegisters } from './register-probe.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { unit: { type: 'string', default: '1' }, from: { type: 'string', default: '0' }, count: { type: 'string', default: '20' }, table: { type: 'string', default: 'holding' }, timeout: { type: 'string', default: '2000' } },
  });
  const target = /^([^:\s]+):(\d+)$/.exec(positionals[0] ?? '');
  const [unitId, from, count, timeoutMs] = [values.unit, values.from, values.count, values.timeout].map(Number) as [number, number, number, number];
  const table = values.table === 'holding' ? 'holding-register' : values.table === 'input' ? 'input-register' : null;
  const problems = [
    target === null ? 'HOST:PORT, e.g. 192.168.10.30:502' : null,
    Number.isInteger(unitId) && unitId >= 0 && unitId <= 255 ? null : '--unit 0-255',
    Number.isInteger(from) && from >= 0 && from <= 65535 ? null : '--from a zero-based register address 0-65535',
    Number.isInteger(count) && count >= 1 && count <= 125 && from + count <= 65536 ? null : '--count 1-125 registers (one Modbus read)',
    table === null ? '--table holding or input' : null,
    timeoutMs > 0 ? null : '--timeout in ms',
  ].filter((p) => p !== null);
  if (problems.length > 0 || target === null || table === null) {
    process.stderr.write(`usage: npm run modbus-probe -- HOST:PORT [--unit 1] [--from 0] [--count 20] [--table holding|input] [--timeout 2000]\nexpected: ${problems.join('; ')}\n`);
    return 2;
  }
  const [, host = '', port = '502'] = target;
  try {
    const words = await readRegisters({ host, port: Number(port), unitId, table, from, count, timeoutMs });
    process.stdout.write(`${table === 'holding-register' ? 'holding' : 'input'} registers ${from}-${from + count - 1} of unit ${unitId} at ${host}:${port} (zero-based, as the site file's "address")\n`);
    process.stdout.write(`${probeTable(words, from).join('\n')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`cannot read ${host}:${port} unit ${unitId}: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
