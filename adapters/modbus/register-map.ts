import type { ModbusPoint } from './config.js';

/**
 * The register map: how one configured point is laid out in a Modbus table and how its raw
 * words or bits become a value. Compiled once at start so the poll path only runs a closure.
 */
export type ModbusTable = ModbusPoint['table'];
export type ModbusDataType = ModbusPoint['type'];

/** Registers a value occupies: 32-bit types span two consecutive 16-bit registers. */
const REGISTER_WIDTH: Readonly<Record<ModbusDataType, 1 | 2>> = {
  bool: 1,
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
};

export function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete-input';
}

export interface CompiledPoint {
  readonly id: string;
  readonly table: ModbusTable;
  readonly address: number;
  /** Bits (coil/discrete-input tables) or registers (holding/input tables) the point spans. */
  readonly width: 1 | 2;
  readonly range: { readonly min?: number | undefined; readonly max?: number | undefined } | undefined;
  /** Decodes the point from a block read at `blockStart`; bit tables get `bits`, register tables `words`. */
  readonly decode: (words: ArrayLike<number>, bits: ArrayLike<boolean>, blockStart: number) => number | boolean;
}

// One scratch buffer for float32 reinterpretation: the poll path stays allocation-free.
const scratch = new DataView(new ArrayBuffer(4));

/** Swaps the two bytes of a 16-bit word (device sends the low byte first). */
function swapBytes(word: number): number {
  return ((word & 0xff) << 8) | ((word >> 8) & 0xff);
}

/** Reads one 16-bit word honouring the byte order inside the word. */
export function word16(words: ArrayLike<number>, at: number, byteOrder: 'big' | 'little'): number {
  const raw = (words[at] ?? 0) & 0xffff;
  return byteOrder === 'big' ? raw : swapBytes(raw);
}

/** Joins two registers into an unsigned 32-bit value honouring word order and byte order. */
export function word32(
  words: ArrayLike<number>,
  at: number,
  wordOrder: 'big' | 'little',
  byteOrder: 'big' | 'little',
): number {
  const first = word16(words, at, byteOrder);
  const second = word16(words, at + 1, byteOrder);
  const hi = wordOrder === 'big' ? first : second;
  const lo = wordOrder === 'big' ? second : first;
  return (hi * 0x10000 + lo) >>> 0;
}

/** Decodes the raw number (before scale/offset) of a register-table point. */
export function decodeRaw(
  type: ModbusDataType,
  words: ArrayLike<number>,
  at: number,
  wordOrder: 'big' | 'little',
  byteOrder: 'big' | 'little',
): number {
  switch (type) {
    case 'bool':
    case 'uint16':
      return word16(words, at, byteOrder);
    case 'int16': {
      const w = word16(words, at, byteOrder);
      return w >= 0x8000 ? w - 0x10000 : w;
    }
    case 'uint32':
      return word32(words, at, wordOrder, byteOrder);
    case 'int32':
      return word32(words, at, wordOrder, byteOrder) | 0;
    case 'float32':
      scratch.setUint32(0, word32(words, at, wordOrder, byteOrder));
      return scratch.getFloat32(0);
    default: {
      const never: never = type;
      throw new Error(`unknown Modbus data type ${String(never)}`);
    }
  }
}

/**
 * value * scale + offset, rounded to 12 significant digits so 180 * 0.1 reads 18, not
 * 18.000000000000004 (noise that would make thresholds and evidence look odd).
 */
export function applyScale(raw: number, scale: number, offset: number): number {
  if (scale === 1 && offset === 0) return raw;
  const v = raw * scale + offset;
  return Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
}

/** Compiles one point of the site file into its decoder. */
export function compilePoint(p: ModbusPoint): CompiledPoint {
  const base = { id: p.id, table: p.table, address: p.address, range: p.range };
  if (isBitTable(p.table)) {
    return { ...base, width: 1, decode: (_w, bits, start) => bits[p.address - start] === true };
  }
  if (p.bit !== undefined) {
    const mask = 1 << p.bit;
    return {
      ...base,
      width: 1,
      decode: (words, _b, start) => (word16(words, p.address - start, p.byteOrder) & mask) !== 0,
    };
  }
  if (p.type === 'bool') {
    return { ...base, width: 1, decode: (words, _b, start) => word16(words, p.address - start, p.byteOrder) !== 0 };
  }
  const { type, wordOrder, byteOrder, scale, offset } = p;
  return {
    ...base,
    width: REGISTER_WIDTH[type],
    decode: (words, _b, start) => applyScale(decodeRaw(type, words, p.address - start, wordOrder, byteOrder), scale, offset),
  };
}
