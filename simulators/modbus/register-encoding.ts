/**
 * The simulator's side of the register map: a value to the 16-bit words a device would hold,
 * in a given word order and byte order. The inverse of adapters/modbus/register-map.ts, written
 * separately so a symmetric bug cannot hide in one shared function.
 */
export type WordType = 'bool' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';
export type Order = 'big' | 'little';

export interface EncodeOptions {
  readonly wordOrder?: Order;
  readonly byteOrder?: Order;
  /** Engineering value = raw * scale + offset, so raw = (value - offset) / scale. */
  readonly scale?: number;
  readonly offset?: number;
}

export function encodeValue(type: WordType, value: number | boolean, opts: EncodeOptions = {}): number[] {
  const { wordOrder = 'big', byteOrder = 'big', scale = 1, offset = 0 } = opts;
  const num = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  const raw = type === 'float32' ? (num - offset) / scale : Math.round((num - offset) / scale);
  const bytes = Buffer.alloc(4);
  let words: number[];
  switch (type) {
    case 'bool':
    case 'uint16':
    case 'int16':
      bytes.writeUInt16BE(raw & 0xffff, 0);
      words = [bytes.readUInt16BE(0)];
      break;
    case 'uint32':
    case 'int32':
      bytes.writeUInt32BE(raw >>> 0, 0);
      words = [bytes.readUInt16BE(0), bytes.readUInt16BE(2)];
      break;
    case 'float32':
      bytes.writeFloatBE(raw, 0);
      words = [bytes.readUInt16BE(0), bytes.readUInt16BE(2)];
      break;
  }
  if (wordOrder === 'little') words.reverse();
  return byteOrder === 'little' ? words.map((w) => ((w & 0xff) << 8) | (w >> 8)) : words;
}
