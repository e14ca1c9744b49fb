/**
 * Mini-batches of part of a tabular file: how a deployment asks for them (`mini_batch_size: "64MB"` or
 * `"100000 rows"`) and how a mini-batch names the part it scores. A part travels as the mini-batch's
 * `files` entry, the file's path with a fragment, so every worker (this server's pool or a
 * `nightshift worker` elsewhere) reads the same rows without a new column in the store:
 *
 * - `data/big.csv#bytes=1024-2048&row=500`: CSV and JSONL, the records in bytes [1024, 2048) whose
 *   first is row 500 of the file (rows count records, not physical lines, and exclude the header);
 * - `data/big.parquet#rows=0-131072`: Parquet, rows [0, 131072), whole row groups.
 *
 * Only a fragment of exactly this shape is a range, so a path that merely contains `#` stays a path.
 */

/** A size in bytes or a count of rows per mini-batch, for tabular files. */
export type SplitSize = { unit: 'bytes' | 'rows'; count: number };

export type FileRange =
  | { kind: 'bytes'; start: number; end: number; firstRow: number }
  | { kind: 'rows'; start: number; end: number };

export interface RangeRef {
  path: string;
  range?: FileRange;
}

const UNITS: Record<string, number> = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const SIZE = /^\s*(\d+)\s*(KB|MB|GB)\s*$/i;
const ROWS = /^\s*(\d+)\s*rows?\s*$/i;

/**
 * The split a `mini_batch_size` text asks for: `"64MB"`, `"64 MB"` (KB, MB, GB are powers of 1024, as
 * Azure's tabular parallel jobs read them) or `"100000 rows"`; undefined for anything else (a plain
 * number is a count of files, read elsewhere).
 */
export function parseSplitSize(text: string): SplitSize | undefined {
  const size = SIZE.exec(text);
  if (size?.[1] && size[2]) {
    const count = Number(size[1]) * (UNITS[size[2].toUpperCase()] ?? 1);
    return count >= 1 ? { unit: 'bytes', count } : undefined;
  }
  const rows = ROWS.exec(text);
  if (rows?.[1]) {
    const count = Number(rows[1]);
    return count >= 1 ? { unit: 'rows', count } : undefined;
  }
  return undefined;
}

/** The canonical spelling of a split (`64MB`, `1000 rows`), as the deployment shows it. */
export function formatSplitSize(text: string): string | undefined {
  const size = SIZE.exec(text);
  if (size?.[1] && size[2] && Number(size[1]) >= 1) return `${Number(size[1])}${size[2].toUpperCase()}`;
  const rows = ROWS.exec(text);
  if (rows?.[1] && Number(rows[1]) >= 1) return `${Number(rows[1])} rows`;
  return undefined;
}

export function rangeRef(path: string, range: FileRange): string {
  return range.kind === 'bytes'
    ? `${path}#bytes=${range.start}-${range.end}&row=${range.firstRow}`
    : `${path}#rows=${range.start}-${range.end}`;
}

const BYTES_FRAGMENT = /#bytes=(\d+)-(\d+)&row=(\d+)$/;
const ROWS_FRAGMENT = /#rows=(\d+)-(\d+)$/;

/** The file and range a mini-batch entry names; a plain path has no range. */
export function parseRangeRef(entry: string): RangeRef {
  const bytes = BYTES_FRAGMENT.exec(entry);
  if (bytes) {
    const [start, end, firstRow] = [bytes[1], bytes[2], bytes[3]].map(Number) as [number, number, number];
    if (start <= end)
      return { path: entry.slice(0, bytes.index), range: { kind: 'bytes', start, end, firstRow } };
  }
  const rows = ROWS_FRAGMENT.exec(entry);
  if (rows) {
    const [start, end] = [rows[1], rows[2]].map(Number) as [number, number];
    if (start <= end) return { path: entry.slice(0, rows.index), range: { kind: 'rows', start, end } };
  }
  return { path: entry };
}
