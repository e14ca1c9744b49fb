/**
 * Streams a JSON Lines file (one object per line) as numeric chunks of selected columns.
 *
 * The columns are the keys of the first object; later objects are looked up by name, so key order
 * may vary. Values follow pandas' reading of records: numbers as they are, null or a missing key as
 * NaN, booleans as 1/0, numeric strings parsed. Anything else fails the file at its line.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { InputFileError, placedAtRow } from './input-error.ts';
import {
  ChunkBuilder,
  columnPositions,
  parseNumericText,
  type ChunkRequest,
  type NumericChunk,
  type TabularSource,
} from './tabular.ts';

type JsonRecord = Record<string, unknown>;

/**
 * Opens a JSONL file and reads its first object, which names the columns. With a `range` (bytes of
 * whole lines, and the file's row index of the first object in them), only those lines are scored;
 * the columns still come from the file's first object, as when the file is scored whole.
 */
export async function openJsonl(
  file: string,
  range?: { start: number; end: number; firstRow: number },
): Promise<TabularSource> {
  const head = await openWhole(file);
  if (range === undefined) return head;
  await head.close();
  const stream = createReadStream(file, { start: range.start, end: Math.max(range.start, range.end - 1) });
  // createReadStream reads at least one byte; an empty range gets an empty stream of lines instead.
  const input = range.end > range.start ? stream : Readable.from([]);
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const columnsOf = head.columns.length > 0 ? head.firstRecord : undefined;
  return new JsonlSource(file, stream, lines, 0, columnsOf, range.firstRow);
}

async function openWhole(file: string): Promise<JsonlSource> {
  const stream = createReadStream(file);
  const lines = createInterface({ input: stream, crlfDelay: Infinity })[Symbol.asyncIterator]();
  try {
    let lineNumber = 0;
    for (;;) {
      const next = await lines.next();
      if (next.done === true) return new JsonlSource(file, stream, lines, lineNumber, undefined);
      lineNumber++;
      if (next.value.trim() === '') continue;
      const first = parseRecord(file, next.value, lineNumber);
      return new JsonlSource(file, stream, lines, lineNumber, first);
    }
  } catch (error) {
    stream.destroy();
    throw error;
  }
}

function parseRecord(file: string, text: string, line: number): JsonRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputFileError('MalformedInput', file, `Invalid JSON: ${(error as Error).message}`, { line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputFileError('MalformedInput', file, 'Expected a JSON object on each line.', { line });
  }
  return value as JsonRecord;
}

function cellValue(file: string, value: unknown, line: number, column: string): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return NaN;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const parsed = parseNumericText(value);
    if (parsed !== undefined) return parsed;
  }
  const shown = JSON.stringify(value);
  throw new InputFileError('MalformedInput', file, `${shown} is not a number.`, { line, column });
}

class JsonlSource implements TabularSource {
  readonly file: string;
  readonly columns: readonly string[];
  readonly numericColumns: readonly string[];
  readonly #stream: ReadStream;
  readonly #lines: AsyncIterator<string>;
  readonly #firstLine: number;
  readonly #first: JsonRecord | undefined;
  /** Set for a range: the file's row index of its first object, which is not `first` (read apart). */
  readonly #rangeRow: number | undefined;

  constructor(
    file: string,
    stream: ReadStream,
    lines: AsyncIterator<string>,
    line: number,
    first?: JsonRecord,
    rangeRow?: number,
  ) {
    this.file = file;
    this.#stream = stream;
    this.#lines = lines;
    this.#firstLine = line;
    this.#first = first;
    this.#rangeRow = rangeRow;
    this.columns = first === undefined ? [] : Object.keys(first);
    this.numericColumns = this.columns.filter((name) => {
      const value = first?.[name];
      return typeof value === 'number' || typeof value === 'boolean';
    });
  }

  async *chunks(request: ChunkRequest): AsyncGenerator<NumericChunk> {
    let row = this.#rangeRow ?? 0;
    try {
      if (this.#first === undefined) return;
      columnPositions(this.file, this.columns, request.columns);
      const builder = new ChunkBuilder(
        request.columns.length,
        request.chunkRows,
        request.dtype,
        this.#rangeRow,
      );
      const put = (record: JsonRecord, line: number): NumericChunk | undefined => {
        const values = builder.values;
        const offset = builder.offset;
        request.columns.forEach((name, slot) => {
          values[offset + slot] = cellValue(this.file, record[name], line, name);
        });
        return builder.commit();
      };
      let line = this.#firstLine;
      let chunk = this.#rangeRow === undefined ? put(this.#first, line) : undefined;
      if (chunk) yield chunk;
      for (;;) {
        const next = await this.#lines.next();
        if (next.done === true) break;
        line++;
        if (next.value.trim() === '') continue;
        row = builder.nextRow;
        chunk = put(parseRecord(this.file, next.value, line), line);
        if (chunk) yield chunk;
      }
      const last = builder.flush();
      if (last) yield last;
    } catch (error) {
      throw this.#rangeRow === undefined ? error : placedAtRow(error, row);
    } finally {
      await this.close();
    }
  }

  /** The first object of the file, which named the columns. */
  get firstRecord(): JsonRecord | undefined {
    return this.#first;
  }

  close(): Promise<void> {
    this.#stream.destroy();
    return Promise.resolve();
  }
}
