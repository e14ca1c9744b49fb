/**
 * Versioned assets: data (`uri_folder` / `uri_file`), models, code snapshots and environments. Models and
 * code are copied into the artifact store when registered and are immutable afterwards: registering the
 * same version again with other content is a conflict, while description and tags may change.
 */
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { optionalDescription, tagMap } from '../core/limits.ts';
import { checkAssetName, checkVersion, compareVersions } from '../core/names.ts';
import { datastoreUri } from '../core/references.ts';
import {
  newSystemData,
  touchSystemData,
  type CodeVersion,
  type DataVersion,
  type EnvironmentVersion,
  type ModelVersion,
} from '../core/resources.ts';
import { isObject, optionalEnum, optionalString, prop, stringMap, type Json } from '../core/wire-values.ts';
import type { AssetKind } from '../core/workspace.ts';
import type { ResourceRepository } from '../store/contract.ts';
import { ARTIFACT_DATASTORE, type DatastoreService } from './datastores.ts';
import { snapshotTree } from './snapshot.ts';

export interface AssetByKind {
  data: DataVersion;
  models: ModelVersion;
  codes: CodeVersion;
  environments: EnvironmentVersion;
}

const LABEL: Record<AssetKind, string> = {
  data: 'Data asset',
  models: 'Model',
  codes: 'Code',
  environments: 'Environment',
};

export type AssetService = ReturnType<typeof createAssetService>;

