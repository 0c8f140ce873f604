import { describe, expect, it } from 'vitest';
import { ModbusPoint } from '../../../adapters/modbus/config.js';
import { applyScale, compilePoint } from '../../../adapters/modbus/register-map.js';

type Order = 'big' | 'little';

/** Decodes `words` (a block starting at address 10) as one point configured by `fields`. */
function decode(words: number[], fields: Record<string, unknown>, bits: boolean[] = []): number | boolean {
  const point = compilePoint(ModbusPoint.parse({ id: 'p', table: 'holding-register', address: 10, ...fields }));
  return point.decode(words, bits, 10);
}

// Layouts by (wordOrder, byteOrder): ABCD, CDAB (word swap), BADC (byte swap), DCBA (both).
const LAYOUTS: ReadonlyArray<{ wordOrder: Order; byteOrder: Order; name: string }> = [
  { wordOrder: 'big', byteOrder: 'big', name: 'ABCD' },
  { wordOrder: 'little', byteOrder: 'big', name: 'CDAB' },
  { wordOrder: 'big', byteOrder: 'little', name: 'BADC' },
  { wordOrder: 'little', byteOrder: 'little', name: 'DCBA' },
];

/** The four bytes A B C D laid out in two registers per layout name. */
function lay(name: string, a: number, b: number, c: number, d: number): number[] {
  const w = (hi: number, lo: number) => (hi << 8) | lo;
  switch (name) {
    case 'ABCD':
      return [w(a, b), w(c, d)];
    case 'CDAB':
      return [w(c, d), w(a, b)];
    case 'BADC':
      return [w(b, a), w(d, c)];
    default:
      return [w(d, c), w(b, a)];
  }
}

describe('register map decoding', () => {
  for (const { wordOrder, byteOrder, name } of LAYOUTS) {
    describe(`word order ${wordOrder}, byte order ${byteOrder} (${name})`, () => {
      it('decodes uint32 0x12345678', () => {
        expect(decode(lay(name, 0x12, 0x34, 0x56, 0x78), { type: 'uint32', wordOrder, byteOrder })).toBe(0x12345678);
      });
      it('decodes uint32 above 2^31 as positive', () => {
        expect(decode(lay(name, 0xfe, 0xdc, 0xba, 0x98), { type: 'uint32', wordOrder, byteOrder })).toBe(0xfedcba98);
      });
      it('decodes int32 -100000 (0xFFFE7960)', () => {
        expect(decode(lay(name, 0xff, 0xfe, 0x79, 0x60), { type: 'int32', wordOrder, byteOrder })).toBe(-100000);
      });
      it('decodes float32 4.1 (0x40833333)', () => {
        expect(decode(lay(name, 0x40, 0x83, 0x33, 0x33), { type: 'float32', wordOrder, byteOrder })).toBeCloseTo(4.1, 6);
      });
      it('decodes float32 -12.5 (0xC1480000)', () => {
        expect(decode(lay(name, 0xc1, 0x48, 0x00, 0x00), { type: 'float32', wordOrder, byteOrder })).toBe(-12.5);
      });
      it('ignores word order for 16-bit types but honours byte order', () => {
        const word = byteOrder === 'big' ? 0x1234 : 0x3412;
        expect(decode([word], { type: 'uint16', wordOrder, byteOrder })).toBe(0x1234);
        const neg = byteOrder === 'big' ? 0xfffe : 0xfeff;
        expect(decode([neg], { type: 'int16', wordOrder, byteOrder })).toBe(-2);
      });
    });
  }

  it('decodes int16 extremes', () => {
    expect(decode([0x8000], { type: 'int16' })).toBe(-32768);
    expect(decode([0x7fff], { type: 'int16' })).toBe(32767);
    expect(decode([0xffff], { type: 'uint16' })).toBe(65535);
  });

  it('reads bool from a register as non-zero', () => {
    expect(decode([0], { type: 'bool' })).toBe(false);
    expect(decode([0x0100], { type: 'bool' })).toBe(true);
  });

  it('takes one bit of a register, bit 0 least significant', () => {
    expect(decode([0b1000_0000_0000_0101], { bit: 0 })).toBe(true);
    expect(decode([0b1000_0000_0000_0101], { bit: 1 })).toBe(false);
    expect(decode([0b1000_0000_0000_0101], { bit: 2 })).toBe(true);
    expect(decode([0b1000_0000_0000_0101], { bit: 15 })).toBe(true);
  });

  it('takes the bit after the byte swap of a little-endian register', () => {
    expect(decode([0x0100], { bit: 0, byteOrder: 'little' })).toBe(true);
    expect(decode([0x0100], { bit: 8, byteOrder: 'little' })).toBe(false);
  });

  it('applies scale then offset', () => {
    expect(decode([180], { type: 'uint16', scale: 0.1 })).toBe(18);
    expect(decode([0xfffb], { type: 'int16', scale: 0.5, offset: 10 })).toBe(7.5);
    expect(decode([1000], { type: 'uint16', scale: 0.01, offset: -273.15 })).toBe(-263.15);
    expect(applyScale(3, 1, 0)).toBe(3);
  });

  it('reads coils and discrete inputs as booleans at their offset in the block', () => {
    const coil = compilePoint(ModbusPoint.parse({ id: 'c', table: 'coil', address: 7, type: 'bool' }));
    expect(coil.decode([], [false, false, true, false], 5)).toBe(true);
    expect(coil.decode([], [false, false, false, true], 5)).toBe(false);
  });

  it('decodes a point in the middle of a block', () => {
    const p = compilePoint(ModbusPoint.parse({ id: 'f', table: 'input-register', address: 12, type: 'float32' }));
    expect(p.decode([0, 0, 0x4148, 0x0000, 0], [], 10)).toBe(12.5);
    expect(p.width).toBe(2);
  });
});

describe('register map validation', () => {
  it('rejects a bit of a coil or of a 32-bit value, naming the path', () => {
    const coil = ModbusPoint.safeParse({ id: 'c', table: 'coil', address: 0, bit: 1 });
    expect(coil.success).toBe(false);
    expect(coil.error?.issues[0]?.path).toEqual(['bit']);
    expect(ModbusPoint.safeParse({ id: 'f', table: 'holding-register', address: 0, type: 'float32', bit: 1 }).success).toBe(false);
  });

  it('rejects a 32-bit value at the last register', () => {
    expect(ModbusPoint.safeParse({ id: 'f', table: 'input-register', address: 65535, type: 'uint32' }).success).toBe(false);
    expect(ModbusPoint.safeParse({ id: 'f', table: 'input-register', address: 65535, type: 'uint16' }).success).toBe(true);
  });
});
