/**
 * Batch deployment YAML to the ARM request body, client-side as az does it. Reading (`readDeploymentSpec`)
 * validates the whole file first, with file:line errors: the `type: model` layout with its `settings:`
 * block, the legacy flat layout (no `type`, settings and `environment_variables` at the root), and
 * `type: pipeline`. Building (`deploymentRequest`) then does the I/O: inline models are registered (next
 * version), a local code folder is uploaded and registered as a code asset named after its content, an
 * inline environment becomes the anonymous `CliV2AnonymousEnvironment` version of its content hash, and
 * `azureml:` references are resolved to ARM ids.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import type { DeploymentEntity } from '../entities.ts';
import type { AssetRegistrar } from './asset-registrar.ts';
import {
  readEnvironmentFields,
  readModelFields,
  type EnvironmentFields,
  type ModelFields,
} from './asset-specs.ts';
import { compact } from './document-source.ts';
import { checkName } from './endpoint-spec.ts';
import { readDeploymentSettings, SETTINGS_FIELDS } from './deployment-settings.ts';
import {
  fieldValue,
  optionalEnum,
  optionalInteger,
  optionalString,
  optionalStringMap,
  pathField,
  refuseUnknownFields,
  requiredString,
} from './spec-fields.ts';

const COMMON_FIELDS = ['name', 'endpoint_name', 'type', 'description', 'tags', 'properties'] as const;
const MODEL_FIELDS = [
  ...COMMON_FIELDS,
  'model',
  'code_configuration',
  'environment',
  'compute',
  'resources',
  'settings',
  'environment_variables',
] as const;
const PIPELINE_FIELDS = [...COMMON_FIELDS, 'component', 'job_definition', 'settings'] as const;

type Reference = { reference: string };

export interface DeploymentSpec {
  source: YamlSpecSource;
  name: string;
  endpointName: string;
  description?: string;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
  /** Set for `type: pipeline`, which the server answers with "not supported yet". */
  pipeline?: { component?: string; settings?: Record<string, string> };
  model?: Reference | { inline: ModelFields };
  code?: { code: Reference | { folder: string }; scoringScript: string };
  environment?: Reference | { inline: EnvironmentFields };
  compute?: string;
  resources: { instanceCount?: number; instanceType?: string };
  /** The settings in ARM camelCase, only those given. */
  settings: Json;
}

/** `--name` and `--endpoint-name`, which win over the file. */
export interface DeploymentFlags {
  name?: string | undefined;
  endpointName?: string | undefined;
}

function readModel(source: YamlSpecSource): DeploymentSpec['model'] {
  const value = fieldValue(source, 'model');
  if (value === undefined || value === null) {
    throw specFieldError(
      source,
      'model',
      'is required: azureml:NAME:VERSION, azureml:NAME@latest or an inline {name, path, type}',
    );
  }
  if (typeof value === 'string') return { reference: value };
  return { inline: readModelFields(source, 'model') };
}

function readCode(source: YamlSpecSource): DeploymentSpec['code'] {
  if (fieldValue(source, 'code_configuration') === undefined) return undefined;
  refuseUnknownFields(source, 'code_configuration', ['code', 'scoring_script']);
  const scoringScript = requiredString(
    source,
    'code_configuration.scoring_script',
    'the file inside the code folder with init() and run()',
  );
  const code = pathField(source, 'code_configuration.code', 'a local folder or azureml:NAME:VERSION');
  if (code.kind === 'remote') return { code: { reference: code.uri }, scoringScript };
  if (!code.isFolder)
    throw specFieldError(source, 'code_configuration.code', `must be a folder; ${code.path} is a file`);
  const script = join(code.path, scoringScript);
  if (!existsSync(script) || !statSync(script).isFile()) {
    throw specFieldError(
      source,
      'code_configuration.scoring_script',
      `'${scoringScript}' was not found in the code folder ${code.path}`,
    );
  }
  return { code: { folder: code.path }, scoringScript };
}

function readEnvironment(source: YamlSpecSource): DeploymentSpec['environment'] {
  const value = fieldValue(source, 'environment');
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { reference: value };
  return { inline: readEnvironmentFields(source, 'environment') };
}

function readPipeline(source: YamlSpecSource): DeploymentSpec['pipeline'] {
  return { component: optionalString(source, 'component'), settings: optionalStringMap(source, 'settings') };
}

