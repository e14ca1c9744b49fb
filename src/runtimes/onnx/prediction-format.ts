/**
 * Turns model outputs into the lines of Azure's no-code `predictions.csv`: `row,prediction,file_name`,
 * comma-separated, no header. A scalar prediction is written as Python would print it (shortest
 * float32 digits, integers as digits, True/False, NaN as an empty cell as pandas writes it). A vector
 * (e.g. probabilities, or any output with more than one value per row) is a JSON array, quoted as one
 * CSV field so the line keeps three columns.
 */
import type { PartSink } from '../contract.ts';
import type { Tensor } from 'onnxruntime-node';

/** Quotes a CSV field when it holds a comma, quote or newline (RFC 4180, pandas' minimal quoting). */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The shortest decimal that reads back as the same float32, as numpy prints float32 values. */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  if (value === 0) return '0.0';
  for (let digits = 1; digits < 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return pythonic(Number(text));
  }
  return pythonic(Number(value.toPrecision(9)));
}

/** Python prints integral floats with a trailing `.0` (JavaScript drops it). */
function pythonic(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) || !Number.isFinite(value) ? text : `${text}.0`;
}

function scalarText(value: unknown, type: Tensor.Type): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return csvField(value);
  if (typeof value !== 'number') return '';
  if (type === 'bool') return value !== 0 ? 'True' : 'False';
  if (Number.isNaN(value)) return '';
  if (type === 'float32') return formatFloat32(value);
  if (type === 'float64' || type === 'float16') return pythonic(value);
  return String(value);
}

function jsonValue(value: unknown, type: Tensor.Type): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'number') return 'null';
  if (type === 'bool') return value !== 0 ? 'true' : 'false';
  if (!Number.isFinite(value)) return 'null';
  return type === 'float32' ? formatFloat32(value) : String(value);
}

/** One prediction text per row (dimension 0) of `output`, ready to be placed in a CSV line. */
export function predictionTexts(output: Tensor): string[] {
  const rows = output.dims[0] ?? 1;
  const inner = output.dims.slice(1);
  const size = inner.reduce((product, dim) => product * dim, 1);
  const data = output.data as ArrayLike<unknown>;
  const texts: string[] = new Array<string>(rows);
  for (let row = 0; row < rows; row++) {
    if (size === 1) {
      texts[row] = scalarText(data[row], output.type);
    } else {
      texts[row] = csvField(nestedJson(data, row * size, inner, output.type));
    }
  }
  return texts;
}

function nestedJson(
  data: ArrayLike<unknown>,
  start: number,
  dims: readonly number[],
  type: Tensor.Type,
): string {
  const [count = 0, ...rest] = dims;
  const step = rest.reduce((product, dim) => product * dim, 1);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(
      rest.length === 0 ? jsonValue(data[start + i], type) : nestedJson(data, start + i * step, rest, type),
    );
  }
  return `[${parts.join(',')}]`;
}

/** A sink failure is the mini-batch's failure, not one file's: it must not be recorded as an item error. */
export class SinkWriteError extends Error {
  constructor(cause: unknown) {
    super(`Writing predictions failed: ${(cause as Error).message}`, { cause });
    this.name = 'SinkWriteError';
  }
}

/** Appends prediction lines to the part sink, or only counts them under `summary_only`. */
export class PredictionWriter {
  readonly #sink: PartSink;
  readonly enabled: boolean;
  rowsWritten = 0;

  constructor(sink: PartSink, outputAction: 'append_row' | 'summary_only') {
    this.#sink = sink;
    this.enabled = outputAction === 'append_row';
  }

  /** Lines for consecutive rows of one file, starting at 0-based row `firstRow`. */
  async writeRows(firstRow: number, predictions: readonly string[], fileName: string): Promise<void> {
    if (!this.enabled) return;
    const name = csvField(fileName);
    let text = '';
    predictions.forEach((prediction, i) => {
      text += `${firstRow + i},${prediction},${name}\n`;
    });
    await this.#write(text, predictions.length);
  }

  /** One line per whole-file prediction (images): each is row 0 of its own file. */
  async writeFiles(predictions: readonly string[], fileNames: readonly string[]): Promise<void> {
    if (!this.enabled) return;
    const text = predictions
      .map((prediction, i) => `0,${prediction},${csvField(fileNames[i] ?? '')}\n`)
      .join('');
    await this.#write(text, predictions.length);
  }

  async #write(text: string, rows: number): Promise<void> {
    try {
      await this.#sink.write(text);
    } catch (error) {
      throw new SinkWriteError(error);
    }
    this.rowsWritten += rows;
  }
}
