/**
 * How the CLI shows resources: the way `az ml` prints them (the Azure ML SDK entity dump, snake_case,
 * YAML enum spellings such as `append_row`), converted from the ARM responses of the REST API. Scripts
 * written for az read these fields (`--query scoring_uri`, `--query defaults.deployment_name`), so the
 * shapes here are a compatibility surface. Also holds the `-o table` columns of each resource, in az's
 * table style (knack capitalises the first letter of each column key).
 */
import { parse } from 'yaml';
import type { TableSpec } from './output/table.ts';

type Arm = Record<string, unknown>;

function isArm(value: unknown): value is Arm {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown): Arm {
  return isArm(value) ? value : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strMap(value: unknown): Record<string, string> {
  return isArm(value) ? (value as Record<string, string>) : {};
}

/** A name inside an ARM id: the segment after `key` (`.../models/NAME/versions/1` → NAME for 'models'). */
function idSegment(id: string | undefined, key: string): string | undefined {
  const parts = (id ?? '').split('/');
  const index = parts.findIndex((p) => p.toLowerCase() === key.toLowerCase());
  return index >= 0 ? parts[index + 1] : undefined;
}

/** `AppendRow` → `append_row`, `Info` → `info`. */
function snakeEnum(value: unknown): string | undefined {
  const text = str(value);
  return text?.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function snakeKey(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Seconds from the wire's ISO-8601 duration (`PT30S`, `PT5M`); numbers pass through. */
function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(str(value) ?? '');
  if (!m) return undefined;
  const [, h = '0', min = '0', s = '0'] = m;
  return Number(h) * 3600 + Number(min) * 60 + Number(s);
}

export interface CreationContext {
  created_at?: string;
  created_by?: string;
  created_by_type?: string;
  last_modified_at?: string;
  last_modified_by?: string;
  last_modified_by_type?: string;
}

function creationContext(systemData: unknown): CreationContext | undefined {
  if (!isArm(systemData)) return undefined;
  const s = systemData;
  return {
    created_at: str(s.createdAt),
    created_by: str(s.createdBy),
    created_by_type: str(s.createdByType),
    last_modified_at: str(s.lastModifiedAt),
    last_modified_by: str(s.lastModifiedBy),
    last_modified_by_type: str(s.lastModifiedByType),
  };
}

export interface EndpointEntity {
  name: string;
  id: string;
  description: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  auth_mode: 'aad_token';
  defaults: { deployment_name: string | null };
  location?: string;
  provisioning_state?: string;
  scoring_uri?: string;
  openapi_uri?: string;
}

export function endpointEntity(arm: unknown): EndpointEntity {
  const r = obj(arm);
  const p = obj(r.properties);
  return {
    name: str(r.name) ?? '',
    id: str(r.id) ?? '',
    description: str(p.description) ?? '',
    tags: strMap(r.tags),
    properties: strMap(p.properties),
    auth_mode: 'aad_token',
    defaults: { deployment_name: str(obj(p.defaults).deploymentName) ?? null },
    location: str(r.location),
    provisioning_state: str(p.provisioningState),
    scoring_uri: str(p.scoringUri),
    openapi_uri: str(p.swaggerUri),
  };
}

export interface DeploymentEntity {
  name: string;
  id: string;
  endpoint_name: string;
  type: 'model';
  description: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  model?: string;
  code_configuration?: { code?: string; scoring_script?: string };
  environment?: string;
  compute?: string;
  resources: { instance_count?: number; instance_type?: string };
  settings: {
    max_concurrency_per_instance?: number;
    mini_batch_size?: number | string;
    output_action?: string;
    output_file_name?: string;
    retry_settings: { max_retries?: number; timeout?: number };
    error_threshold?: number;
    logging_level?: string;
    environment_variables: Record<string, string>;
  };
  provisioning_state?: string;
  creation_context?: CreationContext;
}

/** az prints references to workspace assets as `azureml:` + the ARM id. */
function assetRef(id: unknown): string | undefined {
  const text = str(id);
  return text ? `azureml:${text}` : undefined;
}

/** az prints a compute as `azureml:NAME`. */
function computeRef(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  return `azureml:${idSegment(text, 'computes') ?? text.replace(/^azureml:/i, '')}`;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

export function deploymentEntity(arm: unknown): DeploymentEntity {
  const r = obj(arm);
  const p = obj(r.properties);
  const id = str(r.id) ?? '';
  const code = isArm(p.codeConfiguration) ? p.codeConfiguration : undefined;
  const retry = obj(p.retrySettings);
  return {
    name: str(r.name) ?? '',
    id,
    endpoint_name: idSegment(id, 'batchEndpoints') ?? '',
    type: 'model',
    description: str(p.description) ?? '',
    tags: strMap(r.tags),
    properties: strMap(p.properties),
    model: assetRef(obj(p.model).assetId ?? p.model),
    code_configuration: code && { code: assetRef(code.codeId), scoring_script: str(code.scoringScript) },
    environment: assetRef(p.environmentId),
    compute: computeRef(p.compute),
    resources: {
      instance_count: num(obj(p.resources).instanceCount),
      instance_type: str(obj(p.resources).instanceType),
    },
    settings: {
      max_concurrency_per_instance: num(p.maxConcurrencyPerInstance),
      mini_batch_size: typeof p.miniBatchSize === 'string' ? p.miniBatchSize : num(p.miniBatchSize),
      output_action: snakeEnum(p.outputAction),
      output_file_name: str(p.outputFileName),
      retry_settings: { max_retries: num(retry.maxRetries), timeout: durationSeconds(retry.timeout) },
      error_threshold: num(p.errorThreshold),
      logging_level: snakeEnum(p.loggingLevel),
      environment_variables: strMap(p.environmentVariables),
    },
    provisioning_state: str(p.provisioningState),
    creation_context: creationContext(r.systemData),
  };
}

/** What all versioned assets show; `name` and `version` come from the ARM id (`.../NAME/versions/V`). */
interface AssetBase {
  name: string;
  version: string;
  id: string;
  description: string;
  tags: Record<string, string>;
  creation_context?: CreationContext;
}

function assetBase(arm: unknown, kind: string): AssetBase & { p: Arm } {
  const r = obj(arm);
  const p = obj(r.properties);
  const id = str(r.id) ?? '';
  return {
    name: idSegment(id, kind) ?? '',
    version: str(r.name) ?? idSegment(id, 'versions') ?? '',
    id,
    description: str(p.description) ?? '',
    tags: strMap(p.tags),
    creation_context: creationContext(r.systemData),
    p,
  };
}

export interface ModelEntity extends AssetBase {
  type?: string;
  path?: string;
  properties: Record<string, string>;
  content_hash?: string;
}

export function modelEntity(arm: unknown): ModelEntity {
  const { p, ...base } = assetBase(arm, 'models');
  return {
    ...base,
    type: str(p.modelType),
    path: str(p.modelUri),
    properties: strMap(p.properties),
    content_hash: str(p.contentHash),
  };
}

export interface DataEntity extends AssetBase {
  type?: string;
  path?: string;
}

export function dataEntity(arm: unknown): DataEntity {
  const { p, ...base } = assetBase(arm, 'data');
  return { ...base, type: str(p.dataType), path: str(p.dataUri) };
}

export interface EnvironmentEntity extends AssetBase {
  image?: string;
  /** The conda file as az shows it: parsed into a mapping when it is YAML. */
  conda_file?: unknown;
  [extra: string]: unknown;
}

const ENVIRONMENT_SHOWN = new Set(['description', 'tags', 'image', 'condafile', 'isanonymous', 'isarchived']);

export function environmentEntity(arm: unknown): EnvironmentEntity {
  const { p, ...base } = assetBase(arm, 'environments');
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p)) {
    if (!ENVIRONMENT_SHOWN.has(key.toLowerCase())) extra[snakeKey(key)] = value;
  }
  return { ...extra, ...base, image: str(p.image) || undefined, conda_file: condaFile(str(p.condaFile)) };
}

function condaFile(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    const parsed: unknown = parse(text);
    return isArm(parsed) ? parsed : text;
  } catch {
    return text;
  }
}

