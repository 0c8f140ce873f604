import { describe, expect, it } from 'vitest';
import { compileDecoder } from '../../../adapters/decode/payload-decoder.js';
import { plainNumberField } from '../../../adapters/decode/plain-number-field.js';

const read = plainNumberField('value');
if (read === null) throw new Error('"value" must have a fast reader');
const b = (s: string) => Buffer.from(s);

/** Deterministic numbers in every plain shape: integers, fractions, leading-zero fractions, negatives, up to 15 digits. */
function* numbers(): Generator<string> {
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const digits = (n: number): string => Array.from({ length: n }, () => String(next(10))).join('');
  for (let i = 0; i < 20_000; i++) {
    const intDigits = 1 + next(9);
    const int = intDigits === 1 ? String(next(10)) : String(1 + next(9)) + digits(intDigits - 1);
    const frac = next(3) === 0 ? '' : `.${digits(1 + next(15 - intDigits))}`;
    yield `${next(4) === 0 ? '-' : ''}${int}${frac}`;
  }
  yield* ['0', '-0', '0.0', '-0.0', '221.3', '0.1', '0.30000000000000004'.slice(0, 17), '999999999999999', '-999999999999999', '123456789012.345', '0.000000000000001'.slice(0, 16)];
}

describe('the plain {"value":<number>} reader beside JSON.parse', () => {
  it('reads every plain number exactly as JSON.parse does, -0 included', () => {
    let fast = 0;
    for (const n of numbers()) {
      const payload = `{"value":${n}}`;
      const got = read(b(payload));
      const want = (JSON.parse(payload) as { value: number }).value;
      if (got === undefined) continue;
      fast += 1;
      expect(Object.is(got, want), `${payload}: ${got} vs ${want}`).toBe(true);
    }
    // The shapes above are all within 15 digits: each one must have been read here, not left to JSON.parse.
    expect(fast).toBeGreaterThanOrEqual(20_000);
  });

  it.each(['{"value": 1}', '{ "value":1}', '{"value":1 }', '{"value":1e3}', '{"value":1E3}', '{"value":01}', '{"value":-}', '{"value":1.}', '{"value":.5}', '{"value":+1}', '{"value":1234567890123456}', '{"value":"1"}', '{"value":true}', '{"value":1,"ts":2}', '{"valuex":1}', '{"valu":1}', '{"value":1}x', '{"value":1', '{"value":}', '{"value":--1}', '{"value":1.2.3}', '{"value":0x10}', ''])(
    'leaves %s to JSON.parse',
    (payload) => {
      expect(read(b(payload))).toBeUndefined();
    },
  );

  it('and the decoder gives for those what JSON.parse gives, or refuses what JSON refuses', () => {
    const dec = compileDecoder({ type: 'json', path: 'value' });
    expect(dec(b('{"value": 1}'))).toEqual({ ok: true, value: 1, ts: null });
    expect(dec(b('{"value":1e3}'))).toEqual({ ok: true, value: 1000, ts: null });
    expect(dec(b('{"value":1234567890123456}'))).toEqual({ ok: true, value: 1234567890123456, ts: null });
    expect(dec(b('{"value":"1"}'))).toEqual({ ok: true, value: '1', ts: null });
    // Duplicate keys: the last one wins in JSON.parse, and the plain reader does not take it.
    expect(dec(b('{"value":1,"value":2}'))).toEqual({ ok: true, value: 2, ts: null });
    for (const bad of ['{"value":01}', '{"value":1.}', '{"value":.5}', '{"value":+1}', '{"value":1']) expect(dec(b(bad)).ok, bad).toBe(false);
  });

  it('has no fast reader for a key JSON would escape, and the decoder still reads it', () => {
    expect(plainNumberField('a"b')).toBeNull();
    expect(plainNumberField('温度')).toBeNull();
    expect(compileDecoder({ type: 'json', path: '温度' })(b('{"温度":21.5}'))).toEqual({ ok: true, value: 21.5, ts: null });
  });

  it('is not used where a time or a nested path is read', () => {
    expect(compileDecoder({ type: 'json', path: 'value', tsPath: 'ts' })(b('{"value":1}'))).toMatchObject({ ok: false, reason: 'no valid timestamp at "ts"' });
    expect(compileDecoder({ type: 'json', path: 'data.value' })(b('{"value":1}'))).toMatchObject({ ok: false, absent: true });
  });
});
