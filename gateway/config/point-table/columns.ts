/**
 * The point table (点表): one row per point, the columns integrators keep in their spreadsheets.
 * The header cell of a column is its key, optionally followed by a label in other words
 * (`deviceId 设备编号`); only the key (the first word) is read, in any column order.
 */
export const COLUMNS = [
  { key: 'deviceId', label: '设备编号' },
  { key: 'deviceKind', label: '设备类型' },
  { key: 'deviceName', label: '设备名称' },
  { key: 'building', label: '楼栋' },
  { key: 'floor', label: '楼层' },
  { key: 'place', label: '位置' },
  { key: 'protocol', label: '协议' },
  /** Modbus `HOST:PORT` or `RTU:/dev/ttyUSB0@9600`; OPC UA the endpoint; MQTT the device's login. */
  { key: 'connection', label: '连接' },
  { key: 'unitId', label: '从站号' },
  { key: 'pointId', label: '点位编号' },
  { key: 'pointName', label: '点位名称' },
  /** Modbus register address (zero-based); OPC UA node id; MQTT topic (blank: the device's pattern). */
  { key: 'address', label: '地址/节点/主题' },
  /** Modbus table: coil, discrete-input, holding-register, input-register. */
  { key: 'table', label: '寄存器区' },
  /** Modbus bool/int16/uint16/int32/uint32/float32; MQTT json[:path]/number/boolean. */
  { key: 'type', label: '数据类型' },
  { key: 'wordOrder', label: '字序' },
  { key: 'byteOrder', label: '字节序' },
  { key: 'scale', label: '倍率' },
  { key: 'offset', label: '偏移' },
  { key: 'unit', label: '单位' },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];

/** One row as read: every cell as trimmed text (empty = not given), with its spreadsheet row number. */
export interface TableRow {
  /** 1-based, as the spreadsheet shows it (the header is row 1). */
  readonly row: number;
  readonly cells: Readonly<Partial<Record<ColumnKey, string>>>;
}

export const HEADER: readonly string[] = COLUMNS.map((c) => `${c.key} ${c.label}`);

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
