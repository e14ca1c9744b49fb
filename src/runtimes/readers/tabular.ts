/**
 * What the tabular readers (CSV, JSONL, Parquet) have in common: the source they open, the numeric
 * chunks they stream, and the rule for turning a text cell into a number.
 *
 * Chunks hold only the requested columns, row-major, in a typed array the scorer can hand to
 * onnxruntime without another copy. Each chunk says where its rows sit in the file, because the output
 * format (`row,prediction,file_name`) numbers rows within their file.
 */
import { InputFileError } from './input-error.ts';

export type NumericDType = 'float32' | 'float64';

export interface NumericChunk {
  /** 0-based index, within its file, of the chunk's first data row (a header is not a row). */
  readonly firstRow: number;
  readonly rowCount: number;
  /** `rowCount × columns` values, row-major, in the order the columns were requested. */
  readonly values: Float32Array | Float64Array;
}

export interface ChunkRequest {
  /** Columns to read, by name, in the order wanted within each row. */
  columns: readonly string[];
  /** Rows per chunk; the last chunk of a file may be shorter. */
  chunkRows: number;
  /** float32 by default; float64 when the model takes doubles or integers. */
  dtype?: NumericDType;
}

/** An open tabular file. `chunks()` streams it once; `close()` is safe to call at any point. */
export interface TabularSource {
  readonly file: string;
  /** Column names in file order. */
  readonly columns: readonly string[];
  /** Columns that hold numbers, judged from the schema (Parquet) or the first data row (CSV, JSONL). */
  readonly numericColumns: readonly string[];
  chunks(request: ChunkRequest): AsyncGenerator<NumericChunk>;
  close(): Promise<void>;
  /** Size and sha256 of the file when the reader read every byte of it, else undefined. */
  digest?(): { size: number; sha256: string } | undefined;
}

/** Fills fixed-size typed arrays row by row and hands each one out when it is full. */
export class ChunkBuilder {
  readonly width: number;
  readonly #chunkRows: number;
  readonly #dtype: NumericDType;
  #values: Float32Array | Float64Array;
  #rows = 0;
  #firstRow = 0;

  /** `firstRow` is the file's row index of the first row added: a range of a file starts past 0. */
  constructor(width: number, chunkRows: number, dtype: NumericDType = 'float32', firstRow = 0) {
    if (!Number.isInteger(chunkRows) || chunkRows < 1)
      throw new RangeError(`chunkRows must be >= 1, got ${chunkRows}`);
    this.width = width;
    this.#firstRow = firstRow;
    this.#chunkRows = chunkRows;
    this.#dtype = dtype;
    this.#values = this.#allocate();
  }

  /** The array the next row goes into. */
  get values(): Float32Array | Float64Array {
    return this.#values;
  }

  /** Where the next row's first value goes in `values`. */
  get offset(): number {
    return this.#rows * this.width;
  }

  /** Index within the file of the row being filled. */
  get nextRow(): number {
    return this.#firstRow + this.#rows;
  }

  /** Rows that still fit in the chunk being filled. */
  get space(): number {
    return this.#chunkRows - this.#rows;
  }

  /** Counts the rows just written (at most `space`); returns the chunk when that filled it. */
  commit(rows = 1): NumericChunk | undefined {
    this.#rows += rows;
    return this.#rows >= this.#chunkRows ? this.flush() : undefined;
  }

  /** Hands out the rows gathered so far, if any, and starts a new chunk. */
  flush(): NumericChunk | undefined {
    if (this.#rows === 0) return undefined;
    const full = this.#rows === this.#chunkRows;
    const chunk: NumericChunk = {
      firstRow: this.#firstRow,
      rowCount: this.#rows,
      values: full ? this.#values : this.#values.subarray(0, this.#rows * this.width),
    };
    this.#firstRow += this.#rows;
    this.#rows = 0;
    this.#values = this.#allocate();
    return chunk;
  }

  #allocate(): Float32Array | Float64Array {
    const size = this.#chunkRows * this.width;
    return this.#dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  }
}

// pandas reads these as missing values; a model sees NaN for them, as it would in Azure.
const MISSING = new Set([
  '',
  'NaN',
  'nan',
  'NA',
  'N/A',
  'n/a',
  'NULL',
  'null',
  'None',
  '#N/A',
  '-nan',
  '-NaN',
]);
const INFINITE: Record<string, number> = {
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  Inf: Infinity,
};
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** The number a text cell holds, or undefined when it holds none (the caller reports where). */
export function parseNumericText(text: string): number | undefined {
  const trimmed = text.trim();
  if (MISSING.has(trimmed)) return NaN;
  if (NUMBER.test(trimmed)) return Number(trimmed);
  if (trimmed === 'Infinity' || trimmed === '-Infinity' || trimmed === '+Infinity') return Number(trimmed);
  return INFINITE[trimmed];
}

/**
 * Positions of the wanted columns among the file's. Missing ones are reported all at once, in
 * MLflow's words, since a signature mismatch usually concerns several columns.
 */
export function columnPositions(
  file: string,
  available: readonly string[],
  wanted: readonly string[],
): number[] {
  const index = new Map<string, number>();
  available.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const missing = wanted.filter((name) => !index.has(name));
  if (missing.length > 0) {
    const list = missing.map((name) => `'${name}'`).join(', ');
    throw new InputFileError('MissingColumns', file, `Model is missing inputs [${list}].`);
  }
  return wanted.map((name) => index.get(name) ?? -1);
}
