/**
 * The I/O half of turning specs into requests, as az does it client-side: uploading local paths,
 * picking the next version of an asset, registering models, data, environments and code snapshots, and
 * resolving `azureml:NAME:VERSION` / `azureml:NAME@latest` references to ARM ids (so an unknown
 * reference fails with the file and line that named it, before anything is created).
 */
import { createHash } from 'node:crypto';
import { parseAssetRef } from '../../core/references.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import type { AssetKind } from '../../core/workspace.ts';
import { CliError, type ApiClient } from '../client.ts';
import { shortHash, uploadLocalPath } from '../uploads.ts';
import type { DataFields, EnvironmentFields, ModelFields } from './asset-specs.ts';
import { compact } from './document-source.ts';
import type { PathValue } from './spec-fields.ts';

/** The name az gives environments defined inline in a deployment. */
const ANONYMOUS_ENVIRONMENT = 'CliV2AnonymousEnvironment';

const LABEL: Record<AssetKind, string> = {
  models: 'model',
  data: 'data asset',
  environments: 'environment',
  codes: 'code',
};

export type AssetRegistrar = ReturnType<typeof createAssetRegistrar>;

function isNotFound(error: unknown): boolean {
  return error instanceof CliError && error.status === 404;
}

const segment = encodeURIComponent;

export function createAssetRegistrar(client: ApiClient) {
  const assetPath = async (kind: AssetKind, name: string, version?: string) =>
    `${await client.workspacePath()}/${kind}/${segment(name)}${version === undefined ? '' : `/versions/${segment(version)}`}`;

  /** The container's `nextVersion`, or '1' for a name never registered. */
  async function nextVersion(kind: AssetKind, name: string): Promise<string> {
    try {
      const container = await client.request<{ properties?: { nextVersion?: string } }>(
        'GET',
        await assetPath(kind, name),
      );
      return container.properties?.nextVersion ?? '1';
    } catch (error) {
      if (isNotFound(error)) return '1';
      throw error;
    }
  }

  /** A local path is uploaded; anything else is already a location the server understands. */
  async function location(path: PathValue): Promise<{ uri: string; contentHash?: string }> {
    if (path.kind === 'remote') return { uri: path.uri };
    const upload = await uploadLocalPath(client, path.path);
    return { uri: upload.uri, contentHash: upload.contentHash };
  }

  async function put(kind: AssetKind, name: string, version: string, properties: Json): Promise<Json> {
    return client.request<Json>('PUT', await assetPath(kind, name, version), {
      properties: compact(properties),
    });
  }

  async function registerModel(fields: ModelFields): Promise<Json> {
    const { uri, contentHash } = await location(fields.path);
    // An inline model without a name (the legacy layout) is anonymous: named after its content.
    const name = fields.name ?? `model-${shortHash(contentHash ?? '')}`;
    const version = fields.version ?? (fields.name ? await nextVersion('models', name) : '1');
    return put('models', name, version, {
      modelType: fields.type,
      modelUri: uri,
      description: fields.description,
      tags: fields.tags,
      properties: fields.properties,
    });
  }

  async function registerData(fields: DataFields & { name: string }): Promise<Json> {
    const { uri } = await location(fields.path);
    const version = fields.version ?? (await nextVersion('data', fields.name));
    return put('data', fields.name, version, {
      dataType: fields.type,
      dataUri: uri,
      description: fields.description,
      tags: fields.tags,
    });
  }

  async function registerEnvironment(fields: EnvironmentFields & { name: string }): Promise<Json> {
    const version = fields.version ?? (await nextVersion('environments', fields.name));
    return put('environments', fields.name, version, environmentProperties(fields));
  }

  /** An inline environment: named CliV2AnonymousEnvironment, versioned by its definition's hash, as az does. */
  async function registerAnonymousEnvironment(fields: EnvironmentFields): Promise<Json> {
    // The interpreter is part of the definition, but only when given, so older hashes stay the same.
    const python = fields.extra.pythonExecutable;
    const definition = [
      fields.image ?? '',
      fields.condaFile ?? '',
      ...(python === undefined ? [] : [python]),
    ];
    const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
    return put('environments', ANONYMOUS_ENVIRONMENT, shortHash(hash), {
      ...environmentProperties(fields),
      isAnonymous: true,
    });
  }

  /** Uploads a code folder and registers it as version 1 of a code asset named after its content. */
  async function registerCode(folder: string): Promise<Json> {
    const upload = await uploadLocalPath(client, folder);
    return put('codes', shortHash(upload.contentHash), '1', { codeUri: upload.uri });
  }

  /**
   * `azureml:NAME:VERSION` or `azureml:NAME@latest` → the ARM id of that registered version. ARM ids
   * (bare or `azureml:`-prefixed) and other azureml:// forms pass through for the server to check.
   */
  async function resolveReference(
    source: YamlSpecSource,
    field: string,
    kind: AssetKind,
    given: string,
  ): Promise<string> {
    // az shows references as `azureml:` + the ARM id; the server takes the bare id.
    const text = given.replace(/^azureml:(?=\/subscriptions\/)/i, '');
    const ref = parseAssetRef(text);
    if (!ref) {
      throw specFieldError(
        source,
        field,
        `'${text}' is not a ${LABEL[kind]} reference: use azureml:NAME:VERSION or azureml:NAME@latest`,
      );
    }
    if (ref.kind !== undefined) {
      if (ref.kind !== kind)
        throw specFieldError(source, field, `'${text}' names a ${LABEL[ref.kind]}, not a ${LABEL[kind]}`);
      return text;
    }
    try {
      const version =
        ref.version.toLowerCase() === 'latest'
          ? ((
              await client.request<{ properties?: { latestVersion?: string } }>(
                'GET',
                await assetPath(kind, ref.name),
              )
            ).properties?.latestVersion ?? 'latest')
          : ref.version;
      return (await client.request<{ id: string }>('GET', await assetPath(kind, ref.name, version))).id;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const which =
        ref.version.toLowerCase() === 'latest' ? `'${ref.name}'` : `'${ref.name}' version '${ref.version}'`;
      throw specFieldError(
        source,
        field,
        `${LABEL[kind]} ${which} is not registered in the workspace (${text})`,
      );
    }
  }

  return {
    nextVersion,
    registerModel,
    registerData,
    registerEnvironment,
    registerAnonymousEnvironment,
    registerCode,
    resolveReference,
  };
}

function environmentProperties(fields: EnvironmentFields): Json {
  return {
    ...fields.extra,
    image: fields.image,
    condaFile: fields.condaFile,
    description: fields.description,
    tags: fields.tags,
  };
}
