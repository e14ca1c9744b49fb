/**
 * The first rows of a CSV, JSON Lines or Parquet file as columns and rows, for a person glancing at a
 * datastore. A preview never reads a whole text file: it takes at most `maxBytes` from the head of the
 * stream, destroys the stream, and parses the complete lines it got. Parquet keeps its schema at the end,
 * so it is read through random access (a local file is opened in place and hyparquet fetches only the
 * footer and the first row group's columns); a remote one is buffered, and refused when it is bigger than
 * `maxParquetBytes`. Every cell comes back as JSON: big integers beyond 2^53 and binary values as text.
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { AsyncBuffer } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ValidationError } from '../core/errors.ts';

export type PreviewFormat = 'csv' | 'jsonl' | 'parquet';
export type Cell = string | number | boolean | null;

export interface TablePreview {
  format: PreviewFormat;
  columns: string[];
  rows: Cell[][];
  /** True when the file has more rows than the preview shows (or it stopped at the byte limit). */
  truncated: boolean;
  /** Parquet knows its row count from the footer; text formats would have to read the whole file. */
  totalRows?: number;
}

export interface PreviewLimits {
  rows: number;
  /** Most bytes read from the head of a text file. */
  maxBytes: number;
  /** Biggest remote Parquet file buffered for a preview. */
  maxParquetBytes: number;
}

const FORMATS: [RegExp, PreviewFormat][] = [
  [/\.(csv|tsv|txt)$/i, 'csv'],
  [/\.(jsonl|ndjson)$/i, 'jsonl'],
  [/\.(parquet|pq)$/i, 'parquet'],
];

/** The format a file name says it is, or undefined when it is none a preview reads. */
export function previewFormat(path: string): PreviewFormat | undefined {
  return FORMATS.find(([pattern]) => pattern.test(path))?.[1];
}

/** At most `maxBytes` from the stream's start; the stream is destroyed as soon as that much arrived. */
export async function readHead(
  stream: Readable,
  maxBytes: number,
): Promise<{ head: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      chunks.push(buf);
      size += buf.length;
      if (size > maxBytes) return { head: Buffer.concat(chunks).subarray(0, maxBytes), complete: false };
    }
    return { head: Buffer.concat(chunks), complete: true };
  } finally {
    stream.destroy();
  }
}

/** The head up to its last complete line, when the file went on past it. */
function completeLines(head: Buffer, complete: boolean): string {
  const text = head.toString('utf8');
  if (complete) return text;
  const end = text.lastIndexOf('\n');
  return end < 0 ? '' : text.slice(0, end + 1);
}

function jsonCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return `<${String(value.length)} bytes>`;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A delimited text file: the first line names the columns (tab-separated when the header has tabs). */
export async function previewCsv(stream: Readable, limits: PreviewLimits): Promise<TablePreview> {
  const { head, complete } = await readHead(stream, limits.maxBytes);
  const text = completeLines(head, complete).replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const records: string[][] = [];
  const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
  await new Promise<void>((resolve) => {
    parser.on('readable', () => {
      let record: unknown;
      while ((record = parser.read()) !== null) {
        // The header, the rows shown, and one more to know whether there are more.
        if (records.length < limits.rows + 2) records.push(record as string[]);
      }
    });
    // The head may end inside a quoted field; the rows before it still stand.
    parser.on('error', () => {
      resolve();
    });
    parser.on('end', resolve);
    parser.end(text);
  });
  const [header = [], ...rest] = records;
  const width = Math.max(header.length, ...rest.map((r) => r.length));
  const columns = Array.from({ length: width }, (_, i) => header[i] ?? `column${String(i + 1)}`);
  return {
    format: 'csv',
    columns,
    rows: rest.slice(0, limits.rows),
    truncated: rest.length > limits.rows || !complete,
  };
}

/** JSON Lines: one object per line; the columns are the keys in the order they first appear. */
export async function previewJsonLines(stream: Readable, limits: PreviewLimits): Promise<TablePreview> {
  const { head, complete } = await readHead(stream, limits.maxBytes);
  const lines = completeLines(head, complete)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const objects: Record<string, unknown>[] = [];
  for (const [i, line] of lines.slice(0, limits.rows).entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ValidationError(
        `Line ${String(i + 1)} is not JSON; a JSON Lines file has one value a line.`,
        'path',
      );
    }
    objects.push(
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : { value },
    );
  }
  const columns = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return {
    format: 'jsonl',
    columns,
    rows: objects.map((o) => columns.map((c) => jsonCell(o[c]))),
    truncated: lines.length > limits.rows || !complete,
  };
}

/** A Parquet file through random access: only the footer and the columns of the first rows are read. */
export async function previewParquet(file: AsyncBuffer, limits: PreviewLimits): Promise<TablePreview> {
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new ValidationError(`Not a readable Parquet file: ${(error as Error).message}`, 'path');
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const total = Number(metadata.num_rows);
  const objects = await parquetReadObjects({
    file,
    metadata,
    rowStart: 0,
    rowEnd: Math.min(limits.rows, total),
    compressors,
  });
  return {
    format: 'parquet',
    columns,
    rows: objects.map((o) => columns.map((c) => jsonCell((o as Record<string, unknown>)[c]))),
    truncated: total > limits.rows,
    totalRows: total,
  };
}

/** A local file opened for random access. */
export function parquetFromFile(path: string): Promise<AsyncBuffer> {
  return asyncBufferFromFile(path);
}

/** A remote Parquet file held in memory, refused when it is bigger than the limit. */
export async function parquetFromStream(
  stream: Readable,
  size: number,
  limits: PreviewLimits,
): Promise<AsyncBuffer> {
  if (size > limits.maxParquetBytes) {
    stream.destroy();
    throw new ValidationError(
      `The Parquet file is ${String(size)} bytes; a remote Parquet file is previewed up to ` +
        `${String(limits.maxParquetBytes)} bytes. Download it instead.`,
      'path',
    );
  }
  const { head } = await readHead(stream, limits.maxParquetBytes);
  // A copy into its own ArrayBuffer: the head may share a pooled buffer with other data.
  const bytes = new Uint8Array(head).buffer;
  return { byteLength: bytes.byteLength, slice: (start, end) => bytes.slice(start, end) };
}
