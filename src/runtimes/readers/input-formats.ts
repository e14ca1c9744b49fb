/**
 * Which reader handles a file, decided by its extension the way Azure's no-code driver decides:
 * csv/parquet/pqt are tables, png/jpg/jpeg/tiff/bmp/gif are images, and anything else fails that
 * file with Azure's own message. JSONL is our addition (Azure has no JSONL input).
 */
import { extname } from 'node:path';
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
  const extension = extname(file).slice(1);
  const format = FORMATS[extension.toLowerCase()];
  if (format === undefined) {
    throw new InputFileError('UnsupportedFileType', file, `File type '${extension}' is not supported`);
  }
  return format;
}

/**
 * Parquet and JSONL readers are loaded on first use: a worker's start-up is on the path from invoke to
 * the first prediction, and most jobs read one format.
 */
export async function openTabular(file: string, format: TabularFormat): Promise<TabularSource> {
  if (format === 'csv') return openCsv(file);
  if (format === 'parquet') return (await import('./parquet-reader.ts')).openParquet(file);
  return (await import('./jsonl-reader.ts')).openJsonl(file);
}
