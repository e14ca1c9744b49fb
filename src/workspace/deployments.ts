/**
 * Batch deployments (type model): a registered model, optional scoring code snapshot and environment, and
 * the execution settings with Azure's defaults. References are checked when the deployment is created, so
 * a typo fails here and not inside a job. A deployment that will run Python has its environment's conda
 * packages checked against its interpreter here too (environment-check.ts). The endpoint's default
 * deployment cannot be deleted.
 */
import { ConflictError, NotFoundError, NotSupportedError, ValidationError } from '../core/errors.ts';
import { checkDeploymentName } from '../core/names.ts';
import { optionalDescription, tagMap } from '../core/limits.ts';
import { requireAssetRef } from '../core/references.ts';
import { parseYamlData } from '../core/spec/yaml-data.ts';
import {
  newSystemData,
  touchSystemData,
  type BatchDeployment,
  type EnvironmentVersion,
  type ModelVersion,
} from '../core/resources.ts';
import {
  optionalInteger,
  optionalObject,
  optionalString,
  prop,
  stringMap,
  type Json,
} from '../core/wire-values.ts';
import { resourceIds, type WorkspaceRef } from '../core/workspace.ts';
import type { ResourceRepository } from '../store/contract.ts';
import { readText } from '../storage/read-text.ts';
import type { AssetService } from './assets.ts';
import type { ComputeService } from './computes.ts';
import type { DatastoreService } from './datastores.ts';
import { DEFAULT_PYTHON, requireEnvironmentPackages } from './environment-check.ts';
import { checkScoringScript, readSettings } from './deployment-body.ts';
import type { EndpointService } from './endpoints.ts';

export type DeploymentService = ReturnType<typeof createDeploymentService>;

interface Deps {
  repo: ResourceRepository;
  endpoints: EndpointService;
  assets: AssetService;
  datastores: DatastoreService;
  workspace: WorkspaceRef;
  actor: string;
  /** The interpreter of Python deployments whose environment names none (default /usr/bin/python3). */
  defaultPython?: string;
  /** Checks that the compute a deployment names exists (computes.ts). */
  computes: Pick<ComputeService, 'resolveReference'>;
}

