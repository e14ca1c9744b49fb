/**
 * Decides which runtime scores a deployment and where its model and code live. A JavaScript or
 * TypeScript scoring script runs in the js runtime and a Python script in the python runtime. Without a
 * script, a single .onnx file or an MLflow model with the onnx flavor runs the built-in ONNX scorer, and
 * an MLflow model with the python_function flavor (and no onnx flavor) runs the python runtime's
 * no-code scorer. A python job records its interpreter when it is created: the deployment
 * environment's `pythonExecutable`, else the server's default. Anything else is refused at invocation
 * with a message that says what would work.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { NotSupportedError, ValidationError } from '../core/errors.ts';
import type { JobRuntimeSpec } from '../core/jobs.ts';
import { parseAssetRef } from '../core/references.ts';
import type { BatchDeployment, ModelVersion } from '../core/resources.ts';
import { readText } from '../storage/read-text.ts';
import { readMlflowModel, type MlflowModelInfo } from '../runtimes/python/mlflow-model.ts';
import type { AssetService } from '../workspace/assets.ts';
import type { DatastoreService } from '../workspace/datastores.ts';

const JS_SCRIPT = /\.(m?js|cjs|ts|mts)$/i;
const PY_SCRIPT = /\.py$/i;

type RuntimeDeps = { assets: AssetService; datastores: DatastoreService };
type Base = Omit<JobRuntimeSpec, 'kind'>;

async function readModelText(datastores: DatastoreService, uri: string): Promise<string> {
  const location = await datastores.resolve(uri, 'model');
  return (await readText(location.backend, location.path)) ?? '';
}

async function mlflowModel(datastores: DatastoreService, model: ModelVersion): Promise<MlflowModelInfo> {
  const text = await readModelText(datastores, `${model.modelUri}/MLmodel`);
  try {
    return readMlflowModel(text, `The MLmodel file of model '${model.name}:${model.version}'`);
  } catch (error) {
    throw new ValidationError((error as Error).message, 'model');
  }
}

/** The environment's interpreter, else the default; an absolute path must exist and be executable. */
async function pythonExecutable(
  deps: RuntimeDeps,
  deployment: BatchDeployment,
  defaultPython: string,
): Promise<string> {
  let python = defaultPython;
  let source = "the server's default (NIGHTSHIFT_PYTHON)";
  const ref = deployment.environmentId ? parseAssetRef(deployment.environmentId) : undefined;
  if (ref) {
    const environment = await deps.assets.get('environments', ref.name, ref.version);
    const named = environment.extra.pythonExecutable;
    if (typeof named === 'string' && named.trim() !== '') {
      python = named.trim();
      source = `environment '${environment.name}:${environment.version}'`;
    }
  }
  // A bare name ('python3') is looked up on the PATH when the driver starts; only paths are checked here.
  if (isAbsolute(python)) {
    await access(python, constants.X_OK).catch(() => {
      throw new ValidationError(
        `Deployment '${deployment.name}' runs Python with '${python}' (${source}), which does not exist or is not executable on this server.`,
        'environment',
      );
    });
  }
  return python;
}

async function scriptRuntime(
  deps: RuntimeDeps,
  deployment: BatchDeployment,
  base: Base,
  defaultPython: string,
): Promise<JobRuntimeSpec> {
  const { scoringScript, codeId } = deployment.codeConfiguration ?? { scoringScript: '', codeId: '' };
  const python = PY_SCRIPT.test(scoringScript);
  if (!python && !JS_SCRIPT.test(scoringScript)) {
    throw new NotSupportedError(
      `Deployment '${deployment.name}' uses scoring script '${scoringScript}'; Nightshift runs Python scripts (.py) and ` +
        `JavaScript/TypeScript scripts (.js, .mjs, .cjs, .ts, .mts).`,
    );
  }
  const codeRef = parseAssetRef(codeId);
  if (!codeRef)
    throw new ValidationError(
      `Deployment '${deployment.name}' has an unreadable code reference.`,
      'codeConfiguration',
    );
  const code = await deps.assets.get('codes', codeRef.name, codeRef.version);
  const spec = { ...base, codeUri: code.codeUri, codeHash: code.contentHash, scoringScript };
  if (!python) return { ...spec, kind: 'js' };
  return {
    ...spec,
    kind: 'python',
    pythonExecutable: await pythonExecutable(deps, deployment, defaultPython),
  };
}

async function noCodeRuntime(
  deps: RuntimeDeps,
  deployment: BatchDeployment,
  model: ModelVersion,
  base: Base,
  defaultPython: string,
): Promise<JobRuntimeSpec> {
  if (model.modelType !== 'mlflow_model') return { ...base, kind: 'onnx' };
  const info = await mlflowModel(deps.datastores, model);
  if (info.flavors.includes('onnx')) return { ...base, kind: 'onnx' };
  if (info.pyfunc === undefined) {
    throw new NotSupportedError(
      `Model '${model.name}:${model.version}' is an MLflow model with flavors [${info.flavors.join(', ')}]; without a scoring script ` +
        `Nightshift scores MLflow models with the python_function or onnx flavor. Add a scoring script (code_configuration).`,
    );
  }
  const python = await pythonExecutable(deps, deployment, defaultPython);
  return { ...base, kind: 'python', pythonExecutable: python, mlflow: info.pyfunc };
}

/** `defaultPython` is the server's configured interpreter, used when the environment names none. */
export async function resolveRuntime(
  deps: RuntimeDeps,
  deployment: BatchDeployment,
  defaultPython: string,
): Promise<JobRuntimeSpec> {
  const ref = parseAssetRef(deployment.modelId);
  if (!ref)
    throw new ValidationError(`Deployment '${deployment.name}' has an unreadable model reference.`, 'model');
  const model = await deps.assets.get('models', ref.name, ref.version);
  const modelDirUri = model.modelUri.slice(0, model.modelUri.length - model.entryName.length - 1);
  const base: Base = {
    modelId: deployment.modelId,
    modelName: model.name,
    modelVersion: model.version,
    modelHash: model.contentHash,
    modelDirUri,
    modelEntry: model.entryName,
  };
  if (deployment.codeConfiguration) return scriptRuntime(deps, deployment, base, defaultPython);
  return noCodeRuntime(deps, deployment, model, base, defaultPython);
}