export function createAssetService(deps: {
  repo: ResourceRepository;
  datastores: DatastoreService;
  actor: string;
}) {
  async function versions<K extends AssetKind>(kind: K, name: string): Promise<AssetByKind[K][]> {
    const all = await deps.repo.list<AssetByKind[K]>(kind, { name });
    return all.sort((a, b) => compareVersions(a.version, b.version));
  }

  async function get<K extends AssetKind>(kind: K, name: string, version: string): Promise<AssetByKind[K]> {
    if (version.toLowerCase() === 'latest') {
      const all = await versions(kind, name);
      const latest = all.at(-1);
      if (!latest) throw new NotFoundError(`${LABEL[kind]} '${name}' was not found.`);
      return latest;
    }
    const found = await deps.repo.get<AssetByKind[K]>(kind, { name, version });
    if (!found) throw new NotFoundError(`${LABEL[kind]} '${name}' version '${version}' was not found.`);
    return found;
  }

  async function containers(
    kind: AssetKind,
  ): Promise<{ name: string; latestVersion: string; nextVersion: string; versions: number }[]> {
    const byName = new Map<string, string[]>();
    for (const doc of await deps.repo.list<{ name: string; version: string }>(kind)) {
      byName.set(doc.name, [...(byName.get(doc.name) ?? []), doc.version]);
    }
    return [...byName.entries()].map(([name, vs]) => summarise(name, vs));
  }

  async function container(kind: AssetKind, name: string) {
    const all = await versions(kind, name);
    if (all.length === 0) throw new NotFoundError(`${LABEL[kind]} '${name}' was not found.`);
    return summarise(
      all[0]?.name ?? name,
      all.map((v) => v.version),
    );
  }

  async function put(kind: AssetKind, name: string, version: string, body: Json, actor = deps.actor) {
    checkAssetName(name, 'name');
    checkVersion(version, 'version');
    const props = prop(body, 'properties');
    if (!isObject(props))
      throw new ValidationError(`The request body needs a 'properties' object.`, 'properties');
    const existing = await deps.repo.get<AssetByKind[AssetKind]>(kind, { name, version });
    const common = {
      name: existing?.name ?? name,
      version,
      description: optionalDescription(prop(props, 'description'), 'properties.description') ?? '',
      tags: tagMap(prop(props, 'tags') ?? prop(body, 'tags'), 'properties.tags'),
      systemData: existing ? touchSystemData(existing.systemData, actor) : newSystemData(actor),
    };
    const doc = await BUILD[kind](common, props, existing);
    if (existing) await deps.repo.replace(kind, { name, version }, doc);
    else if (!(await deps.repo.insert(kind, { name, version }, doc))) {
      throw new ConflictError(
        `${LABEL[kind]} '${name}' version '${version}' was registered at the same time; retry.`,
      );
    }
    return { asset: doc, created: !existing };
  }

  type Common = Pick<DataVersion, 'name' | 'version' | 'description' | 'tags' | 'systemData'>;

  async function buildData(common: Common, props: Json): Promise<DataVersion> {
    const dataType = optionalEnum(prop(props, 'dataType'), 'properties.dataType', [
      'uri_folder',
      'uri_file',
    ] as const);
    if (!dataType)
      throw new ValidationError(
        `'properties.dataType' is required: uri_folder or uri_file.`,
        'properties.dataType',
      );
    const uri = optionalString(prop(props, 'dataUri'), 'properties.dataUri');
    if (!uri) throw new ValidationError(`'properties.dataUri' is required.`, 'properties.dataUri');
    // A datastore URI, a storage URL of a registered datastore, or a public https file (kept as its URL).
    const location = await deps.datastores.resolveSource(uri, 'properties.dataUri');
    const shown = location.datastore ? uri : location.uri.replace(/[?#].*$/s, '');
    if (!location.datastore && dataType === 'uri_folder') {
      throw new ValidationError(
        `'properties.dataUri' ${shown} is a URL: a URL names one file, so register it as uri_file.`,
        'properties.dataUri',
      );
    }
    const info = await location.backend.stat(location.path).catch((error: unknown) => {
      if (location.datastore || !(error instanceof ValidationError)) throw error;
      throw new ValidationError(`'properties.dataUri': ${error.message}`, 'properties.dataUri');
    });
    const wanted = dataType === 'uri_folder' ? 'folder' : 'file';
    if (info?.kind !== wanted) {
      throw new ValidationError(
        `'properties.dataUri' ${shown} ${info ? `is a ${info.kind}` : 'does not exist'}; a ${dataType} asset needs an existing ${wanted}.`,
        'properties.dataUri',
      );
    }
    return { ...common, dataType, dataUri: location.uri };
  }

  /** Copies a new version into the artifact store; for an existing one only hashes and compares. */
  async function snapshot(
    kind: 'models' | 'codes',
    common: Common,
    uri: string,
    field: string,
    prior: { contentHash: string } | undefined,
  ) {
    const source = await deps.datastores.resolve(uri, field);
    if (prior) {
      const hashed = await snapshotTree({ backend: source.backend, path: source.path, field });
      refuseChangedContent(kind, prior, hashed.contentHash, common.name, common.version);
      return undefined;
    }
    const target = {
      backend: await deps.datastores.backend(ARTIFACT_DATASTORE),
      path: `${kind}/${common.name}/${common.version}`,
    };
    await target.backend.remove(target.path, { recursive: true });
    const result = await snapshotTree({ backend: source.backend, path: source.path, field }, target);
    return {
      ...result,
      copyUri: datastoreUri({ datastore: ARTIFACT_DATASTORE, path: `${target.path}/${result.entryName}` }),
    };
  }

  function refuseChangedContent(
    kind: AssetKind,
    existing: { contentHash: string } | undefined,
    hash: string,
    name: string,
    version: string,
  ) {
    if (existing && existing.contentHash !== hash) {
      throw new ConflictError(
        `${LABEL[kind]} '${name}' version '${version}' already exists with other content; registered versions are immutable. Register a new version.`,
      );
    }
  }

  async function buildModel(common: Common, props: Json, existing: unknown): Promise<ModelVersion> {
    const modelType =
      optionalEnum(prop(props, 'modelType'), 'properties.modelType', [
        'custom_model',
        'mlflow_model',
      ] as const) ?? 'custom_model';
    const uri = optionalString(prop(props, 'modelUri'), 'properties.modelUri');
    if (!uri)
      throw new ValidationError(
        `'properties.modelUri' is required: where the model files were uploaded.`,
        'properties.modelUri',
      );
    const prior = existing as ModelVersion | undefined;
    const snap = await snapshot('models', common, uri, 'properties.modelUri', prior);
    if (!snap) return { ...(prior as ModelVersion), ...common };
    if (modelType === 'mlflow_model' && snap.kind !== 'folder') {
      throw new ValidationError(
        `An mlflow_model must be a folder holding an MLmodel file; '${uri}' is a file.`,
        'properties.modelUri',
      );
    }
    return {
      ...common,
      modelType,
      sourceUri: uri,
      modelUri: snap.copyUri,
      entryName: snap.entryName,
      contentHash: snap.contentHash,
      properties: stringMap(prop(props, 'properties'), 'properties.properties'),
    };
  }

  async function buildCode(common: Common, props: Json, existing: unknown): Promise<CodeVersion> {
    const uri = optionalString(prop(props, 'codeUri'), 'properties.codeUri');
    if (!uri)
      throw new ValidationError(
        `'properties.codeUri' is required: where the code folder was uploaded.`,
        'properties.codeUri',
      );
    const prior = existing as CodeVersion | undefined;
    const snap = await snapshot('codes', common, uri, 'properties.codeUri', prior);
    if (!snap) return { ...(prior as CodeVersion), ...common };
    return { ...common, sourceUri: uri, codeUri: snap.copyUri, contentHash: snap.contentHash };
  }

  function buildEnvironment(common: Common, props: Json, existing: unknown): Promise<EnvironmentVersion> {
    const image = optionalString(prop(props, 'image'), 'properties.image') ?? '';
    const condaFile = optionalString(prop(props, 'condaFile'), 'properties.condaFile') ?? '';
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
      if (!['image', 'condafile', 'description', 'tags'].includes(k.toLowerCase())) extra[k] = v;
    }
    const prior = existing as EnvironmentVersion | undefined;
    const python = (env: Record<string, unknown> | undefined) =>
      Object.entries(env ?? {}).find(([k]) => k.toLowerCase() === 'pythonexecutable')?.[1];
    if (
      prior &&
      (prior.image !== image || prior.condaFile !== condaFile || python(prior.extra) !== python(extra))
    ) {
      throw new ConflictError(
        `Environment '${common.name}' version '${common.version}' already exists with another definition; register a new version.`,
      );
    }
    return Promise.resolve({ ...common, image, condaFile, extra });
  }

  const BUILD: Record<AssetKind, (c: Common, p: Json, e: unknown) => Promise<AssetByKind[AssetKind]>> = {
    data: buildData,
    models: buildModel,
    codes: buildCode,
    environments: buildEnvironment,
  };

  return { get, versions, containers, container, put };
}

function summarise(name: string, versions: string[]) {
  const sorted = [...versions].sort(compareVersions);
  const latest = sorted.at(-1) ?? '';
  const numeric = Number(latest);
  return {
    name,
    latestVersion: latest,
    nextVersion: Number.isInteger(numeric) ? String(numeric + 1) : String(sorted.length + 1),
    versions: sorted.length,
  };
}