export interface DatastoreEntity {
  name: string;
  id: string;
  type: string;
  path?: string;
  account_name?: string;
  container_name?: string;
  filesystem?: string;
  bucket?: string;
  region?: string;
  endpoint?: string;
  protocol?: string;
  /**
   * The credentials' type only (`account_key`, `sas`, `service_principal`, `access_key`, or `none` for
   * identity-based access): the server never returns the secret.
   */
  credentials?: { type: string };
  description: string;
  tags: Record<string, string>;
  is_default?: boolean;
}

export function datastoreEntity(arm: unknown): DatastoreEntity {
  const r = obj(arm);
  const p = obj(r.properties);
  const credentialsType = snakeEnum(obj(p.credentials).credentialsType);
  return {
    name: str(r.name) ?? '',
    id: str(r.id) ?? '',
    type: snakeEnum(p.datastoreType) ?? 'local_folder',
    path: str(p.path),
    account_name: str(p.accountName),
    container_name: str(p.containerName),
    filesystem: str(p.filesystem),
    bucket: str(p.bucket),
    region: str(p.region),
    endpoint: str(p.endpoint),
    protocol: str(p.protocol),
    credentials: credentialsType === undefined ? undefined : { type: credentialsType },
    description: str(p.description) ?? '',
    tags: strMap(p.tags),
    is_default: typeof p.isDefault === 'boolean' ? p.isDefault : undefined,
  };
}

