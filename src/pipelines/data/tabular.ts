/**
 * Copy's tabular path: DelimitedText read with the source dataset's settings (delimiter, quote, escape,
 * header) and written as DelimitedText with the sink's settings or as Parquet. Rows stream through in
 * batches; Parquet row groups are written as batches arrive and flushed to the sink's upload as they are
 * made, so neither side holds a whole file. As Copy does without a schema mapping, every column is text:
 * Parquet columns are UTF8 strings named from the header, or Prop_0, Prop_1... without one.
 */
import { PassThrough, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Json } from '../../core/wire-values.ts';

export interface DelimitedSettings {
  columnDelimiter: string;
  rowDelimiter: string;
  quoteChar: string;
  escapeChar: string;
  firstRowAsHeader: boolean;
  nullValue: string;
}

const BATCH_ROWS = 10_000;
const FLUSH_BYTES = 1 << 20;

function textSetting(settings: Json, key: string, fallback: string): string {
  const value = settings[key];
  return typeof value === 'string' ? value : fallback;
}

/** The dataset's DelimitedText settings with Data Factory's defaults (Copy writes CRLF rows). */
export function delimitedSettings(settings: Json): DelimitedSettings {
  return {
    columnDelimiter: textSetting(settings, 'columnDelimiter', ','),
    rowDelimiter: textSetting(settings, 'rowDelimiter', '\r\n'),
    quoteChar: textSetting(settings, 'quoteChar', '"'),
    escapeChar: textSetting(settings, 'escapeChar', '\\'),
    firstRowAsHeader: settings['firstRowAsHeader'] === true || settings['firstRowAsHeader'] === 'true',
    nullValue: textSetting(settings, 'nullValue', ''),
  };
}

/** Records of a DelimitedText stream, as arrays of text. */
export function readRecords(source: Readable, s: DelimitedSettings): AsyncIterable<string[]> {
  const parser = parse({
    delimiter: s.columnDelimiter,
    quote: s.quoteChar === '' ? false : s.quoteChar,
    // The same character as the quote means doubled quotes, csv-parse's default.
    escape: s.escapeChar === '' ? s.quoteChar || null : s.escapeChar,
    relax_column_count: true,
    skip_empty_lines: true,
    bom: true,
  });
  source.on('error', (error) => parser.destroy(error));
  return source.pipe(parser) as AsyncIterable<string[]>;
}

function quoted(value: string, s: DelimitedSettings): string {
  const needs =
    value.includes(s.columnDelimiter) ||
    value.includes('\n') ||
    value.includes('\r') ||
    (s.quoteChar !== '' && value.includes(s.quoteChar));
  if (!needs || s.quoteChar === '') return value;
  const escape = s.escapeChar === '' ? s.quoteChar : s.escapeChar;
  return `${s.quoteChar}${value.split(s.quoteChar).join(`${escape}${s.quoteChar}`)}${s.quoteChar}`;
}

export function formatRecord(record: readonly string[], s: DelimitedSettings): string {
  return record.map((v) => quoted(v, s)).join(s.columnDelimiter) + s.rowDelimiter;
}

/** Header names of the first record, or Prop_N (Data Factory's names for columns without a header). */
export function columnNames(first: readonly string[], header: boolean): string[] {
  return first.map((name, i) => (header && name !== '' ? name : `Prop_${i}`));
}

/** A hyparquet writer whose bytes leave through `out` as they are made (backpressure at each row group). */
class StreamingWriter extends ByteWriter {
  readonly #out: PassThrough;

  constructor(out: PassThrough) {
    super();
    this.#out = out;
  }

  /** Hands the bytes so far to `out`; false when `out` asks the writer to wait. */
  #drain(): boolean {
    if (this.index === 0) return true;
    const chunk = Buffer.from(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
    return this.#out.write(chunk);
  }

  override ensure(size: number): void {
    if (this.index > FLUSH_BYTES) this.#drain();
    super.ensure(size);
  }

  /** Called by the writer after each row group; it awaits the promise before encoding more. */
  flush(): Promise<void> {
    if (this.#drain()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#out.once('drain', () => {
        resolve();
      });
    });
  }

  override finish(): void {
    this.#drain();
  }
}

/** Writes record batches as a Parquet file of text columns into `out`, then ends it. */
export class ParquetRowSink {
  readonly #out: PassThrough;
  #writer: ParquetWriter | undefined;
  #names: string[] = [];

  constructor(out: PassThrough) {
    this.#out = out;
  }

  start(names: readonly string[]): void {
    this.#names = [...names];
    this.#writer = new ParquetWriter({
      writer: new StreamingWriter(this.#out),
      schema: [
        { name: 'root', num_children: names.length },
        ...names.map((name) => ({
          name,
          type: 'BYTE_ARRAY' as const,
          converted_type: 'UTF8' as const,
          repetition_type: 'OPTIONAL' as const,
        })),
      ],
      createdBy: 'Nightshift Copy activity',
    });
  }

  async write(rows: readonly (readonly string[])[], nullValue: string): Promise<void> {
    if (rows.length === 0 || this.#writer === undefined) return;
    const columnData = this.#names.map((name, i) => ({
      name,
      data: rows.map((row) => {
        const value = row[i];
        return value === undefined || value === nullValue ? null : value;
      }),
    }));
    await this.#writer.write({ columnData, rowGroupSize: BATCH_ROWS });
  }

  async end(): Promise<void> {
    if (this.#writer === undefined) this.start([]);
    await this.#writer?.finish();
    this.#out.end();
  }
}

export const ROW_BATCH = BATCH_ROWS;