export function createDeploymentService(deps: Deps) {
  const scopeOf = (endpoint: string) => endpoint.toLowerCase();

  async function get(endpoint: string, name: string): Promise<BatchDeployment> {
    const ep = await deps.endpoints.get(endpoint);
    const found = await deps.repo.get<BatchDeployment>('deployment', { scope: scopeOf(ep.name), name });
    if (!found) {
      throw new NotFoundError(
        `Deployment '${name}' was not found in endpoint '${ep.name}'. List them with: nightshift batch-deployment list -e ${ep.name}`,
      );
    }
    return found;
  }

  async function list(endpoint: string): Promise<BatchDeployment[]> {
    const ep = await deps.endpoints.get(endpoint);
    return deps.repo.list<BatchDeployment>('deployment', { scope: scopeOf(ep.name) });
  }

  async function resolveModel(props: Json): Promise<ModelVersion> {
    const raw = prop(props, 'model');
    const assetId = typeof raw === 'string' ? raw : prop(raw, 'assetId');
    if (assetId === undefined)
      throw new ValidationError(
        `'properties.model' is required: a registered model reference.`,
        'properties.model',
      );
    const ref = requireAssetRef(assetId, 'properties.model.assetId', 'models');
    try {
      return await deps.assets.get('models', ref.name, ref.version);
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new ValidationError(`${error.message} ('properties.model')`, 'properties.model.assetId');
      throw error;
    }
  }

  async function resolveCode(props: Json): Promise<BatchDeployment['codeConfiguration']> {
    const code = optionalObject(prop(props, 'codeConfiguration'), 'properties.codeConfiguration');
    if (!code) return undefined;
    const script = optionalString(prop(code, 'scoringScript'), 'properties.codeConfiguration.scoringScript');
    if (!script)
      throw new ValidationError(
        `'properties.codeConfiguration.scoringScript' is required with code.`,
        'properties.codeConfiguration.scoringScript',
      );
    checkScoringScript(script, 'properties.codeConfiguration.scoringScript');
    const ref = requireAssetRef(prop(code, 'codeId'), 'properties.codeConfiguration.codeId', 'codes');
    const version = await deps.assets.get('codes', ref.name, ref.version).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw new ValidationError(error.message, 'properties.codeConfiguration.codeId');
      throw error;
    });
    const location = await deps.datastores.resolve(
      `${version.codeUri}/${script}`,
      'properties.codeConfiguration.scoringScript',
    );
    if ((await location.backend.stat(location.path))?.kind !== 'file') {
      throw new ValidationError(
        `Scoring script '${script}' was not found in the code folder; 'properties.codeConfiguration.scoringScript' must name a file inside it.`,
        'properties.codeConfiguration.scoringScript',
      );
    }
    return {
      codeId: resourceIds.assetVersion(deps.workspace, 'codes', version.name, version.version),
      scoringScript: script,
    };
  }

  /** Without a scoring script the model must be something the built-in scorer can run. */
  async function checkNoCode(model: ModelVersion): Promise<void> {
    const location = await deps.datastores.resolve(model.modelUri, 'properties.model');
    if (model.modelType === 'mlflow_model') {
      if ((await location.backend.stat(`${location.path}/MLmodel`))?.kind === 'file') return;
      throw new ValidationError(
        `Model '${model.name}' is an mlflow_model without an MLmodel file; it cannot run without a scoring script.`,
        'properties.model',
      );
    }
    if (model.entryName.toLowerCase().endsWith('.onnx')) return;
    const onnx = (await location.backend.list(location.path).catch(() => [])).filter((f) =>
      f.path.toLowerCase().endsWith('.onnx'),
    );
    if (onnx.length === 1) return;
    throw new ValidationError(
      `Model '${model.name}' is a custom_model that is not a single .onnx file, so it needs a scoring script: set 'code_configuration' (code and scoring_script).`,
      'properties.codeConfiguration',
    );
  }

  async function resolveEnvironment(props: Json): Promise<EnvironmentVersion | undefined> {
    const raw = prop(props, 'environmentId');
    if (raw === undefined || raw === null || raw === '') return undefined;
    const ref = requireAssetRef(raw, 'properties.environmentId', 'environments');
    return deps.assets.get('environments', ref.name, ref.version).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw new ValidationError(error.message, 'properties.environmentId');
      throw error;
    });
  }

  /**
   * Whether jobs of this deployment run in Python: a `.py` scoring script, or no script and an MLflow
   * model the ONNX scorer cannot take. JavaScript scripts and ONNX models never use the environment's
   * interpreter, so their environments are stored as given and their conda files are not checked.
   */
  async function runsPython(model: ModelVersion, code: BatchDeployment['codeConfiguration']) {
    if (code) return /\.py$/i.test(code.scoringScript);
    if (model.modelType !== 'mlflow_model') return false;
    const location = await deps.datastores.resolve(`${model.modelUri}/MLmodel`, 'properties.model');
    const parsed = parseYamlData((await readText(location.backend, location.path)) ?? '');
    // Not ONNX-readable either; the Python runtime reports what is wrong with it.
    if (!parsed.ok) return true;
    const flavors = prop(parsed.value, 'flavors');
    return !(typeof flavors === 'object' && flavors !== null && 'onnx' in flavors);
  }

  async function put(endpoint: string, name: string, body: Json, actor = deps.actor) {
    const ep = await deps.endpoints.get(endpoint);
    checkDeploymentName(name, 'name');
    const props = optionalObject(prop(body, 'properties'), 'properties') ?? {};
    const config = optionalObject(
      prop(props, 'deploymentConfiguration'),
      'properties.deploymentConfiguration',
    );
    if (config && String(prop(config, 'deploymentConfigurationType')).toLowerCase() === 'pipelinecomponent') {
      throw new NotSupportedError(
        `Pipeline component deployments (type: pipeline) are not supported yet; create a model deployment (type: model) instead.`,
      );
    }
    const compute = optionalString(prop(props, 'compute'), 'properties.compute') ?? '';
    await deps.computes.resolveReference(compute, 'properties.compute');
    const model = await resolveModel(props);
    const codeConfiguration = await resolveCode(props);
    if (!codeConfiguration) await checkNoCode(model);
    const environment = await resolveEnvironment(props);
    // Checked last: it may start the interpreter, which is slower than every other check.
    if (environment && (await runsPython(model, codeConfiguration))) {
      const python = deps.defaultPython ?? DEFAULT_PYTHON;
      await requireEnvironmentPackages(environment, python, 'properties.environmentId');
    }
    const environmentId =
      environment &&
      resourceIds.assetVersion(deps.workspace, 'environments', environment.name, environment.version);
    const resources = optionalObject(prop(props, 'resources'), 'properties.resources') ?? {};
    const existing = await deps.repo.get<BatchDeployment>('deployment', { scope: scopeOf(ep.name), name });
    const doc: BatchDeployment = {
      ...readSettings(props),
      name: existing?.name ?? name,
      endpointName: ep.name,
      description: optionalDescription(prop(props, 'description'), 'properties.description') ?? '',
      tags: tagMap(prop(body, 'tags'), 'tags'),
      properties: stringMap(prop(props, 'properties'), 'properties.properties'),
      modelId: resourceIds.assetVersion(deps.workspace, 'models', model.name, model.version),
      ...(codeConfiguration ? { codeConfiguration } : {}),
      ...(environmentId ? { environmentId } : {}),
      compute,
      resources: {
        instanceCount:
          optionalInteger(prop(resources, 'instanceCount'), 'properties.resources.instanceCount', {
            min: 1,
            max: 64,
          }) ?? 1,
        ...(optionalString(prop(resources, 'instanceType'), 'properties.resources.instanceType')
          ? { instanceType: String(prop(resources, 'instanceType')) }
          : {}),
      },
      provisioningState: 'Succeeded',
      systemData: existing ? touchSystemData(existing.systemData, actor) : newSystemData(actor),
    };
    if (existing) await deps.repo.replace('deployment', { scope: scopeOf(ep.name), name }, doc);
    else if (!(await deps.repo.insert('deployment', { scope: scopeOf(ep.name), name }, doc))) {
      throw new ConflictError(`Deployment '${name}' was created at the same time; retry.`);
    }
    return { deployment: doc, created: !existing };
  }

  async function remove(endpoint: string, name: string): Promise<void> {
    const deployment = await get(endpoint, name);
    const ep = await deps.endpoints.get(endpoint);
    if (ep.defaults.deploymentName?.toLowerCase() === deployment.name.toLowerCase()) {
      throw new ConflictError(
        `Deployment '${deployment.name}' is the default of endpoint '${ep.name}' and cannot be deleted. ` +
          `Make another deployment the default first (nightshift batch-endpoint update -n ${ep.name} --set defaults.deployment_name=OTHER), or delete the endpoint.`,
      );
    }
    await deps.repo.remove('deployment', { scope: scopeOf(ep.name), name });
  }

  return { get, list, put, remove };
}
