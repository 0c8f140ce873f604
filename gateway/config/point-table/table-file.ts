import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { readSheet } from 'read-excel-file/node';
import writeXlsxFile, { type Cell } from 'write-excel-file/node';

/** A sheet as cells of text or numbers, header first. */
export type Sheet = (string | number)[][];

/** Reads a point table from `.csv` (UTF-8, comma, RFC 4180 quoting) or `.xlsx` (its first sheet) into text cells. */
export async function readTableFile(file: string): Promise<string[][]> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return parseCsv(await readFile(file, 'utf8'));
  if (ext === '.xlsx') {
    const data = await readSheet(await readFile(file));
    return data.map((row) => row.map(cellText));
  }
  throw new Error(`${file}: expected a .csv or .xlsx point table`);
}

/** Writes a sheet as `.csv` (UTF-8 with a BOM, so Excel opens Chinese text right) or `.xlsx`. */
export async function writeTableFile(file: string, sheet: Sheet): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return writeFile(file, `\uFEFF${sheet.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`);
  if (ext === '.xlsx') {
    const data: Cell[][] = sheet.map((r, i) => r.map((v) => (i === 0 ? { value: String(v), fontWeight: 'bold' as const } : v === '' ? null : v)));
    const widths = (sheet[0] ?? []).map((_, j) => ({ width: Math.min(48, Math.max(8, ...sheet.map((r) => String(r[j] ?? '').length + 2))) }));
    return writeXlsxFile(data, { columns: widths, sheet: 'points', stickyRowsCount: 1 }).toFile(file);
  }
  throw new Error(`${file}: expected a .csv or .xlsx file name`);
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  return String(v as string | number | boolean);
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; a leading BOM is dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
