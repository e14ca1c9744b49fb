/**
 * The YAML of versioned assets: models (`model.schema.json`), data (`data.schema.json`) and
 * environments (`environment.schema.json`), standalone or inline in a deployment (`model:` and
 * `environment:` blocks, read with a prefix). Reading only validates and resolves local paths; nothing is
 * uploaded or registered here (see asset-registrar.ts), so every mistake in a file is reported before
 * any I/O starts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import { checkAssetName, checkVersion } from '../../core/names.ts';
import { resolveLocalPath, isRemoteReference } from '../../core/spec/local-path.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import {
  fieldValue,
  optionalEnum,
  optionalString,
  optionalStringMap,
  pathField,
  refuseUnknownFields,
  type PathValue,
} from './spec-fields.ts';

/** Flags that override the file: `--name`, `--version`. */
export interface AssetFlags {
  name?: string | undefined;
  version?: string | undefined;
}

interface AssetCommon {
  name?: string;
  version?: string;
  description?: string;
  tags?: Record<string, string>;
}

export interface ModelFields extends AssetCommon {
  path: PathValue;
  type: 'custom_model' | 'mlflow_model';
  properties?: Record<string, string>;
}

export interface DataFields extends AssetCommon {
  path: PathValue;
  type: 'uri_folder' | 'uri_file';
}

export interface EnvironmentFields extends AssetCommon {
  image?: string;
  /** The conda file's text, read from the local file. */
  condaFile?: string;
  /** Other az environment fields, passed through in camelCase. */
  extra: Record<string, unknown>;
}

const MODEL_FIELDS = ['name', 'version', 'path', 'type', 'description', 'tags', 'properties'] as const;
const DATA_FIELDS = ['name', 'version', 'path', 'type', 'description', 'tags'] as const;
const ENVIRONMENT_FIELDS = [
  'name',
  'version',
  'image',
  'conda_file',
  'python_executable',
  'description',
  'tags',
] as const;
/** az environment fields Nightshift stores but does not act on yet; they pass through unchanged. */
const ENVIRONMENT_PASSTHROUGH = ['build', 'os_type', 'inference_config', 'properties', 'stage'] as const;

function at(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function checked(
  source: YamlSpecSource,
  field: string,
  value: string | undefined,
  check: (v: string) => string,
) {
  if (value === undefined) return undefined;
  try {
    return check(value);
  } catch (error) {
    if (error instanceof ValidationError) throw specFieldError(source, field, error.message);
    throw error;
  }
}

function readCommon(
  source: YamlSpecSource,
  prefix: string,
  flags: AssetFlags,
  nameRequired: boolean,
): AssetCommon {
  const name = flags.name ?? optionalString(source, at(prefix, 'name'));
  if (nameRequired && !name) throw specFieldError(source, at(prefix, 'name'), 'is required (or pass --name)');
  return {
    name: checked(source, at(prefix, 'name'), name, (v) => checkAssetName(v, at(prefix, 'name'))),
    version: checked(
      source,
      at(prefix, 'version'),
      flags.version ?? optionalString(source, at(prefix, 'version')),
      (v) => checkVersion(v, at(prefix, 'version')),
    ),
    description: optionalString(source, at(prefix, 'description')),
    tags: optionalStringMap(source, at(prefix, 'tags')),
  };
}

/** A model spec; `prefix` is 'model' for a deployment's inline model, where the name may be absent. */
export function readModelFields(source: YamlSpecSource, prefix = '', flags: AssetFlags = {}): ModelFields {
  refuseUnknownFields(source, prefix, MODEL_FIELDS);
  const common = readCommon(source, prefix, flags, prefix === '');
  const type = optionalEnum(source, at(prefix, 'type'), {
    custom_model: 'custom_model',
    mlflow_model: 'mlflow_model',
  } as const);
  const path = pathField(
    source,
    at(prefix, 'path'),
    'a local file or folder, or an azureml:// datastore URI',
  );
  if (type === 'mlflow_model' && path.kind === 'local' && !existsSync(joinPath(path.path, 'MLmodel'))) {
    throw specFieldError(
      source,
      at(prefix, 'path'),
      `an mlflow_model must be a folder holding an MLmodel file; ${path.path} has none`,
    );
  }
  if (!common.name && path.kind === 'remote') {
    throw specFieldError(source, at(prefix, 'name'), 'is required when the model path is not a local path');
  }
  return {
    ...common,
    type: type ?? 'custom_model',
    path,
    properties: optionalStringMap(source, at(prefix, 'properties')),
  };
}

export function readDataFields(source: YamlSpecSource, flags: AssetFlags = {}): DataFields {
  refuseUnknownFields(source, '', DATA_FIELDS);
  const common = readCommon(source, '', flags, true);
  const type =
    optionalEnum(source, 'type', { uri_folder: 'uri_folder', uri_file: 'uri_file' } as const) ?? 'uri_folder';
  const path = pathField(source, 'path', 'a local file or folder, or an azureml:// datastore URI');
  if (path.kind === 'local' && path.isFolder !== (type === 'uri_folder')) {
    const wanted = type === 'uri_folder' ? 'a folder' : 'a file';
    throw specFieldError(source, 'path', `a ${type} data asset needs ${wanted}; ${path.path} is not one`);
  }
  return { ...common, type, path };
}

function readCondaFile(source: YamlSpecSource, field: string): string | undefined {
  const given = optionalString(source, field);
  if (given === undefined) return undefined;
  if (isRemoteReference(given)) throw specFieldError(source, field, 'must be a local conda YAML file');
  const local = resolveLocalPath(source, given);
  if (!existsSync(local) || !statSync(local).isFile()) {
    throw specFieldError(source, field, `local file '${given}' does not exist (looked for ${local})`);
  }
  return readFileSync(local, 'utf8');
}

function camelKey(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** An environment spec; `prefix` is 'environment' for a deployment's inline environment. */
export function readEnvironmentFields(
  source: YamlSpecSource,
  prefix = '',
  flags: AssetFlags = {},
): EnvironmentFields {
  const passthrough = prefix === '' ? ENVIRONMENT_PASSTHROUGH : [];
  refuseUnknownFields(source, prefix, [...ENVIRONMENT_FIELDS, ...passthrough]);
  const common = readCommon(source, prefix, flags, prefix === '');
  const image = optionalString(source, at(prefix, 'image'));
  const extra: Record<string, unknown> = {};
  for (const key of passthrough) {
    const value = fieldValue(source, key);
    if (value !== undefined && value !== null) extra[camelKey(key)] = value;
  }
  // Nightshift's own field: the interpreter that runs Python deployments of this environment.
  const python = optionalString(source, at(prefix, 'python_executable'));
  if (python !== undefined) {
    if (python.trim() === '')
      throw specFieldError(
        source,
        at(prefix, 'python_executable'),
        'must be the path of a Python interpreter',
      );
    extra.pythonExecutable = python;
  }
  if (!image && extra.build === undefined) {
    throw specFieldError(
      source,
      at(prefix, 'image'),
      'is required: the base image, e.g. mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
    );
  }
  return { ...common, image, condaFile: readCondaFile(source, at(prefix, 'conda_file')), extra };
}
