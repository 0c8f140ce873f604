import { parseArgs } from 'node:util';
import type { ModbusTarget } from './modbus-client.js';
import type { ProbeOptions } from './register-probe.js';

export const PROBE_USAGE = [
  'usage: npm run modbus-probe -- HOST:PORT [--unit 1] [--from 0] [--count 20] [--table holding|input] [--timeout 2000]',
  '       npm run modbus-probe -- --rtu /dev/ttyUSB0 [--baud 9600] [--parity none|even|odd] [--data-bits 8] [--stop-bits 1] [--unit 1] [--from 0] [--count 20] [--table holding|input] [--timeout 2000]',
].join('\n');

const PARITIES = ['none', 'even', 'odd'] as const;

/**
 * The probe's command line: a Modbus TCP address, or a serial line (`--rtu PATH`, 9600 8N1 unless
 * told), and what to read. Every mistake is named at once, as check-config does.
 */
export function parseProbeArgs(argv: string[]): { readonly options: ProbeOptions } | { readonly problems: readonly string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rtu: { type: 'string' },
      baud: { type: 'string', default: '9600' },
      parity: { type: 'string', default: 'none' },
      'data-bits': { type: 'string', default: '8' },
      'stop-bits': { type: 'string', default: '1' },
      unit: { type: 'string', default: '1' },
      from: { type: 'string', default: '0' },
      count: { type: 'string', default: '20' },
      table: { type: 'string', default: 'holding' },
      timeout: { type: 'string', default: '2000' },
    },
  });
  const tcp = /^([^:\s]+):(\d+)$/.exec(positionals[0] ?? '');
  const rtu = values.rtu;
  const [unitId, from, count, timeoutMs, baudRate, dataBits, stopBits] = [values.unit, values.from, values.count, values.timeout, values.baud, values['data-bits'], values['stop-bits']].map(Number) as [number, number, number, number, number, number, number];
  const parity = PARITIES.find((p) => p === values.parity);
  const table = values.table === 'holding' ? 'holding-register' : values.table === 'input' ? 'input-register' : null;
  const serial = rtu !== undefined;
  const problems = [
    serial === (positionals.length > 0) ? 'either HOST:PORT (Modbus TCP, e.g. 192.168.10.30:502) or --rtu /dev/ttyUSB0 (a serial line)' : null,
    !serial && tcp === null ? 'HOST:PORT, e.g. 192.168.10.30:502' : null,
    // Unit 0 on a serial line is a broadcast: every slave acts on it and none answers (MODBUS over serial line v1.02, 2.2).
    serial ? (Number.isInteger(unitId) && unitId >= 1 && unitId <= 247 ? null : '--unit 1-247 on a serial line') : Number.isInteger(unitId) && unitId >= 0 && unitId <= 255 ? null : '--unit 0-255',
    Number.isInteger(from) && from >= 0 && from <= 65535 ? null : '--from a zero-based register address 0-65535',
    Number.isInteger(count) && count >= 1 && count <= 125 && from + count <= 65536 ? null : '--count 1-125 registers (one Modbus read)',
    table === null ? '--table holding or input' : null,
    timeoutMs > 0 ? null : '--timeout in ms',
    serial && !(Number.isInteger(baudRate) && baudRate > 0) ? '--baud a baud rate such as 9600 or 19200' : null,
    serial && parity === undefined ? '--parity none, even or odd' : null,
    serial && dataBits !== 7 && dataBits !== 8 ? '--data-bits 7 or 8' : null,
    serial && stopBits !== 1 && stopBits !== 2 ? '--stop-bits 1 or 2' : null,
  ].filter((p) => p !== null);
  if (problems.length > 0 || table === null) return { problems };
  const target: ModbusTarget = serial
    ? { kind: 'rtu', path: rtu, baudRate, parity: parity ?? 'none', dataBits: dataBits === 7 ? 7 : 8, stopBits: stopBits === 2 ? 2 : 1 }
    : { kind: 'tcp', host: tcp?.[1] ?? '', port: Number(tcp?.[2]) };
  return { options: { target, unitId, table, from, count, timeoutMs } };
}
