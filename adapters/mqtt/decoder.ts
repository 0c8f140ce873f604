import type { ReadingValue } from '../reading.js';
import type { MqttDecoder } from './config.js';

export type Decoded =
  | { readonly ok: true; readonly value: ReadingValue; readonly ts: number | null }
  | { readonly ok: false; readonly reason: string };

/** A decoder compiled once per point: the per-message work is parsing and one path walk. */
export type CompiledDecoder = (payload: Buffer) => Decoded;

const fail = (reason: string): Decoded => ({ ok: false, reason });

export function compileDecoder(spec: MqttDecoder): CompiledDecoder {
  switch (spec.type) {
    case 'json': {
      const path = spec.path === '' ? [] : spec.path.split('.');
      const tsPath = spec.tsPath === undefined ? null : spec.tsPath.split('.');
      return (payload) => {
        let doc: unknown;
        try {
          doc = JSON.parse(payload.toString('utf8'));
        } catch {
          return fail('payload is not JSON');
        }
        const raw = walk(doc, path);
        if (raw === undefined) return fail(`no value at path "${spec.path}"`);
        const value = scalar(raw);
        if (value === undefined) return fail(`value at "${spec.path}" is not a number, boolean or string`);
        let ts: number | null = null;
        if (tsPath !== null) {
          ts = timestamp(walk(doc, tsPath));
          if (ts === null) return fail(`no valid timestamp at "${spec.tsPath}"`);
        }
        return { ok: true, value, ts };
      };
    }
    case 'number':
      return (payload) => {
        const text = payload.toString('utf8').trim();
        const n = text === '' ? Number.NaN : Number(text);
        return Number.isFinite(n) ? { ok: true, value: n, ts: null } : fail(`"${text.slice(0, 32)}" is not a number`);
      };
    case 'boolean': {
      const yes = new Set(spec.trueWords.map((w) => w.toLowerCase()));
      const no = new Set(spec.falseWords.map((w) => w.toLowerCase()));
      return (payload) => {
        const word = payload.toString('utf8').trim().toLowerCase();
        if (yes.has(word)) return { ok: true, value: true, ts: null };
        if (no.has(word)) return { ok: true, value: false, ts: null };
        return fail(`"${word.slice(0, 32)}" is none of the boolean words`);
      };
    }
    default: {
      const never: never = spec;
      throw new Error(`unknown decoder ${JSON.stringify(never)}`);
    }
  }
}

function walk(doc: unknown, path: readonly string[]): unknown {
  let cur = doc;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** JSON numbers must be finite: NaN and Infinity never become a reading. */
function scalar(v: unknown): ReadingValue | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  return undefined;
}

/** Epoch ms (or seconds, if it looks like seconds) or an ISO string. */
function timestamp(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}
