import { COLUMNS, type ColumnKey } from './columns.js';

/** One row as read: every cell as trimmed text (empty = not given), with its spreadsheet row number. */
export interface TableRow {
  /** 1-based, as the spreadsheet shows it (the header is row 1). */
  readonly row: number;
  readonly cells: Readonly<Partial<Record<ColumnKey, string>>>;
}

const KEYS = new Set<string>(COLUMNS.map((c) => c.key));

/**
 * Turns a sheet (rows of text cells, header first) into rows keyed by column. An unknown header
 * or a missing deviceId/pointId column is an error for the whole table; blank rows and rows
 * whose first cell starts with `#` (comments) are skipped.
 */
export function rowsOfSheet(sheet: readonly (readonly string[])[]): { rows: TableRow[]; problems: string[] } {
  const header = sheet[0];
  if (header === undefined) return { rows: [], problems: ['the table is empty: expected a header row (see config/points-template.csv)'] };
  const keys = header.map((h) => h.trim().split(/\s+/)[0] ?? '');
  const problems: string[] = [];
  keys.forEach((k, i) => {
    if (k !== '' && !KEYS.has(k)) problems.push(`row 1, column ${i + 1}: unknown column "${header[i] ?? ''}" (expected one of ${[...KEYS].join(', ')})`);
  });
  const seen = new Map<string, number>();
  keys.forEach((k, i) => {
    const first = seen.get(k);
    // Two columns of one key: which one counts would be a guess.
    if (k !== '' && first !== undefined) problems.push(`row 1, column ${i + 1}: column ${k} is already column ${first + 1}`);
    if (!seen.has(k)) seen.set(k, i);
  });
  for (const required of ['deviceId', 'pointId'] as const) {
    if (!keys.includes(required)) problems.push(`row 1: no ${required} column`);
  }
  if (problems.length > 0) return { rows: [], problems };
  const rows: TableRow[] = [];
  sheet.slice(1).forEach((cells, i) => {
    if (cells.every((c) => c.trim() === '') || (cells[0] ?? '').trim().startsWith('#')) return;
    const out: Partial<Record<ColumnKey, string>> = {};
    keys.forEach((k, j) => {
      const v = (cells[j] ?? '').trim();
      if (k !== '' && v !== '') out[k as ColumnKey] = v;
    });
    rows.push({ row: i + 2, cells: out });
  });
  return { rows, problems };
}
