import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const STATIC = path.resolve('gateway/web/static');

/** The pages' words (a plain ES module with no imports, so it loads here as the browser loads it). */
async function words(): Promise<Record<'zh-CN' | 'en', Record<string, string>>> {
  const mod = (await import(path.join(STATIC, 'i18n.js'))) as { WORDS: Record<'zh-CN' | 'en', Record<string, string>> };
  return mod.WORDS;
}

/** Every key a page asks for by name in t's first argument: `t('storm.on')`, `t('x', { n })`, `t(late ? 'rel.late' : 'rel.in')`. */
function literalKeys(source: string): string[] {
  return [...source.matchAll(/\bt\(([^(),{}`]*)[,)]/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/'([^']+)'/g)].map((k) => k[1] ?? ''));
}

describe('the staff pages\' words', () => {
  it('says every word in both Chinese and English', async () => {
    const w = await words();
    const zh = Object.keys(w['zh-CN']).sort();
    const en = Object.keys(w.en).sort();
    expect(en.filter((k) => !zh.includes(k)), 'English words missing in Chinese').toEqual([]);
    expect(zh.filter((k) => !en.includes(k)), 'Chinese words missing in English').toEqual([]);
    for (const [k, v] of Object.entries(w['zh-CN'])) expect(v.trim(), k).not.toBe('');
  });

  it('has a word for every key a page asks for by name (a missing one would show its key on the page)', async () => {
    const w = await words();
    const missing: string[] = [];
    for (const file of readdirSync(STATIC).filter((f) => f.endsWith('.js'))) {
      for (const key of literalKeys(readFileSync(path.join(STATIC, file), 'utf8'))) if (w['zh-CN'][key] === undefined) missing.push(`${file}: ${key}`);
    }
    expect(missing).toEqual([]);
  });

  it('names each placeholder the same way in both languages', async () => {
    const w = await words();
    const holes = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
    const differ = Object.keys(w['zh-CN']).filter((k) => JSON.stringify(holes(w['zh-CN'][k] ?? '')) !== JSON.stringify(holes(w.en[k] ?? '')));
    expect(differ).toEqual([]);
  });
});
