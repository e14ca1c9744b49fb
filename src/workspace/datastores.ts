/**
 * Datastores of the workspace. `workspaceblobstore` (the default, where uploads and job outputs go) and
 * `workspaceartifactstore` (immutable snapshots of models and code, read-only to users) always exist
 * under the data dir; users add local-folder datastores over existing folders under the roots the operator
 * allows (storage/local/allowed-roots.ts), checked when created and again when first used after a start,
 * so a datastore made before a root was withdrawn stops working. Datastores over storage services (Azure
 * Blob, ADLS Gen2, S3) are read, checked and built in remote-datastores.ts.
 */
import { mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { optionalDescription, preview, tagMap } from '../core/limits.ts';
import { checkAssetName } from '../core/names.ts';
import { datastoreUri, MAX_DATASTORE_PATH, parseDatastoreUri } from '../core/references.ts';
import {
  newSystemData,
  touchSystemData,
  type Datastore,
  type LocalFolderDatastore,
} from '../core/resources.ts';
import { optionalEnum, optionalString, prop, type Json } from '../core/wire-values.ts';
import type { ResourceRepository } from '../store/contract.ts';
import type { SecretBox } from '../auth/secrets/secret-box.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import type { ServerIdentity } from './azure-identity.ts';
import {
  readRemoteDatastore,
  REMOTE_DATASTORE_TYPES,
  remoteBackendOf,
  secretsOf,
  type DatastoreSecrets,
  type RemoteFields,
} from './remote-datastores.ts';
import { checkDatastoreRoot, type RootPolicy } from '../storage/local/allowed-roots.ts';
import { createLocalFolderDatastore } from '../storage/local/local-folder.ts';
import { DEFAULT_URL_POLICY } from '../storage/http/url-policy.ts';
import type { HttpSourceOptions } from '../storage/http/http-file.ts';
import { publicFileLocation, type SourceLocation } from './public-files.ts';
import { storageUrlToDatastoreUri } from './storage-urls.ts';

export const DEFAULT_DATASTORE = 'workspaceblobstore';
export const ARTIFACT_DATASTORE = 'workspaceartifactstore';
const BUILTINS = [DEFAULT_DATASTORE, ARTIFACT_DATASTORE];

export interface ResolvedLocation {
  datastore: Datastore;
  backend: DatastoreBackend;
  path: string;
}

export type DatastoreService = ReturnType<typeof createDatastoreService>;

export function createDatastoreService(deps: {
  repo: ResourceRepository;
  dataDir: string;
  /** Where the built-in datastores' folders are (`<dir>/datastores/NAME`): the data dir unless shared. */
  builtinDir?: string;
  actor: string;
  /** Roots local-folder datastores may lie under; the server's config gives them. */
  allowedRoots: readonly string[];
  /** Seals the account keys and SAS tokens of remote datastores at rest. */
  secrets: SecretBox;
  /** How public URL inputs are fetched (the SSRF policy, extra CAs); public https only by default. */
  urls?: HttpSourceOptions;
  /** The server's own identity for identity-based access to Azure storage. */
  identity: ServerIdentity;
}) {
  const access = { box: deps.secrets, identity: deps.identity };
  const backends = new Map<string, DatastoreBackend>();
  const builtinRoot = (name: string) => join(deps.builtinDir ?? deps.dataDir, 'datastores', name);
  const policy: RootPolicy = {
    allowed: deps.allowedRoots,
    dataDir: deps.dataDir,
    builtins: BUILTINS.map(builtinRoot),
  };

  async function ensureBuiltins(): Promise<void> {
    for (const name of BUILTINS) {
      const rootPath = builtinRoot(name);
      await mkdir(rootPath, { recursive: true });
      const existing = await deps.repo.get<Datastore>('datastore', { name });
      if (existing) continue;
      const doc: Datastore = {
        name,
        datastoreType: 'LocalFolder',
        rootPath,
        description:
          name === DEFAULT_DATASTORE
            ? 'Default datastore: uploads and job outputs.'
            : 'Model and code snapshots.',
        tags: {},
        isDefault: name === DEFAULT_DATASTORE,
        systemData: newSystemData('system'),
      };
      await deps.repo.insert('datastore', { name }, doc);
    }
  }

  async function checkRootPath(rootPath: string | undefined): Promise<string> {
    const field = 'properties.path';
    if (!rootPath || !isAbsolute(rootPath)) {
      throw new ValidationError(
        `'${field}' must be an absolute folder path on the server; got ${JSON.stringify(rootPath)}.`,
        field,
      );
    }
    if (rootPath.length > MAX_DATASTORE_PATH) {
      throw new ValidationError(`'${field}' may have at most ${MAX_DATASTORE_PATH} characters.`, field);
    }
    const info = await stat(rootPath).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new ValidationError(`'${field}' ${rootPath} is not an existing folder; create it first.`, field);
    }
    await checkDatastoreRoot(rootPath, policy, { subject: `'${field}' ${rootPath}`, field });
    return rootPath;
  }

  async function get(name: string): Promise<Datastore> {
    const found = await deps.repo.get<Datastore>('datastore', { name });
    if (!found) {
      throw new NotFoundError(
        `Datastore '${name}' was not found. List datastores with: nightshift datastore list`,
      );
    }
    return found;
  }

  async function put(
    name: string,
    body: Json,
    actor = deps.actor,
  ): Promise<{ datastore: Datastore; created: boolean }> {
    checkAssetName(name, 'name');
    if (BUILTINS.includes(name.toLowerCase())) {
      throw new ConflictError(`Datastore '${name}' is built in and cannot be changed.`);
    }
    const props = prop(body, 'properties');
    const type = optionalEnum(prop(props, 'datastoreType') ?? 'LocalFolder', 'properties.datastoreType', [
      'LocalFolder',
      ...REMOTE_DATASTORE_TYPES,
    ] as const);
    let fields: Pick<LocalFolderDatastore, 'datastoreType' | 'rootPath'> | RemoteFields;
    if (type !== undefined && type !== 'LocalFolder') {
      // Checked before anything is saved: a datastore that cannot be read is refused, not stored.
      fields = await readRemoteDatastore(name, type, props, access);
    } else {
      const rootPath = await checkRootPath(
        optionalString(prop(props, 'path') ?? prop(props, 'rootPath'), 'properties.path'),
      );
      fields = { datastoreType: 'LocalFolder', rootPath };
    }
    const existing = await deps.repo.get<Datastore>('datastore', { name });
    const doc: Datastore = {
      name: existing?.name ?? name,
      ...fields,
      description: optionalDescription(prop(props, 'description'), 'properties.description') ?? '',
      tags: tagMap(prop(props, 'tags') ?? prop(body, 'tags'), 'properties.tags'),
      isDefault: false,
      systemData: existing ? touchSystemData(existing.systemData, actor) : newSystemData(actor),
    };
    if (existing) await deps.repo.replace('datastore', { name }, doc);
    else await deps.repo.insert('datastore', { name }, doc);
    backends.delete(name.toLowerCase());
    return { datastore: doc, created: !existing };
  }

  async function backend(name: string): Promise<DatastoreBackend> {
    const key = name.toLowerCase();
    const cached = backends.get(key);
    if (cached) return cached;
    const ds = await get(name);
    const created =
      ds.datastoreType === 'LocalFolder' ? await localBackend(key, ds) : remoteBackendOf(ds, access);
    backends.set(key, created);
    return created;
  }

  async function localBackend(key: string, ds: LocalFolderDatastore): Promise<DatastoreBackend> {
    return createLocalFolderDatastore(
      BUILTINS.includes(key)
        ? builtinRoot(key)
        : await checkDatastoreRoot(ds.rootPath, policy, {
            subject: `Datastore '${ds.name}' (folder ${ds.rootPath})`,
            field: 'datastore',
          }),
    );
  }

  /**
   * The datastore URI a storage URL (https://ACCOUNT.blob..., wasbs://, abfss://, s3://, a URL under a
   * datastore's full-URL endpoint) stands for; undefined for anything else. See storage-urls.ts.
   */
  async function toDatastoreUri(uri: string, field: string): Promise<string | undefined> {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) || /^azureml:/i.test(uri)) return undefined;
    return storageUrlToDatastoreUri(uri, field, await deps.repo.list<Datastore>('datastore'));
  }

  /**
   * Where data named by a datastore URI, a storage URL or a public http(s) file URL is: a datastore
   * location, or the one-file source of a public URL (fetched under the URL policy).
   */
  async function resolveSource(uri: string, field: string): Promise<SourceLocation> {
    const rewritten = (await toDatastoreUri(uri, field)) ?? uri;
    if (!parseDatastoreUri(rewritten, field) && /^https?:\/\//i.test(rewritten)) {
      return publicFileLocation(rewritten, field, deps.urls ?? { policy: DEFAULT_URL_POLICY });
    }
    const location = await resolve(rewritten, field);
    return { ...location, uri: datastoreUri({ datastore: location.datastore.name, path: location.path }) };
  }

  /** Resolves a datastore URI in any of its forms (storage URLs included) to the store and the path inside it. */
  async function resolve(uri: string, field: string): Promise<ResolvedLocation> {
    const parsed = parseDatastoreUri((await toDatastoreUri(uri, field)) ?? uri, field);
    if (!parsed) {
      throw new ValidationError(
        `Invalid location '${preview(uri)}' in '${field}': use azureml://datastores/NAME/paths/PATH.`,
        field,
      );
    }
    const datastore = await deps.repo.get<Datastore>('datastore', { name: parsed.datastore });
    if (!datastore) {
      throw new ValidationError(`Datastore '${parsed.datastore}' named in '${field}' does not exist.`, field);
    }
    return { datastore, backend: await backend(datastore.name), path: parsed.path };
  }

  /** The datastore's secret, for Azure's `listSecrets` (which RBAC guards). */
  async function listSecrets(name: string): Promise<DatastoreSecrets> {
    return secretsOf(await get(name), access);
  }

  return {
    ensureBuiltins,
    get,
    put,
    backend,
    listSecrets,
    resolve,
    resolveSource,
    toDatastoreUri,
    list: () => deps.repo.list<Datastore>('datastore'),
    isReadOnly: (name: string) => name.toLowerCase() === ARTIFACT_DATASTORE,
  };
}

const NOT_PLACE = new Set(['name', 'description', 'tags', 'isDefault', 'systemData', 'credentials']);

/**
 * What makes two datastore documents the same place, for keys such as the input cache's: the kind and
 * its location fields (account, container, endpoint, bucket, ...), not its name, description, tags,
 * times or credentials. A datastore re-pointed at another container gets a new identity; a new key for
 * the same container does not.
 */
export function datastoreIdentity(datastore: Datastore): string {
  const place = Object.entries(datastore).filter(([key]) => !NOT_PLACE.has(key));
  return JSON.stringify(place.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
