/**
 * Which reader handles a file, decided by its extension the way Azure's no-code driver decides:
 * csv/parquet/pqt are tables, png/jpg/jpeg/tiff/bmp/gif are images, and anything else fails that
 * file with Azure's own message. JSONL is our addition (Azure has no JSONL input).
 */
import { extname } from 'node:path';
import { parseRangeRef } from '../../core/row-ranges.ts';
import { openCsv } from './csv-reader.ts';
import { InputFileError } from './input-error.ts';
import type { TabularSource } from './tabular.ts';

export type TabularFormat = 'csv' | 'parquet' | 'jsonl';
export type InputFormat = { kind: 'tabular'; format: TabularFormat } | { kind: 'image' };

const FORMATS: Record<string, InputFormat> = {
  csv: { kind: 'tabular', format: 'csv' },
  parquet: { kind: 'tabular', format: 'parquet' },
  pqt: { kind: 'tabular', format: 'parquet' },
  jsonl: { kind: 'tabular', format: 'jsonl' },
  png: { kind: 'image' },
  jpg: { kind: 'image' },
  jpeg: { kind: 'image' },
  tiff: { kind: 'image' },
  bmp: { kind: 'image' },
  gif: { kind: 'image' },
};

/** The format of `file`, or an InputFileError carrying Azure's "File type ... is not supported". */
export function inputFormatOf(file: string): InputFormat {
  const extension = extname(parseRangeRef(file).path).slice(1);
  const format = FORMATS[extension.toLowerCase()];
  if (format === undefined) {
    throw new InputFileError('UnsupportedFileType', file, `File type '${extension}' is not supported`);
  }
  return format;
}

/**
 * Parquet and JSONL readers are loaded on first use: a worker's start-up is on the path from invoke to
 * the first prediction, and most jobs read one format. `file` may name a range of the file (see
 * core/row-ranges.ts); a range of the wrong kind for the format is an error of the engine, not the input.
 */
export async function openTabular(file: string, format: TabularFormat): Promise<TabularSource> {
  const { path, range } = parseRangeRef(file);
  if (range !== undefined && (range.kind === 'rows') !== (format === 'parquet')) {
    throw new Error(`A ${range.kind} range cannot be read from a ${format} file (${file}).`);
  }
  const bytes = range?.kind === 'bytes' ? range : undefined;
  if (format === 'csv') return openCsv(path, bytes);
  if (format === 'parquet') {
    const rows = range?.kind === 'rows' ? range : undefined;
    return (await import('./parquet-reader.ts')).openParquet(path, rows);
  }
  return (await import('./jsonl-reader.ts')).openJsonl(path, bytes);
}