/** Validates a deployment spec completely, before any upload or registration. */
export function readDeploymentSpec(source: YamlSpecSource, flags: DeploymentFlags = {}): DeploymentSpec {
  const type = optionalEnum(source, 'type', { model: 'model', pipeline: 'pipeline' } as const);
  // Unknown fields first: a misspelt required field (`endpont_name`) is named as the typo it is, not
  // reported as the required field missing. Without `type`, the legacy layout keeps the settings at
  // the top level.
  refuseUnknownFields(
    source,
    '',
    type === 'pipeline'
      ? PIPELINE_FIELDS
      : type === undefined
        ? [...MODEL_FIELDS, ...SETTINGS_FIELDS]
        : MODEL_FIELDS,
  );
  const common = {
    source,
    name: checkName(source, 'name', flags.name, 'deployment'),
    endpointName:
      flags.endpointName ??
      requiredString(
        source,
        'endpoint_name',
        'the endpoint this deployment belongs to (or pass --endpoint-name)',
      ),
    description: optionalString(source, 'description'),
    tags: optionalStringMap(source, 'tags'),
    properties: optionalStringMap(source, 'properties'),
    resources: {},
    settings: {},
  };
  if (type === 'pipeline') return { ...common, pipeline: readPipeline(source) };
  refuseUnknownFields(source, 'resources', ['instance_count', 'instance_type']);
  return {
    ...common,
    model: readModel(source),
    code: readCode(source),
    environment: readEnvironment(source),
    compute: optionalString(source, 'compute'),
    resources: {
      instanceCount: optionalInteger(source, 'resources.instance_count', { min: 1 }),
      instanceType: optionalString(source, 'resources.instance_type'),
    },
    settings: readDeploymentSettings(source, type === undefined),
  };
}

/** `azureml:cluster` or a bare name → the compute's ARM id; ARM ids pass through. */
function computeId(workspacePath: string, compute: string | undefined): string | undefined {
  if (!compute) return undefined;
  if (compute.startsWith('/subscriptions/')) return compute;
  return `${workspacePath}/computes/${compute.replace(/^azureml:/i, '')}`;
}

async function modelId(spec: DeploymentSpec, registrar: AssetRegistrar): Promise<string | undefined> {
  const model = spec.model;
  if (!model) return undefined;
  if ('reference' in model)
    return registrar.resolveReference(spec.source, 'model', 'models', model.reference);
  return String((await registrar.registerModel(model.inline)).id);
}

async function codeConfiguration(spec: DeploymentSpec, registrar: AssetRegistrar): Promise<Json | undefined> {
  const code = spec.code;
  if (!code) return undefined;
  const codeId =
    'reference' in code.code
      ? await registrar.resolveReference(spec.source, 'code_configuration.code', 'codes', code.code.reference)
      : String((await registrar.registerCode(code.code.folder)).id);
  return { codeId, scoringScript: code.scoringScript };
}

async function environmentId(spec: DeploymentSpec, registrar: AssetRegistrar): Promise<string | undefined> {
  const env = spec.environment;
  if (!env) return undefined;
  if ('reference' in env)
    return registrar.resolveReference(spec.source, 'environment', 'environments', env.reference);
  return String((await registrar.registerAnonymousEnvironment(env.inline)).id);
}

/** Registers what the spec defines inline and returns the ARM PUT body of the deployment. */
export async function deploymentRequest(
  spec: DeploymentSpec,
  registrar: AssetRegistrar,
  workspacePath: string,
): Promise<Json> {
  const head = { description: spec.description, properties: spec.properties };
  if (spec.pipeline) {
    const { component, settings } = spec.pipeline;
    const deploymentConfiguration = compact({
      deploymentConfigurationType: 'PipelineComponent',
      componentId: component ? { referenceType: 'Id', assetId: component } : undefined,
      settings,
    });
    return compact({ tags: spec.tags, properties: compact({ ...head, deploymentConfiguration }) });
  }
  const assetId = await modelId(spec, registrar);
  const properties = compact({
    ...head,
    model: assetId ? { referenceType: 'Id', assetId } : undefined,
    codeConfiguration: await codeConfiguration(spec, registrar),
    environmentId: await environmentId(spec, registrar),
    compute: computeId(workspacePath, spec.compute),
    resources: compact(spec.resources),
    ...spec.settings,
  });
  return compact({ tags: spec.tags, properties });
}

/** The spec fields of a deployment as shown, the starting point of `update` without a file. */
export function deploymentSpecDocument(entity: DeploymentEntity): Record<string, unknown> {
  const code = entity.code_configuration;
  return compact({
    name: entity.name,
    endpoint_name: entity.endpoint_name,
    type: 'model',
    description: entity.description,
    tags: entity.tags,
    properties: entity.properties,
    model: entity.model,
    code_configuration: code?.code ? { code: code.code, scoring_script: code.scoring_script } : undefined,
    environment: entity.environment,
    compute: entity.compute,
    resources: compact(entity.resources),
    settings: entity.settings,
  });
}
