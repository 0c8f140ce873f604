import { describe, expect, it } from 'vitest';
import { planReads } from '../../../adapters/modbus/batch-plan.js';
import { ModbusPoint } from '../../../adapters/modbus/config.js';
import { compilePoint } from '../../../adapters/modbus/register-map.js';

function pt(table: string, address: number, type = 'uint16') {
  return compilePoint(ModbusPoint.parse({ id: `${table}-${address}`, table, address, type }));
}

const spans = (blocks: ReturnType<typeof planReads>) => blocks.map((b) => [b.table, b.start, b.count, b.points.length]);

describe('batch planning', () => {
  it('reads adjacent registers of one table in one request', () => {
    const points = [pt('input-register', 0, 'float32'), pt('input-register', 2, 'float32'), pt('input-register', 4)];
    expect(spans(planReads(points, { maxGap: 0 }))).toEqual([['input-register', 0, 5, 3]]);
  });

  it('plans each table apart, in a stable table order', () => {
    const points = [pt('input-register', 0), pt('coil', 0, 'bool'), pt('holding-register', 0), pt('discrete-input', 0, 'bool')];
    expect(spans(planReads(points, { maxGap: 8 }))).toEqual([
      ['coil', 0, 1, 1],
      ['discrete-input', 0, 1, 1],
      ['holding-register', 0, 1, 1],
      ['input-register', 0, 1, 1],
    ]);
  });

  it('joins points across a gap no wider than maxGap and splits wider gaps', () => {
    const points = [pt('holding-register', 0), pt('holding-register', 5), pt('holding-register', 20)];
    expect(spans(planReads(points, { maxGap: 4 }))).toEqual([
      ['holding-register', 0, 6, 2],
      ['holding-register', 20, 1, 1],
    ]);
    expect(spans(planReads(points, { maxGap: 0 }))).toHaveLength(3);
  });

  it('sorts points given out of order', () => {
    const points = [pt('holding-register', 3), pt('holding-register', 1), pt('holding-register', 2)];
    expect(spans(planReads(points, { maxGap: 0 }))).toEqual([['holding-register', 1, 3, 3]]);
  });

  it('caps a register request at 125 registers', () => {
    const points = Array.from({ length: 130 }, (_, i) => pt('holding-register', i));
    expect(spans(planReads(points, { maxGap: 0 }))).toEqual([
      ['holding-register', 0, 125, 125],
      ['holding-register', 125, 5, 5],
    ]);
  });

  it('never splits a 32-bit value across two requests at the cap', () => {
    const points = [pt('input-register', 0), pt('input-register', 124, 'float32')];
    expect(spans(planReads(points, { maxGap: 200 }))).toEqual([
      ['input-register', 0, 1, 1],
      ['input-register', 124, 2, 1],
    ]);
  });

  it('caps a coil request at 2000 coils', () => {
    const points = [pt('coil', 0, 'bool'), pt('coil', 1999, 'bool'), pt('coil', 2000, 'bool')];
    expect(spans(planReads(points, { maxGap: 5000 }))).toEqual([
      ['coil', 0, 2000, 2],
      ['coil', 2000, 1, 1],
    ]);
  });

  it('reads two points on the same register (bits of one word) once', () => {
    const a = compilePoint(ModbusPoint.parse({ id: 'a', table: 'holding-register', address: 4, bit: 0 }));
    const b = compilePoint(ModbusPoint.parse({ id: 'b', table: 'holding-register', address: 4, bit: 3 }));
    expect(spans(planReads([a, b], { maxGap: 0 }))).toEqual([['holding-register', 4, 1, 2]]);
  });
});
