/**
 * Streams a Parquet file as numeric chunks of selected columns, one row group at a time.
 *
 * hyparquet reads only the selected column chunks of one row group, so memory is bounded by a row
 * group of the selected columns, never the file. hyparquet-compressors supplies ZSTD, GZIP, Brotli
 * and LZ4: most files written by pyarrow, Spark or DuckDB use ZSTD or Snappy and fail without them.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema, parquetScan } from 'hyparquet';
import type { AsyncBuffer, DecodedArray, FileMetaData, SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputFileError } from './input-error.ts';
import {
  ChunkBuilder,
  columnPositions,
  parseNumericText,
  type ChunkRequest,
  type NumericChunk,
  type TabularSource,
} from './tabular.ts';

const NUMERIC_TYPES = new Set(['BOOLEAN', 'INT32', 'INT64', 'FLOAT', 'DOUBLE']);
// Physical integers that hyparquet turns into dates, times or other non-numbers.
const NON_NUMERIC_CONVERSIONS = new Set([
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'INTERVAL',
]);

/**
 * Opens a Parquet file and reads its footer (schema and row groups). With `rows` (a range of whole row
 * groups), only those rows are read, and keep their row indexes within the file.
 */
export async function openParquet(
  file: string,
  rows?: { start: number; end: number },
): Promise<TabularSource> {
  try {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    return new ParquetSource(file, buffer, metadata, rows);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    const detail = `Cannot read the Parquet footer: ${(error as Error).message}`;
    throw new InputFileError('UnreadableInput', file, detail);
  }
}

function isNumeric(element: SchemaElement): boolean {
  if (element.type === undefined || !NUMERIC_TYPES.has(element.type)) return false;
  if (element.converted_type !== undefined && NON_NUMERIC_CONVERSIONS.has(element.converted_type))
    return false;
  const logical = element.logical_type?.type;
  return logical === undefined || logical === 'INTEGER' || logical === 'DECIMAL' || logical === 'FLOAT16';
}

class ParquetSource implements TabularSource {
  readonly file: string;
  readonly columns: readonly string[];
  readonly numericColumns: readonly string[];
  readonly #buffer: AsyncBuffer;
  readonly #metadata: FileMetaData;
  readonly #rows: { start: number; end: number } | undefined;

  constructor(
    file: string,
    buffer: AsyncBuffer,
    metadata: FileMetaData,
    rows?: { start: number; end: number },
  ) {
    this.file = file;
    this.#rows = rows;
    this.#buffer = buffer;
    this.#metadata = metadata;
    const top = parquetSchema(metadata).children;
    this.columns = top.map((child) => child.element.name);
    this.numericColumns = top
      .filter((child) => child.children.length === 0 && isNumeric(child.element))
      .map((child) => child.element.name);
  }

  async *chunks(request: ChunkRequest): AsyncGenerator<NumericChunk> {
    columnPositions(this.file, this.columns, request.columns);
    const width = request.columns.length;
    const scan = await parquetScan({
      file: this.#buffer,
      metadata: this.#metadata,
      columns: [...request.columns],
      compressors,
      ...(this.#rows ? { rowStart: this.#rows.start, rowEnd: this.#rows.end } : {}),
    });
    const builder = new ChunkBuilder(width, request.chunkRows, request.dtype, this.#rows?.start ?? 0);
    for (const range of scan.ranges) {
      const rows = range.rowEnd - range.rowStart;
      const block =
        request.dtype === 'float64' ? new Float64Array(rows * width) : new Float32Array(rows * width);
      for (const [slot, column] of request.columns.entries()) {
        const data = await this.#readColumn(
          () => scan.readColumn({ column, ...range }),
          column,
          range.rowStart,
        );
        this.#interleave(data, block, slot, width, column, range.rowStart);
      }
      // Rows are copied into the builder so chunks keep one size across row-group boundaries.
      for (let row = 0; row < rows;) {
        const take = Math.min(rows - row, builder.space);
        builder.values.set(block.subarray(row * width, (row + take) * width), builder.offset);
        row += take;
        const chunk = builder.commit(take);
        if (chunk) yield chunk;
      }
    }
    const last = builder.flush();
    if (last) yield last;
  }

  async #readColumn(read: () => Promise<DecodedArray>, column: string, row: number): Promise<DecodedArray> {
    try {
      return await read();
    } catch (error) {
      throw new InputFileError(
        'UnreadableInput',
        this.file,
        `Cannot read column data: ${(error as Error).message}`,
        {
          row,
          column,
        },
      );
    }
  }

  #interleave(
    data: DecodedArray,
    out: Float32Array | Float64Array,
    slot: number,
    width: number,
    column: string,
    firstRow: number,
  ): void {
    for (let i = 0; i < data.length; i++) {
      const value: unknown = data[i];
      let number: number | undefined;
      if (typeof value === 'number') number = value;
      else if (typeof value === 'bigint') number = Number(value);
      else if (typeof value === 'boolean') number = value ? 1 : 0;
      else if (value === null || value === undefined) number = NaN;
      else if (typeof value === 'string') number = parseNumericText(value);
      if (number === undefined) {
        const shown = value instanceof Date ? value.toISOString() : JSON.stringify(value);
        throw new InputFileError('MalformedInput', this.file, `${shown} is not a number.`, {
          row: firstRow + i,
          column,
        });
      }
      out[i * width + slot] = number;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
