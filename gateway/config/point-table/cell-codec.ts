import { isObject } from './json-tree.js';

/** What a sheet cell holds: text, or a number (XLSX keeps numbers as numbers). */
export type CellValue = string | number;

export type CellRead = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/**
 * One kind of cell: how a site-file value is written into a cell and read back. Reading what was
 * written gives the same value, so a table exported and imported again changes nothing. Text
 * that is not of the kind is either handed on as text (the schema then names what it expected)
 * or, where the schema could not say it well, a problem in words.
 */
export interface CellCodec {
  toCell(value: unknown): CellValue;
  /** `current`: what the site file has there now (undefined for a new device or point). */
  fromCell(text: string, current: unknown): CellRead;
}

const ok = (value: unknown): CellRead => ({ ok: true, value });

export const text: CellCodec = {
  toCell: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
  fromCell: ok,
};

export const number: CellCodec = {
  toCell: (v) => (typeof v === 'number' ? v : String(v)),
  fromCell: (t) => {
    const n = Number(t);
    return ok(Number.isFinite(n) ? n : t);
  },
};

/** `true`/`false`; people also write yes/no, 是/否, 1/0. */
export const boolean: CellCodec = {
  toCell: (v) => String(v),
  fromCell: (t) => ok(/^(true|yes|是|1)$/i.test(t) ? true : /^(false|no|否|0)$/i.test(t) ? false : t),
};

/** Objects and lists (fault overrides, rules, value maps): compact JSON. */
export const json: CellCodec = {
  toCell: (v) => JSON.stringify(v),
  fromCell: (t) => {
    try {
      return ok(JSON.parse(t) as unknown);
    } catch (err) {
      return { ok: false, problem: `not valid JSON (${err instanceof Error ? err.message : String(err)}): ${t.length > 60 ? `${t.slice(0, 60)}...` : t}` };
    }
  },
};

/** A value range `{min?, max?}` as `MIN~MAX`, either side blank when the file has none (`~100`, `0~`, `~`). */
export const range: CellCodec = {
  toCell: (v) => (isObject(v) ? `${show(v['min'])}~${show(v['max'])}` : JSON.stringify(v)),
  fromCell: (t) => {
    const m = /^([^~]*)~([^~]*)$/.exec(t);
    const [min, max] = [m?.[1]?.trim() ?? '', m?.[2]?.trim() ?? ''].map((s) => (s === '' ? undefined : Number(s)));
    if (m === null || [min, max].some((n) => n !== undefined && !Number.isFinite(n))) return { ok: false, problem: `expected MIN~MAX such as 0~100 (either side may be blank), got "${t}"` };
    return ok({ ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) });
  },
};

/** An OPC UA deadband `{type, value}` as `absolute:0.5` or `percent:2`. */
export const deadband: CellCodec = {
  toCell: (v) => (isObject(v) && Object.keys(v).length === 2 ? `${show(v['type'])}:${show(v['value'])}` : JSON.stringify(v)),
  fromCell: (t) => {
    const m = /^(absolute|percent):\s*(\S+)$/.exec(t);
    const value = Number(m?.[2]);
    return m === null || !Number.isFinite(value) ? { ok: false, problem: `expected absolute:N or percent:N (e.g. absolute:0.5), got "${t}"` } : ok({ type: m[1], value });
  },
};

/**
 * A payload decoder (MQTT, HTTP push) in the words integrators use: `json` (the value at
 * `value`), `json:data.wet`, `number`, `boolean`; any other decoder (a timestamp path, own
 * boolean words) as its JSON. A bare `json` or `boolean` keeps the words and paths the point had.
 */
export const decoder: CellCodec = {
  toCell: (v) => {
    if (!isObject(v)) return JSON.stringify(v);
    const keys = Object.keys(v).sort().join(',');
    if (v['type'] === 'json' && keys === 'path,type' && typeof v['path'] === 'string') return v['path'] === 'value' ? 'json' : `json:${v['path']}`;
    if ((v['type'] === 'number' || v['type'] === 'boolean') && keys === 'type') return v['type'];
    return JSON.stringify(v);
  },
  fromCell: (t, current) => {
    if (t.startsWith('{')) return json.fromCell(t, current);
    const m = /^(json|number|boolean)(?::(.*))?$/.exec(t);
    if (m === null || (m[1] !== 'json' && m[2] !== undefined)) return { ok: false, problem: `expected json, json:PATH, number, boolean or a decoder as JSON, got "${t}"` };
    const [, type, path] = m;
    if (path === undefined && isObject(current) && current['type'] === type) return ok(current);
    return ok(type === 'json' ? { type, path: path ?? 'value' } : { type });
  },
};

function show(v: unknown): string {
  return v === undefined ? '' : String(v);
}
