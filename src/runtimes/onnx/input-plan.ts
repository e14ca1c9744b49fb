/**
 * Decides how a file's rows become the model's input tensors, and builds those tensors per chunk.
 *
 * With a ColSpec signature the signature's columns are the input, in signature order: one [N, k]
 * tensor when the model has a single 2-D input, or one tensor per input when the inputs are named like
 * columns. Without a signature the model's own input metadata decides: inputs named like file columns
 * take those columns; otherwise a single [N, k] input takes the file's first k numeric columns (all
 * numeric columns when k is free). Tensors take the model's element type, as MLflow casts columns to
 * the signature's types.
 */
import { Tensor } from 'onnxruntime-node';
import type { NumericChunk, NumericDType, TabularSource } from '../readers/tabular.ts';
import type { InputSignature } from './mlmodel.ts';

export interface ModelInput {
  name: string;
  type: Tensor.Type;
  /** Numbers for fixed dimensions, strings (or -1) for free ones. */
  shape: readonly (number | string)[];
}

export type TabularFeed =
  { kind: 'matrix'; input: ModelInput } | { kind: 'column'; input: ModelInput; slot: number };

export interface TabularPlan {
  /** File columns to read, in the order the feeds index them. */
  columns: string[];
  dtype: NumericDType;
  feeds: TabularFeed[];
}

const NUMERIC_INPUT_TYPES = new Set<Tensor.Type>(['float32', 'float64', 'int64', 'int32', 'bool']);

export function fixedDim(dim: number | string | undefined): number | undefined {
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

/** Inputs fed one column each: shape [N] or [N, 1]. */
function isColumnInput(input: ModelInput): boolean {
  return input.shape.length === 1 || (input.shape.length === 2 && fixedDim(input.shape[1]) === 1);
}

export function planTabular(
  inputs: readonly ModelInput[],
  signature: InputSignature | undefined,
  source: Pick<TabularSource, 'columns' | 'numericColumns'>,
): TabularPlan {
  for (const input of inputs) {
    if (!NUMERIC_INPUT_TYPES.has(input.type)) {
      throw new Error(
        `Model input '${input.name}' has type ${input.type}; tables can feed ${[...NUMERIC_INPUT_TYPES].join(', ')}.`,
      );
    }
  }
  const dtype: NumericDType = inputs.every((input) => input.type === 'float32' || input.type === 'bool')
    ? 'float32'
    : 'float64';
  if (signature?.kind === 'columns') {
    const named = signature.columns.every((column) => column.name !== undefined);
    const names = named
      ? signature.columns.map((column) => column.name ?? '')
      : source.columns.slice(0, signature.columns.length);
    if (names.length < signature.columns.length) {
      throw new Error(
        `The signature has ${signature.columns.length} positional columns; the file has ${names.length}.`,
      );
    }
    return { ...planForColumns(inputs, names, 'signature columns'), dtype };
  }
  if (
    inputs.length > 0 &&
    inputs.every((input) => isColumnInput(input) && source.columns.includes(input.name))
  ) {
    return {
      ...planForColumns(
        inputs,
        inputs.map((input) => input.name),
        'file columns',
      ),
      dtype,
    };
  }
  const only = inputs[0];
  if (inputs.length === 1 && only !== undefined && only.shape.length === 2) {
    const width = fixedDim(only.shape[1]) ?? source.numericColumns.length;
    const columns = source.numericColumns.slice(0, width);
    if (columns.length < width || width === 0) {
      throw new Error(
        `Model input '${only.name}' takes ${width} features; the file has ${source.numericColumns.length} numeric columns.`,
      );
    }
    return { columns, dtype, feeds: [{ kind: 'matrix', input: only }] };
  }
  const shapes = inputs.map((input) => `${input.name} [${input.shape.join(', ')}]`).join('; ');
  throw new Error(`Cannot map the file's columns to the model inputs (${shapes}); add an MLmodel signature.`);
}

function planForColumns(
  inputs: readonly ModelInput[],
  names: string[],
  what: string,
): Omit<TabularPlan, 'dtype'> {
  const only = inputs[0];
  if (inputs.length === 1 && only !== undefined && only.shape.length === 2 && !names.includes(only.name)) {
    const width = fixedDim(only.shape[1]);
    if (width !== undefined && width !== names.length) {
      throw new Error(
        `Model input '${only.name}' takes ${width} features but there are ${names.length} ${what}.`,
      );
    }
    return { columns: names, feeds: [{ kind: 'matrix', input: only }] };
  }
  const missing = inputs.filter((input) => !names.includes(input.name) || !isColumnInput(input));
  if (missing.length > 0) {
    const list = missing.map((input) => `'${input.name}' [${input.shape.join(', ')}]`).join(', ');
    throw new Error(`Model inputs ${list} cannot be fed from the ${what} [${names.join(', ')}].`);
  }
  const columns = inputs.map((input) => input.name);
  return { columns, feeds: inputs.map((input, slot) => ({ kind: 'column', input, slot })) };
}

/** The feeds for one chunk of rows read as `plan.columns`. */
export function tabularFeeds(plan: TabularPlan, chunk: NumericChunk): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  const width = plan.columns.length;
  const rows = chunk.rowCount;
  for (const feed of plan.feeds) {
    if (feed.kind === 'matrix') {
      feeds[feed.input.name] = toTensor(feed.input, chunk.values, [rows, width]);
      continue;
    }
    const column = chunk.values instanceof Float64Array ? new Float64Array(rows) : new Float32Array(rows);
    for (let row = 0; row < rows; row++) column[row] = chunk.values[row * width + feed.slot] ?? NaN;
    feeds[feed.input.name] = toTensor(feed.input, column, feed.input.shape.length === 1 ? [rows] : [rows, 1]);
  }
  return feeds;
}

/** Casts values to the input's element type; integers refuse NaN as pandas' astype(int) does. */
export function toTensor(input: ModelInput, values: Float32Array | Float64Array, dims: number[]): Tensor {
  switch (input.type) {
    case 'float32':
      return new Tensor('float32', values instanceof Float32Array ? values : Float32Array.from(values), dims);
    case 'float64':
      return new Tensor('float64', values instanceof Float64Array ? values : Float64Array.from(values), dims);
    case 'int64':
      return new Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(integral(input, v))),
        dims,
      );
    case 'int32':
      return new Tensor(
        'int32',
        Int32Array.from(values, (v) => integral(input, v)),
        dims,
      );
    case 'uint8':
      return new Tensor(
        'uint8',
        Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round(v)))),
        dims,
      );
    case 'bool':
      return new Tensor(
        'bool',
        Uint8Array.from(values, (v) => (v !== 0 && !Number.isNaN(v) ? 1 : 0)),
        dims,
      );
    default:
      throw new Error(
        `Model input '${input.name}' has type ${input.type}, which the onnx runtime cannot feed.`,
      );
  }
}

function integral(input: ModelInput, value: number): number {
  if (!Number.isFinite(value)) {
    throw new Error(
      `Cannot convert non-finite values (NA or inf) to integer for model input '${input.name}'.`,
    );
  }
  return Math.trunc(value);
}
