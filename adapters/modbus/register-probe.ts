import { systemClock } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import { openModbusClient, type ClientResult, type ModbusClient, type ModbusTarget } from './modbus-client.js';
import { decodeRaw } from './register-map.js';
import { heldPortMessage, isLockRefusal, serialHolder } from './serial-holder.js';

export interface ProbeOptions {
  /** A Modbus TCP server (or TCP-to-RTU gateway), or a serial line the probe opens itself. */
  readonly target: ModbusTarget;
  readonly unitId: number;
  readonly table: 'holding-register' | 'input-register';
  readonly from: number;
  readonly count: number;
  readonly timeoutMs: number;
}

/** What an operator does about each exception (Modbus Application Protocol v1.1b3, section 7). */
const EXCEPTION_HINTS: Readonly<Record<number, string>> = {
  1: 'illegal function: the device has no such table; try the other --table',
  2: "illegal data address: part of the range is outside the device's register map; try a smaller --count or another --from",
  3: 'illegal data value: the device refuses this count; try a smaller --count',
  4: 'server device failure: the device failed while reading',
  10: 'gateway path unavailable: the gateway has no route to this unit',
  11: 'gateway target device failed to respond: no device answers at this --unit behind the gateway (or it is unpowered)',
};

/**
 * Opens the link. A serial line is opened with its lock, as the gateway opens it: while a gateway
 * polls the line the open fails, and the probe says who holds it rather than talk over its polls
 * (two masters on one RS-485 bus garble each other's frames).
 */
async function open(o: ProbeOptions): Promise<ModbusClient> {
  try {
    return await openModbusClient(o.target, systemClock, o.timeoutMs, new AbortController().signal);
  } catch (err) {
    const message = errorMessage(err);
    if (o.target.kind === 'rtu' && isLockRefusal(message)) throw new Error(heldPortMessage(o.target.path, await serialHolder(o.target.path)));
    if (o.target.kind === 'rtu' && /permission denied/i.test(message)) throw new Error(`${message}: the user running the probe needs read and write access to ${o.target.path} (on Debian: the dialout group)`);
    throw err;
  }
}

/** Reads one range of registers once (function 3 or 4); an exception, a timeout or a held port is an Error saying which. */
export async function readRegisters(o: ProbeOptions): Promise<number[]> {
  const client = await open(o);
  try {
    const result = await new Promise<ClientResult | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), o.timeoutMs);
      client.read(o.table === 'holding-register' ? 3 : 4, o.unitId, o.from, o.count, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    if (result === 'timeout') throw new Error(`unit ${o.unitId} did not answer within ${o.timeoutMs} ms (${o.target.kind === 'rtu' ? 'wrong unit id, baud rate or parity, or A/B swapped on the bus' : 'wrong unit id, or a gateway whose serial side is silent'})`);
    if (!result.ok) throw new Error(result.kind === 'exception' ? `Modbus exception ${result.exceptionCode}: ${EXCEPTION_HINTS[result.exceptionCode] ?? result.message}` : result.message);
    return [...result.words];
  } finally {
    await client.close();
  }
}

/** The four ways two registers make a 32-bit value, named by the site file's `wordOrder`/`byteOrder`. */
const ORDERS = [
  ['big', 'big'],
  ['little', 'big'],
  ['big', 'little'],
  ['little', 'little'],
] as const;

function show(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  const a = Math.abs(n);
  return a !== 0 && (a < 1e-3 || a >= 1e9) ? n.toExponential(3) : String(Number(n.toPrecision(7)));
}

/**
 * Every register as 16-bit values, then every pair as float32, int32 and uint32 in each word and
 * byte order: the order that shows the meter's real voltage (230.1, not 1.2e-38) is the one to
 * write into the site file.
 */
export function probeTable(words: readonly number[], from: number): string[] {
  const pad = (s: string, n: number): string => s.padStart(n);
  const lines = [`${pad('address', 7)}  ${pad('hex', 6)}  ${pad('uint16', 6)}  ${pad('int16', 6)}`];
  words.forEach((_, i) => {
    lines.push(`${pad(String(from + i), 7)}  ${pad(`0x${(words[i] ?? 0).toString(16).padStart(4, '0')}`, 6)}  ${pad(show(decodeRaw('uint16', words, i, 'big', 'big')), 6)}  ${pad(show(decodeRaw('int16', words, i, 'big', 'big')), 6)}`);
  });
  if (words.length < 2) return lines;
  lines.push('', `32-bit values of two registers from each address; columns: wordOrder/byteOrder as the site file names them`);
  lines.push(`${pad('address', 7)}  ${'type'.padEnd(7)}  ${ORDERS.map(([w, b]) => pad(`${w}/${b}`, 14)).join('  ')}`);
  for (let i = 0; i + 1 < words.length; i++) {
    for (const type of ['float32', 'int32', 'uint32'] as const) {
      lines.push(`${pad(String(from + i), 7)}  ${type.padEnd(7)}  ${ORDERS.map(([w, b]) => pad(show(decodeRaw(type, words, i, w, b)), 14)).join('  ')}`);
    }
  }
  return lines;
}
