import type { CellCodec, CellValue } from './cell-codec.js';
import type { ColumnKey } from './columns.js';
import { getPath, setPath, type Json } from './json-tree.js';

export interface FieldContext {
  readonly deviceId: string;
}

/**
 * Where one column lives in one protocol's devices: how its cell is read from the site file
 * (export) and written into it (import). Export and import use the same field, so what one
 * writes the other reads back.
 */
export interface Field {
  readonly column: ColumnKey;
  /**
   * The paths, under the object the field works on (the device, its source or its point), that
   * this column writes: a problem the schema finds at or under one is reported in this column.
   */
  readonly owns: readonly (readonly string[])[];
  /** The cell, or undefined (blank) where the site file does not say. */
  read(target: Json, ctx: FieldContext): CellValue | undefined;
  /** Writes a non-blank cell; a problem in words (without the column's name), or null. */
  write(target: Json, text: string, ctx: FieldContext): string | null;
}

/** A column that is one value at one path, in one kind of cell. */
export function at(column: ColumnKey, path: readonly string[], codec: CellCodec): Field {
  return {
    column,
    owns: [path],
    read: (target) => {
      const v = getPath(target, path);
      return v === undefined ? undefined : codec.toCell(v);
    },
    write: (target, text) => {
      const r = codec.fromCell(text, getPath(target, path));
      if (!r.ok) return r.problem;
      setPath(target, path, r.value);
      return null;
    },
  };
}

/** `path` is `owned` or lies under it. */
export function within(path: readonly PropertyKey[], owned: readonly string[]): boolean {
  return owned.length <= path.length && owned.every((k, i) => String(path[i]) === k);
}
