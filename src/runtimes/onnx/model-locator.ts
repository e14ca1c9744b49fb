/**
 * Finds the ONNX file behind a deployment's model, and its signature when it has one. A registered
 * model is either a single `.onnx` file (a `custom_model`), a folder holding exactly one `.onnx` file,
 * or an MLflow folder whose `MLmodel` declares an `onnx` flavor. Anything else fails `init()` with a
 * message that says which of these was expected.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parseMlmodel, type InputSignature } from './mlmodel.ts';

export interface LocatedModel {
  onnxFile: string;
  /** The MLmodel file the signature came from, if the model is an MLflow folder. */
  mlmodelFile: string | undefined;
  signature: InputSignature | undefined;
}

/** `modelPath` may be absolute or relative to `modelDir` (AZUREML_MODEL_DIR). */
export async function locateModel(modelPath: string, modelDir: string): Promise<LocatedModel> {
  const path = isAbsolute(modelPath) ? modelPath : resolve(modelDir, modelPath);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new Error(`Model path '${path}' does not exist.`);
  if (info.isFile()) {
    if (!path.toLowerCase().endsWith('.onnx')) {
      throw new Error(`Model file '${path}' is not an .onnx file; the onnx runtime scores ONNX models only.`);
    }
    return { onnxFile: path, mlmodelFile: undefined, signature: undefined };
  }
  const entries = await readdir(path, { withFileTypes: true });
  if (entries.some((entry) => entry.isFile() && entry.name === 'MLmodel')) return fromMlflowFolder(path);
  const onnxFiles = entries.filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.onnx'));
  const only = onnxFiles[0];
  if (only === undefined || onnxFiles.length > 1) {
    const found = onnxFiles.length === 0 ? 'none' : onnxFiles.map((entry) => entry.name).join(', ');
    throw new Error(
      `Model folder '${path}' must hold an MLmodel with an onnx flavor or exactly one .onnx file (found: ${found}).`,
    );
  }
  return { onnxFile: join(path, only.name), mlmodelFile: undefined, signature: undefined };
}

async function fromMlflowFolder(folder: string): Promise<LocatedModel> {
  const mlmodelFile = join(folder, 'MLmodel');
  const model = parseMlmodel(await readFile(mlmodelFile, 'utf8'), mlmodelFile);
  if (!model.flavors.includes('onnx')) {
    throw new Error(
      `MLmodel '${mlmodelFile}' has flavors [${model.flavors.join(', ')}] but no 'onnx' flavor; ` +
        'the onnx runtime scores ONNX models only.',
    );
  }
  if (model.onnxData === undefined)
    throw new Error(`MLmodel '${mlmodelFile}': the onnx flavor has no 'data' file.`);
  const onnxFile = resolve(folder, model.onnxData);
  const info = await stat(onnxFile).catch(() => undefined);
  if (!info?.isFile())
    throw new Error(`MLmodel '${mlmodelFile}' names '${model.onnxData}', which is not a file.`);
  return { onnxFile, mlmodelFile, signature: model.inputs };
}
