/**
 * Streams a CSV file (header row, then one record per line) as numeric chunks of selected columns.
 *
 * The file is read in 1 MiB blocks through a sliding window and never held whole. Lines go through
 * the byte-level fast path (`csv-line-scanner.ts`); the first line holding a double quote hands the
 * rest of the file to csv-parse, which handles quoting and quoted newlines. Blank lines are skipped
 * as pandas skips them, so row numbers count records, while error messages give physical lines.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { InputFileError, placedAtRow } from './input-error.ts';
import {
  BAD_NUMBER,
  END_OF_INPUT,
  HAS_QUOTE,
  NEED_MORE,
  newLineState,
  scanLine,
  type ByteSpan,
} from './csv-line-scanner.ts';
import {
  ChunkBuilder,
  columnPositions,
  parseNumericText,
  type ChunkRequest,
  type NumericChunk,
  type TabularSource,
} from './tabular.ts';

const BLOCK_BYTES = 1 << 20;
const LF = 10;

/** A sliding window over the file: bytes before `start` are consumed, `[start, end)` are not. */
class ByteWindow implements ByteSpan {
  buf = Buffer.allocUnsafe(BLOCK_BYTES);
  start = 0;
  end = 0;
  eof = false;
  /** Every byte read passes through here once, so the manifest's sha256 costs no second read. */
  readonly hash = createHash('sha256');
  size = 0;
  readonly #handle: FileHandle;
  /** Where the next read starts in a range (null: the handle's own position), and where it stops. */
  #position: number | null = null;
  readonly #limit: number = Infinity;

  constructor(handle: FileHandle, range?: { start: number; end: number }) {
    this.#handle = handle;
    if (range) {
      this.#position = range.start;
      this.#limit = range.end;
    }
  }

  /** Reads up to `length` bytes into `into` at `offset`, never past the range's end. */
  async #read(into: Buffer, offset: number, length: number): Promise<number> {
    const position = this.#position;
    const want = position === null ? length : Math.min(length, this.#limit - position);
    if (want <= 0) return 0;
    const { bytesRead } = await this.#handle.read(into, offset, want, position);
    if (position !== null) this.#position = position + bytesRead;
    return bytesRead;
  }

  #seen(bytes: Buffer): void {
    this.hash.update(bytes);
    this.size += bytes.length;
  }

  /** Moves the unconsumed bytes to the front, then reads more after them (growing for long lines). */
  async refill(): Promise<void> {
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const bytesRead = await this.#read(this.buf, this.end, this.buf.length - this.end);
    if (bytesRead === 0) this.eof = true;
    this.#seen(this.buf.subarray(this.end, this.end + bytesRead));
    this.end += bytesRead;
  }

  /** The line `skip` bytes after `start`, as [from, to) without its terminator, reading as needed. */
  async lineAfter(skip: number): Promise<[number, number] | undefined> {
    for (;;) {
      const from = this.start + skip;
      const lf = this.buf.indexOf(LF, from);
      if (lf >= 0 && lf < this.end) return [from, lf > from && this.buf[lf - 1] === 13 ? lf - 1 : lf];
      if (this.eof) return from < this.end ? [from, this.end] : undefined;
      await this.refill();
    }
  }

  /** Reads the rest of the file, starting with the unconsumed bytes, as fresh buffers. */
  async *remaining(): AsyncGenerator<Buffer> {
    yield Buffer.from(this.buf.subarray(this.start, this.end));
    this.start = this.end;
    while (!this.eof) {
      const block = Buffer.allocUnsafe(BLOCK_BYTES);
      const bytesRead = await this.#read(block, 0, BLOCK_BYTES);
      if (bytesRead === 0) this.eof = true;
      else {
        this.#seen(block.subarray(0, bytesRead));
        yield block.subarray(0, bytesRead);
      }
    }
  }
}

/**
 * Opens a CSV file and reads its header and first record (to tell which columns are numeric). With a
 * `range` (bytes of whole records past the header, and the file's row index of the first), only those
 * records are streamed; the header and the column types still come from the file's start, so a range
 * is scored exactly as the same rows are within the whole file.
 */
