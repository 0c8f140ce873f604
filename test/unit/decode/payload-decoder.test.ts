import { describe, expect, it } from 'vitest';
import { compileDecoder } from '../../../adapters/decode/payload-decoder.js';

const b = (s: string) => Buffer.from(s);

describe('payload decoders (MQTT and HTTP push)', () => {
  it.each([
    ['{"value":true}', 'value', true],
    ['{"data":{"wet":false}}', 'data.wet', false],
    ['{"value":4.1}', 'value', 4.1],
    ['3.5', '', 3.5],
    ['"on"', '', 'on'],
  ])('json %s at "%s" gives %s', (payload, path, value) => {
    expect(compileDecoder({ type: 'json', path })(b(payload))).toEqual({ ok: true, value, ts: null });
  });

  it('reads a timestamp in epoch ms, epoch seconds or ISO form', () => {
    const dec = compileDecoder({ type: 'json', path: 'v', tsPath: 't' });
    expect(dec(b('{"v":1,"t":1767578400000}'))).toMatchObject({ ts: 1767578400000 });
    expect(dec(b('{"v":1,"t":1767578400}'))).toMatchObject({ ts: 1767578400000 });
    expect(dec(b('{"v":1,"t":"2026-01-05T02:00:00Z"}'))).toMatchObject({ ts: 1767578400000 });
    expect(dec(b('{"v":1,"t":"yesterday"}'))).toMatchObject({ ok: false });
  });

  it.each([
    ['not json', 'payload is not JSON'],
    ['{"other":1}', 'no value at path "value"'],
    ['{"value":{"x":1}}', 'is not a number, boolean or string'],
    ['{"value":null}', 'is not a number, boolean or string'],
  ])('refuses json %s', (payload, reason) => {
    const d = compileDecoder({ type: 'json', path: 'value' })(b(payload));
    expect(d.ok).toBe(false);
    expect(d.ok ? '' : d.reason).toContain(reason);
  });

  it('parses plain numbers and refuses NaN, Infinity and words', () => {
    const dec = compileDecoder({ type: 'number' });
    expect(dec(b(' 12.5 '))).toEqual({ ok: true, value: 12.5, ts: null });
    for (const bad of ['NaN', 'Infinity', 'abc', '']) expect(dec(b(bad)).ok).toBe(false);
  });

  it.each([
    ['ON', true],
    ['off', false],
    ['wet', true],
    ['DRY', false],
    ['1', true],
    ['0', false],
    ['true', true],
    ['false', false],
  ])('maps the default boolean word %s to %s', (word, value) => {
    const dec = compileDecoder({ type: 'boolean', trueWords: ['1', 'true', 'on', 'wet', 'alarm'], falseWords: ['0', 'false', 'off', 'dry', 'normal'] });
    expect(dec(b(word))).toEqual({ ok: true, value, ts: null });
  });

  it('uses configured boolean words and refuses others', () => {
    const dec = compileDecoder({ type: 'boolean', trueWords: ['漏水'], falseWords: ['正常'] });
    expect(dec(b('漏水'))).toMatchObject({ value: true });
    expect(dec(b('正常'))).toMatchObject({ value: false });
    expect(dec(b('wet')).ok).toBe(false);
  });
});
