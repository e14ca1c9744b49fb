/**
 * Copies a Parquet file to CSV, one row group at a time, for the Python MLflow scorer: pandas needs
 * pyarrow or fastparquet to read Parquet, and Debian ships neither, while our own reader (hyparquet, with
 * ZSTD) reads it fine. Only the worker's temp folder sees the copy; the scorer still names the original.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  const text =
    value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function parquetToCsv(source: string, target: string): Promise<void> {
  const file = await asyncBufferFromFile(source);
  const metadata = await parquetMetadataAsync(file);
  const columns = metadata.schema.slice(1).map((element) => element.name);
  const out = createWriteStream(target);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    await write(`${columns.map(csvField).join(',')}\n`);
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const rows = await parquetReadObjects({ file, metadata, compressors, rowStart, rowEnd });
      let chunk = '';
      for (const row of rows) chunk += `${columns.map((c) => csvField(row[c])).join(',')}\n`;
      await write(chunk);
      rowStart = rowEnd;
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
}