/**
 * Where a datastore's files are, in one cell: a local folder's path, or the store's URI (`s3://bucket`,
 * `abfss://fs@account.dfs.core.windows.net`, `wasbs://container@account.blob.core.windows.net`, or the
 * account URL and container for an emulator).
 */
function datastoreLocation(entity: unknown): string | undefined {
  const d = obj(entity);
  if (str(d.bucket)) return `s3://${str(d.bucket) ?? ''}`;
  const account = str(d.account_name);
  const container = str(d.filesystem) ?? str(d.container_name);
  if (account === undefined || container === undefined) return str(d.path);
  const endpoint = str(d.endpoint) ?? 'core.windows.net';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) return `${endpoint.replace(/\/+$/, '')}/${container}`;
  return d.type === 'azure_data_lake_gen2'
    ? `abfss://${container}@${account}.dfs.${endpoint}`
    : `wasbs://${container}@${account}.blob.${endpoint}`;
}

/**
 * A model reference as a table shows it: `name:version` instead of the 190-character ARM id a deployment
 * holds (`azureml:/subscriptions/.../models/NAME/versions/V`); other forms print as they are.
 */
export function modelLabel(ref: unknown): string | undefined {
  const text = str(ref);
  if (text === undefined) return undefined;
  const arm = /\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(text);
  if (arm) return `${arm[1] ?? ''}:${arm[2] ?? ''}`;
  return text.replace(/^azureml:/i, '');
}

/** `-o table` columns; headers are az's column keys with the first letter capitalised, as knack prints them. */
export const TABLES = {
  endpoint: [
    { header: 'Name', path: 'name' },
    { header: 'Deployment_name', path: 'defaults.deployment_name' },
    { header: 'Location', path: 'location' },
    { header: 'Provisioning_state', path: 'provisioning_state' },
    { header: 'Scoring_uri', path: 'scoring_uri' },
    { header: 'Auth_mode', path: 'auth_mode' },
  ],
  deployment: [
    { header: 'Name', path: 'name' },
    { header: 'Endpoint_name', path: 'endpoint_name' },
    { header: 'Model', value: (deployment) => modelLabel(isArm(deployment) ? deployment.model : undefined) },
    { header: 'Compute', path: 'compute' },
    { header: 'Provisioning_state', path: 'provisioning_state' },
  ],
  model: [
    { header: 'Name', path: 'name' },
    { header: 'Version', path: 'version' },
    { header: 'Type', path: 'type' },
    { header: 'Description', path: 'description' },
  ],
  data: [
    { header: 'Name', path: 'name' },
    { header: 'Version', path: 'version' },
    { header: 'Type', path: 'type' },
    { header: 'Path', path: 'path' },
  ],
  environment: [
    { header: 'Name', path: 'name' },
    { header: 'Version', path: 'version' },
    { header: 'Image', path: 'image' },
    { header: 'Description', path: 'description' },
  ],
  datastore: [
    { header: 'Name', path: 'name' },
    { header: 'Type', path: 'type' },
    { header: 'Path', value: datastoreLocation },
    { header: 'Credentials', path: 'credentials.type' },
  ],
} as const satisfies Record<string, TableSpec>;
