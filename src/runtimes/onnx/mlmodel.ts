/**
 * Reads the parts of an MLflow `MLmodel` file the no-code ONNX scorer needs: which flavors the model
 * has, where its ONNX file is, and its input signature.
 *
 * MLflow stores the signature as JSON text inside YAML strings (`inputs: '[{"type": "double", ...}]'`):
 * a list of named columns (ColSpec) for tabular models, or of tensors (TensorSpec) with dtype and
 * shape for models that take arrays such as images.
 */
import { parseMlmodelDocument, record } from '../mlmodel-document.ts';

export interface ColumnSpec {
  /** Absent in positional signatures: columns are then taken in file order. */
  name: string | undefined;
  type: string;
  required: boolean;
}

export interface TensorSpec {
  name: string | undefined;
  dtype: string;
  /** -1 marks a free dimension (usually the batch). */
  shape: number[];
}

export type InputSignature =
  { kind: 'columns'; columns: ColumnSpec[] } | { kind: 'tensors'; tensors: TensorSpec[] };

export interface MlflowModelFile {
  flavors: string[];
  /** The onnx flavor's `data` path, relative to the model folder. */
  onnxData: string | undefined;
  inputs: InputSignature | undefined;
}

/** `where` names the file in error messages. */
export function parseMlmodel(text: string, where: string): MlflowModelFile {
  const { root, flavors } = parseMlmodelDocument(text, where);
  const onnx = record(flavors.onnx);
  const data = onnx?.data;
  const signature = record(root.signature);
  return {
    flavors: Object.keys(flavors),
    onnxData: typeof data === 'string' ? data : undefined,
    inputs: signature?.inputs == null ? undefined : parseInputs(signature.inputs, where),
  };
}

function parseInputs(raw: unknown, where: string): InputSignature {
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${where}: signature inputs are not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (!Array.isArray(list) || list.length === 0)
    throw new Error(`${where}: signature inputs must be a non-empty list.`);
  const entries = list.map((item) => record(item) ?? {});
  if (entries.every((entry) => entry.type === 'tensor')) {
    return { kind: 'tensors', tensors: entries.map((entry) => tensorSpec(entry, where)) };
  }
  if (entries.some((entry) => entry.type === 'tensor'))
    throw new Error(`${where}: signature mixes columns and tensors.`);
  const columns = entries.map((entry) => ({
    name: typeof entry.name === 'string' ? entry.name : undefined,
    type: typeof entry.type === 'string' ? entry.type : 'unknown',
    required: entry.required !== false,
  }));
  return { kind: 'columns', columns };
}

function tensorSpec(entry: Record<string, unknown>, where: string): TensorSpec {
  const spec = record(entry['tensor-spec']);
  const shape = spec?.shape;
  if (spec === undefined || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d))) {
    throw new Error(`${where}: a tensor signature entry lacks 'tensor-spec' with an integer 'shape'.`);
  }
  return {
    name: typeof entry.name === 'string' ? entry.name : undefined,
    dtype: typeof spec.dtype === 'string' ? spec.dtype : 'float32',
    shape: shape as number[],
  };
}
