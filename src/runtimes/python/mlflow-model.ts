/**
 * Reads what the Python runtime needs from an MLflow `MLmodel` file to score a `python_function` model
 * without a script: the flavors, the pyfunc loader, the sklearn flavor's pickle, and the ColSpec input
 * signature. Parsed once when a job is created (YAML on the Node side), so the Python driver needs
 * nothing but the standard library.
 *
 * MLflow stores the signature as JSON text inside YAML strings (`inputs: '[{"type": "double", ...}]'`);
 * older files may hold the list itself. A TensorSpec signature yields no columns: the driver then
 * passes the DataFrame as read, as MLflow does without a ColSpec.
 */
import { parseMlmodelDocument, record } from '../mlmodel-document.ts';
import type { MlflowColumnSpec, MlflowPyfuncSpec } from '../../core/jobs.ts';

export interface MlflowModelInfo {
  flavors: string[];
  /** Present when the model has the python_function flavor. */
  pyfunc: MlflowPyfuncSpec | undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function signatureColumns(raw: unknown, where: string): MlflowColumnSpec[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${where}: the signature's inputs are not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (!Array.isArray(list)) throw new Error(`${where}: the signature's inputs must be a list.`);
  const entries = list.map((item) => record(item) ?? {});
  if (entries.length === 0 || entries.some((entry) => entry.type === 'tensor')) return undefined;
  return entries.map((entry) => {
    const type = nonEmpty(entry.type) ?? 'unknown';
    const name = nonEmpty(entry.name);
    return name === undefined ? { type } : { name, type };
  });
}

/** `where` names the file in error messages. */
export function readMlflowModel(text: string, where: string): MlflowModelInfo {
  const { root, flavors } = parseMlmodelDocument(text, where);
  const pyfunc = record(flavors.python_function);
  if (pyfunc === undefined) return { flavors: Object.keys(flavors), pyfunc: undefined };
  const sklearn = record(flavors.sklearn);
  const sklearnModel = nonEmpty(sklearn?.pickled_model);
  const serializationFormat = nonEmpty(sklearn?.serialization_format);
  const columns = signatureColumns(record(root.signature)?.inputs, where);
  return {
    flavors: Object.keys(flavors),
    pyfunc: {
      loaderModule: nonEmpty(pyfunc.loader_module) ?? 'unknown',
      ...(sklearnModel === undefined ? {} : { sklearnModel }),
      ...(serializationFormat === undefined ? {} : { serializationFormat }),
      ...(columns === undefined ? {} : { columns }),
    },
  };
}
