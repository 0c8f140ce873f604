/**
 * Reading and writing the site file as raw JSON (not parsed: defaults not filled in, keys in the
 * file's own order), so an import writes back exactly what the table says and nothing else.
 */
export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The value at `path` under `target` (a step into a list is its index), or undefined where any step is missing. */
export function getPath(target: Json, path: readonly string[]): unknown {
  let at: unknown = target;
  for (const key of path) {
    if (Array.isArray(at)) at = at[Number(key)] as unknown;
    else if (isObject(at)) at = at[key];
    else return undefined;
  }
  return at;
}

/** Sets the value at `path`, making the objects on the way; an object already there keeps its key order. */
export function setPath(target: Json, path: readonly string[], value: unknown): void {
  const last = path.at(-1);
  if (last === undefined) return;
  let at = target;
  for (const key of path.slice(0, -1)) at = objectAt(at, key);
  put(at, last, sameOrder(at[last], value));
}

/** Removes the value at `path`, if there is one. */
export function deletePath(target: Json, path: readonly string[]): void {
  const parent = getPath(target, path.slice(0, -1));
  const last = path.at(-1);
  if (isObject(parent) && last !== undefined) delete parent[last];
}

/** The object at `key` (made empty if there is none, or if something else is there). */
export function objectAt(target: Json, key: string): Json {
  const v = target[key];
  if (isObject(v)) return v;
  const fresh: Json = {};
  target[key] = fresh;
  return fresh;
}

/**
 * `next`, but where `old` was an object too, `old` changed in place to equal it: the keys both
 * have keep the place they had in the file, so a value that did not change rewrites the same text.
 */
export function sameOrder(old: unknown, next: unknown): unknown {
  if (!isObject(old) || !isObject(next)) return next;
  for (const key of Object.keys(old)) if (!(key in next)) delete old[key];
  for (const [key, value] of Object.entries(next)) put(old, key, sameOrder(old[key], value));
  return old;
}

/**
 * `target[key] = value` as an own property even for `__proto__` (a key a JSON cell may carry):
 * plain assignment would set the object's prototype instead, and the schema would never see it.
 */
function put(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of `value` with its keys in `order` first (keys it has only), then any others as they were. */
export function inOrder(value: Json, order: readonly string[]): Json {
  const out: Json = {};
  for (const key of order) if (key in value) out[key] = value[key];
  for (const [key, v] of Object.entries(value)) if (!(key in out)) out[key] = v;
  return out;
}
