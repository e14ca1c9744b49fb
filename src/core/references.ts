/**
 * Parsing of the ways Azure ML users point at things: asset references (`azureml:NAME:VERSION`,
 * `azureml:NAME@latest`, ARM ids, `azureml://locations/.../versions/labels/latest`) and datastore URIs
 * (`azureml://datastores/DS/paths/P`, the long `azureml://subscriptions/...` form and the ARM
 * `.../datastores/DS/paths/P` form). Paths inside a datastore are normalised here, and any that would climb
 * out of the datastore is refused.
 */
import { ValidationError } from './errors.ts';
import { preview } from './limits.ts';
import { ASSET_KINDS, type AssetKind } from './workspace.ts';

export interface AssetRef {
  kind: AssetKind | undefined;
  name: string;
  /** A concrete version, or 'latest'. */
  version: string;
}

export interface DatastorePath {
  datastore: string;
  /** Normalised, '/'-separated, no leading slash; '' means the datastore root. */
  path: string;
}

const SHORT_REF = /^azureml:(?!\/\/)([^:@/]+)(?::([^:@/]+)|@([^:@/]+))?$/;
const ARM_ASSET =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/(data|models|environments|codes)\/([^/]+)\/versions\/([^/]+)$/i;
const LABEL_ASSET =
  /^azureml:\/\/locations\/[^/]+\/workspaces\/[^/]+\/(data|models|environments|codes)\/([^/]+)\/versions\/(?:labels\/)?([^/]+)$/i;
const SHORT_DATASTORE = /^azureml:\/\/datastores\/([^/]+)\/paths(?:\/(.*))?$/i;
const LONG_DATASTORE =
  /^azureml:\/\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/[^/]+\/datastores\/([^/]+)\/paths(?:\/(.*))?$/i;
const ARM_DATASTORE =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/datastores\/([^/]+)\/paths(?:\/(.*))?$/i;

function toKind(segment: string): AssetKind | undefined {
  const lower = segment.toLowerCase();
  return ASSET_KINDS.find((k) => k === lower);
}

/** Parses an asset reference, or returns undefined when the text is not one. */
export function parseAssetRef(text: string): AssetRef | undefined {
  const short = SHORT_REF.exec(text);
  if (short) {
    const [, name = '', version, label] = short;
    return { kind: undefined, name, version: version ?? label ?? 'latest' };
  }
  const arm = ARM_ASSET.exec(text) ?? LABEL_ASSET.exec(text);
  if (arm) {
    const [, kind = '', name = '', version = ''] = arm;
    return { kind: toKind(kind), name, version };
  }
  return undefined;
}

export function requireAssetRef(text: unknown, field: string, expected: AssetKind): AssetRef {
  const ref = typeof text === 'string' ? parseAssetRef(text) : undefined;
  if (!ref || (ref.kind !== undefined && ref.kind !== expected)) {
    throw new ValidationError(
      `Invalid reference '${String(text)}' in '${field}': use azureml:NAME:VERSION, azureml:NAME@latest or the asset's ARM id.`,
      field,
    );
  }
  return { ...ref, kind: expected };
}

/**
 * The longest datastore path, in characters: Azure Blob's limit for a blob name, so a path that works
 * here also works in the blob and S3 datastores to come (S3 allows 1,024 bytes).
 */
export const MAX_DATASTORE_PATH = 1024;
/** The longest name of one file or folder, in UTF-8 bytes: NAME_MAX of Linux file systems. */
const MAX_PATH_SEGMENT_BYTES = 255;

/**
 * Normalises a path inside a datastore; refuses any '..' that climbs out, and paths or names longer than
 * a store can hold (a 400 naming the limit, never a file-system error later).
 */
export function normaliseDatastorePath(raw: string, field = 'path'): string {
  // No percent-decoding here: HTTP routes hand over decoded paths already, and decoding twice would turn
  // a file named 'a%20b.csv' into 'a b.csv'. An encoded '%2e%2e' stays a literal name inside the store.
  const shown = preview(raw);
  if (raw.length > MAX_DATASTORE_PATH * 4) throw tooLong(shown, field);
  const parts: string[] = [];
  for (const part of raw.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw new ValidationError(
        `Invalid path '${shown}' in '${field}': '..' is not allowed; give a path inside the datastore.`,
        field,
      );
    }
    if (part.includes('\0')) throw new ValidationError(`Invalid path '${shown}' in '${field}'.`, field);
    if (Buffer.byteLength(part) > MAX_PATH_SEGMENT_BYTES) {
      throw new ValidationError(
        `Invalid path '${shown}' in '${field}': the name '${preview(part)}' is longer than ` +
          `${MAX_PATH_SEGMENT_BYTES} bytes (UTF-8), the most a file or folder name may have; shorten it.`,
        field,
      );
    }
    parts.push(part);
  }
  const path = parts.join('/');
  if (path.length > MAX_DATASTORE_PATH) throw tooLong(shown, field);
  return path;
}

function tooLong(shown: string, field: string): ValidationError {
  return new ValidationError(
    `Invalid path '${shown}' in '${field}': a datastore path may have at most ${MAX_DATASTORE_PATH} characters; shorten it.`,
    field,
  );
}

/** Parses a datastore URI in any of its three forms, or returns undefined when the text is not one. */
export function parseDatastoreUri(text: string, field = 'uri'): DatastorePath | undefined {
  const match = SHORT_DATASTORE.exec(text) ?? LONG_DATASTORE.exec(text) ?? ARM_DATASTORE.exec(text);
  if (!match) return undefined;
  const [, datastore = '', path = ''] = match;
  return { datastore, path: normaliseDatastorePath(path, field) };
}

/** A file (or folder) inside a datastore folder, as a datastore path ('' is the datastore's root). */
export function pathInFolder(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

export function datastoreUri(location: DatastorePath): string {
  return `azureml://datastores/${location.datastore}/paths/${location.path}`;
}
