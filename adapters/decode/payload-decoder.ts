import { z } from 'zod';
import type { ReadingValue } from '../../core/reading.js';
import { plainNumberField } from './plain-number-field.js';

/**
 * How a payload becomes a value, shared by every push protocol (MQTT publishes, HTTP pushes).
 * Boolean words are matched case-insensitively.
 */
export const PayloadDecoder = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('json'),
    /** Dot path to the value inside the JSON payload, e.g. `data.wet`; empty for a bare JSON value. */
    path: z.string().default('value'),
    /** Dot path to an epoch-ms or ISO timestamp; omitted = time of receipt. */
    tsPath: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('number') }),
  z.strictObject({
    type: z.literal('boolean'),
    trueWords: z.array(z.string().min(1)).min(1).default(['1', 'true', 'on', 'wet', 'alarm']),
    falseWords: z.array(z.string().min(1)).min(1).default(['0', 'false', 'off', 'dry', 'normal']),
  }),
]);
export type PayloadDecoder = z.infer<typeof PayloadDecoder>;

export type Decoded =
  | { readonly ok: true; readonly value: ReadingValue; readonly ts: number | null }
  /** `absent`: a JSON path that leads nowhere (a push that carries other points), not a malformed value. */
  | { readonly ok: false; readonly reason: string; readonly absent?: true };

/** A decoder compiled once per point: the per-message work is parsing and one path walk. */
export type CompiledDecoder = (payload: Buffer) => Decoded;

/**
 * The same decoder over a payload already read: `text` is the body as text, `doc()` its JSON
 * parse (made once per payload by the caller, however many points read it), or a reason it is not JSON.
 */
export type DocumentDecoder = (text: string, doc: () => { ok: true; doc: unknown } | { ok: false }) => Decoded;

const fail = (reason: string): Decoded => ({ ok: false, reason });

/**
 * Compiled decoders by spec: a site's points mostly share a few specs (`{"value": ...}` on nearly
 * all), and a decoder holds no state, so 100,000 points need a handful of decoders, not 100,000.
 */
const compiled = new Map<string, CompiledDecoder>();

export function compileDecoder(spec: PayloadDecoder): CompiledDecoder {
  const key = JSON.stringify(spec);
  let decoder = compiled.get(key);
  if (decoder === undefined) {
    decoder = compileOne(spec);
    compiled.set(key, decoder);
  }
  return decoder;
}

function compileOne(spec: PayloadDecoder): CompiledDecoder {
  if (spec.type === 'json') {
    // One publish, one point: parsed here directly, without the lazy parse a push body shares
    // between its points (a closure and a wrapper object per message on the hot path).
    const fromDoc = jsonValue(spec);
    const plain = spec.tsPath === undefined && spec.path !== '' && !spec.path.includes('.') ? plainNumberField(spec.path) : null;
    return (payload) => {
      const n = plain?.(payload);
      if (n !== undefined) return { ok: true, value: n, ts: null };
      let doc: unknown;
      try {
        doc = JSON.parse(payload.toString('utf8'));
      } catch {
        return NOT_JSON;
      }
      return fromDoc(doc);
    };
  }
  const decode = compileDocumentDecoder(spec);
  return (payload) => {
    const text = payload.toString('utf8');
    return decode(text, () => parseJson(text));
  };
}

const NOT_JSON: Decoded = Object.freeze({ ok: false, reason: 'payload is not JSON' });

/** The value (and time) a JSON decoder reads from a parsed document. */
function jsonValue(spec: Extract<PayloadDecoder, { type: 'json' }>): (doc: unknown) => Decoded {
  const path = spec.path === '' ? [] : spec.path.split('.');
  const tsPath = spec.tsPath === undefined ? null : spec.tsPath.split('.');
  return (doc) => {
    const raw = walk(doc, path);
    if (raw === undefined) return { ok: false, reason: `no value at path "${spec.path}"`, absent: true };
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

export function compileDocumentDecoder(spec: PayloadDecoder): DocumentDecoder {
  switch (spec.type) {
    case 'json': {
      const fromDoc = jsonValue(spec);
      return (_text, parsed) => {
        const p = parsed();
        return p.ok ? fromDoc(p.doc) : NOT_JSON;
      };
    }
    case 'number':
      return (payload) => {
        const text = payload.trim();
        const n = text === '' ? Number.NaN : Number(text);
        return Number.isFinite(n) ? { ok: true, value: n, ts: null } : fail(`"${text.slice(0, 32)}" is not a number`);
      };
    case 'boolean': {
      const yes = new Set(spec.trueWords.map((w) => w.toLowerCase()));
      const no = new Set(spec.falseWords.map((w) => w.toLowerCase()));
      return (payload) => {
        const word = payload.trim().toLowerCase();
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

export function parseJson(text: string): { ok: true; doc: unknown } | { ok: false } {
  try {
    return { ok: true, doc: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The value at a dot path (`event.text`), or undefined where the path leads nowhere. */
export function walk(doc: unknown, path: readonly string[]): unknown {
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