export async function openCsv(
  file: string,
  range?: { start: number; end: number; firstRow: number },
): Promise<TabularSource> {
  const handle = await open(file, 'r');
  try {
    const window = new ByteWindow(handle);
    await window.refill();
    const bom = window.end >= 3 && window.buf[0] === 0xef && window.buf[1] === 0xbb && window.buf[2] === 0xbf;
    if (bom) window.start = 3;
    const header = await window.lineAfter(0);
    if (header === undefined) {
      throw new InputFileError('MalformedInput', file, 'The file is empty (no header row).');
    }
    const columns = splitRecord(window.buf.toString('utf8', header[0], header[1]));
    window.start = Math.min(header[1] + (window.buf[header[1]] === 13 ? 2 : 1), window.end);
    const numericColumns = await firstRecordNumericColumns(window, columns);
    if (range === undefined) return new CsvSource(file, handle, window, columns, numericColumns);
    const part = new ByteWindow(handle, range);
    return new CsvSource(file, handle, part, columns, numericColumns, range.firstRow);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function splitRecord(text: string): string[] {
  if (!text.includes('"')) return text.split(',');
  try {
    const rows = parseSync(text, { relax_quotes: true, relax_column_count: true });
    return rows[0] ?? [];
  } catch {
    // A quoted field that runs onto the next line: good enough for naming columns and guessing types.
    return text.split(',');
  }
}

async function firstRecordNumericColumns(window: ByteWindow, columns: readonly string[]): Promise<string[]> {
  let skip = 0;
  for (;;) {
    const line = await window.lineAfter(skip);
    if (line === undefined) return [];
    const text = window.buf.toString('utf8', line[0], line[1]);
    if (text.trim() !== '') {
      const fields = splitRecord(text);
      return columns.filter((_, i) => fields[i] !== undefined && parseNumericText(fields[i]) !== undefined);
    }
    skip = line[1] + 1 - window.start;
  }
}

function newlinesIn(record: readonly string[]): number {
  let count = 0;
  for (const field of record) {
    for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) count++;
  }
  return count;
}

class CsvSource implements TabularSource {
  readonly file: string;
  readonly columns: readonly string[];
  readonly numericColumns: readonly string[];
  readonly #handle: FileHandle;
  readonly #window: ByteWindow;
  /** The file's row index of the first record read: 0, or where a range starts. */
  readonly #firstRow: number | undefined;
  #closed = false;

  constructor(
    file: string,
    handle: FileHandle,
    window: ByteWindow,
    columns: string[],
    numeric: string[],
    firstRow?: number,
  ) {
    this.file = file;
    this.#firstRow = firstRow;
    this.#handle = handle;
    this.#window = window;
    this.columns = columns;
    this.numericColumns = numeric;
  }

  digest(): { size: number; sha256: string } | undefined {
    const window = this.#window;
    // A range saw only part of the file, so it has no digest of the file; the manifest hashes it.
    return window.eof && this.#firstRow === undefined
      ? { size: window.size, sha256: window.hash.copy().digest('hex') }
      : undefined;
  }

  async *chunks(request: ChunkRequest): AsyncGenerator<NumericChunk> {
    const positions = columnPositions(this.file, this.columns, request.columns);
    const slots = new Int32Array(this.columns.length).fill(-1);
    positions.forEach((position, slot) => (slots[position] = slot));
    const builder = new ChunkBuilder(
      request.columns.length,
      request.chunkRows,
      request.dtype,
      this.#firstRow,
    );
    const window = this.#window;
    const state = newLineState();
    let line = 1;
    try {
      for (let pos = window.start; ;) {
        const next = scanLine(window, pos, slots, builder.values, builder.offset, state);
        if (next >= 0) {
          line++;
          pos = next;
          if (state.blank) continue;
          this.#checkFieldCount(state.fieldCount, line);
          const chunk = builder.commit();
          if (chunk) yield chunk;
        } else if (next === NEED_MORE) {
          window.start = pos;
          await window.refill();
          pos = window.start;
        } else if (next === BAD_NUMBER) {
          throw this.#notANumber(line + 1, state.badField, state.badText);
        } else if (next === HAS_QUOTE) {
          window.start = pos;
          yield* this.#quotedRest(builder, slots, line);
          return;
        } else if (next === END_OF_INPUT) {
          break;
        }
      }
      const last = builder.flush();
      if (last) yield last;
    } catch (error) {
      throw this.#firstRow === undefined ? error : placedAtRow(error, builder.nextRow);
    } finally {
      await this.close();
    }
  }

  /** The rest of the file through csv-parse, from the line at `window.start` (line `linesDone + 1`). */
  async *#quotedRest(
    builder: ChunkBuilder,
    slots: Int32Array,
    linesDone: number,
  ): AsyncGenerator<NumericChunk> {
    const parser = Readable.from(this.#window.remaining()).pipe(
      parse({ relax_column_count: true, skip_empty_lines: true, info: true }),
    );
    const records = parser as AsyncIterable<{ record: string[]; info: Info }>;
    try {
      for await (const { record, info } of records) {
        // csv-parse counts lines up to the record's end; errors name the line where it starts.
        const line = linesDone + info.lines - newlinesIn(record);
        this.#checkFieldCount(record.length, line);
        const values = builder.values;
        const offset = builder.offset;
        for (let field = 0; field < record.length; field++) {
          const slot = slots[field] ?? -1;
          if (slot < 0) continue;
          const text = record[field] ?? '';
          const value = parseNumericText(text);
          if (value === undefined) throw this.#notANumber(line, field, text);
          values[offset + slot] = value;
        }
        const chunk = builder.commit();
        if (chunk) yield chunk;
      }
    } catch (error) {
      if (error instanceof InputFileError) throw error;
      const lines = (error as { lines?: number }).lines;
      const place = lines === undefined ? {} : { line: linesDone + lines };
      // csv-parse counts lines from where it took over; the place above is the file's line.
      const message = (error as Error).message.replace(/ at line \d+/, '');
      throw new InputFileError('MalformedInput', this.file, `CSV parse error: ${message}`, place);
    }
    const last = builder.flush();
    if (last) yield last;
  }

  #checkFieldCount(count: number, line: number): void {
    if (count === this.columns.length) return;
    const detail = `Expected ${this.columns.length} fields (as in the header), saw ${count}.`;
    throw new InputFileError('MalformedInput', this.file, detail, { line });
  }

  #notANumber(line: number, field: number, text: string): InputFileError {
    const column = this.columns[field] ?? `#${field}`;
    return new InputFileError('MalformedInput', this.file, `'${text}' is not a number.`, { line, column });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}
