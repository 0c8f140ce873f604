import { isBitTable, type CompiledPoint, type ModbusTable } from './register-map.js';

/**
 * Batch planning: the points of one device are read in as few requests as the protocol allows.
 * Modbus Application Protocol v1.1b3 section 6: FC 0x03/0x04 read 1..125 registers,
 * FC 0x01/0x02 read 1..2000 bits per request.
 */
export const MAX_REGISTERS_PER_READ = 125;
export const MAX_BITS_PER_READ = 2000;

export interface ReadBlock {
  readonly table: ModbusTable;
  readonly start: number;
  readonly count: number;
  readonly points: readonly CompiledPoint[];
}

export interface BatchOptions {
  /**
   * Unmapped addresses we may read to join two neighbours into one request. Reading a hole costs
   * a few bytes; a separate request costs a round trip. Set 0 for devices that answer a read
   * over a hole with exception 0x02 (illegal data address).
   */
  readonly maxGap: number;
}

const TABLE_ORDER: readonly ModbusTable[] = ['coil', 'discrete-input', 'holding-register', 'input-register'];

/** Groups points by table, sorts by address and merges neighbours up to the per-request cap. */
export function planReads(points: readonly CompiledPoint[], opts: BatchOptions): ReadBlock[] {
  const blocks: ReadBlock[] = [];
  for (const table of TABLE_ORDER) {
    const inTable = points.filter((p) => p.table === table).sort((a, b) => a.address - b.address);
    const cap = isBitTable(table) ? MAX_BITS_PER_READ : MAX_REGISTERS_PER_READ;
    let start = -1;
    let end = -1; // exclusive
    let members: CompiledPoint[] = [];
    for (const p of inTable) {
      const pEnd = p.address + p.width;
      const joinedEnd = Math.max(end, pEnd);
      const fits = start >= 0 && p.address - end <= opts.maxGap && joinedEnd - start <= cap;
      if (fits) {
        end = joinedEnd;
        members.push(p);
        continue;
      }
      if (start >= 0) blocks.push({ table, start, count: end - start, points: members });
      start = p.address;
      end = pEnd;
      members = [p];
    }
    if (start >= 0) blocks.push({ table, start, count: end - start, points: members });
  }
  return blocks;
}
