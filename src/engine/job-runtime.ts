/**
 * Decides which runtime scores a deployment and where its model and code live. A JavaScript or
 * TypeScript scoring script runs in the js runtime; a deployment without a script runs the built-in ONNX
 * scorer when the model is a single .onnx file or an MLflow model with the onnx flavor. Anything else is
 * refused at invocation with a message that says what would work.
 */
import { parse as parseYaml } from 'yaml';
import { NotSupportedError, ValidationError } from '../core/errors.ts';
import type { JobRuntimeSpec } from '../core/jobs.ts';
import { parseAssetRef } from '../core/references.ts';
import type { BatchDeployment } from '../core/resources.ts';
import type { AssetService } from '../workspace/assets.ts';
import type { DatastoreService } from '../workspace/datastores.ts';

const JS_SCRIPT = /\.(m?js|cjs|ts|mts)$/i;

async function readMlflowFlavors(datastores: DatastoreService, modelUri: string): Promise<string[]> {
  const location = await datastores.resolve(`${modelUri}/MLmodel`, 'model');
  const chunks: Buffer[] = [];
  for await (const chunk of location.backend.openRead(location.path)) chunks.push(chunk as Buffer);
  const doc = parseYaml(Buffer.concat(chunks).toString('utf8')) as {
    flavors?: Record<string, unknown>;
  } | null;
  return Object.keys(doc?.flavors ?? {});
}

export async function resolveRuntime(
  deps: { assets: AssetService; datastores: DatastoreService },
  deployment: BatchDeployment,
): Promise<JobRuntimeSpec> {
  const ref = parseAssetRef(deployment.modelId);
  if (!ref)
    throw new ValidationError(`Deployment '${deployment.name}' has an unreadable model reference.`, 'model');
  const model = await deps.assets.get('models', ref.name, ref.version);
  const modelDirUri = model.modelUri.slice(0, model.modelUri.length - model.entryName.length - 1);
  const base = {
    modelId: deployment.modelId,
    modelName: model.name,
    modelVersion: model.version,
    modelHash: model.contentHash,
    modelDirUri,
    modelEntry: model.entryName,
  };
  if (deployment.codeConfiguration) {
    const { scoringScript, codeId } = deployment.codeConfiguration;
    if (!JS_SCRIPT.test(scoringScript)) {
      throw new NotSupportedError(
        `Deployment '${deployment.name}' uses scoring script '${scoringScript}'; this release runs JavaScript/TypeScript scripts ` +
          `(.js, .mjs, .cjs, .ts) and no-code ONNX models. Python scoring scripts come in a later release.`,
      );
    }
    const codeRef = parseAssetRef(codeId);
    if (!codeRef)
      throw new ValidationError(
        `Deployment '${deployment.name}' has an unreadable code reference.`,
        'codeConfiguration',
      );
    const code = await deps.assets.get('codes', codeRef.name, codeRef.version);
    return { ...base, kind: 'js', codeUri: code.codeUri, scoringScript };
  }
  if (model.modelType === 'mlflow_model') {
    const flavors = await readMlflowFlavors(deps.datastores, model.modelUri);
    if (!flavors.includes('onnx')) {
      throw new NotSupportedError(
        `Model '${model.name}:${model.version}' is an MLflow model with flavors [${flavors.join(', ')}]; without a scoring script this ` +
          `release scores MLflow models with the onnx flavor. Add a scoring script (code_configuration) or export the model to ONNX.`,
      );
    }
  }
  return { ...base, kind: 'onnx' };
}
