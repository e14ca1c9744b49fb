/**
 * Parsing of the ways Azure ML users point at things: asset references (`azureml:NAME:VERSION`,
 * `azureml:NAME@latest`, ARM ids, `azureml://locations/.../versions/labels/latest`) and datastore URIs
 * (`azureml://datastores/DS/paths/P`, the long `azureml://subscriptions/...` form and the ARM
 * `.../datastores/DS/paths/P` form). Paths inside a datastore are normalised here, and any that would climb
 * out of the datastore is refused.
 */
import { ValidationError } from './errors.ts';
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

/** Normalises a path inside a datastore; refuses absolute paths and any '..' that climbs out. */
export function normaliseDatastorePath(raw: string, field = 'path'): string {
  // No percent-decoding here: HTTP routes hand over decoded paths already, and decoding twice would turn
  // a file named 'a%20b.csv' into 'a b.csv'. An encoded '%2e%2e' stays a literal name inside the store.
  const decoded = raw;
  const parts: string[] = [];
  for (const part of decoded.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw new ValidationError(
        `Invalid path '${raw}' in '${field}': '..' is not allowed; give a path inside the datastore.`,
        field,
      );
    }
    if (part.includes('\0')) throw new ValidationError(`Invalid path '${raw}' in '${field}'.`, field);
    parts.push(part);
  }
  return parts.join('/');
}

/** Parses a datastore URI in any of its three forms, or returns undefined when the text is not one. */
export function parseDatastoreUri(text: string, field = 'uri'): DatastorePath | undefined {
  const match = SHORT_DATASTORE.exec(text) ?? LONG_DATASTORE.exec(text) ?? ARM_DATASTORE.exec(text);
  if (!match) return undefined;
  const [, datastore = '', path = ''] = match;
  return { datastore, path: normaliseDatastorePath(path, field) };
}

export function requireDatastoreUri(text: unknown, field: string): DatastorePath {
  const parsed = typeof text === 'string' ? parseDatastoreUri(text, field) : undefined;
  if (!parsed) {
    throw new ValidationError(
      `Invalid location '${String(text)}' in '${field}': use azureml://datastores/NAME/paths/PATH.`,
      field,
    );
  }
  return parsed;
}

export function datastoreUri(location: DatastorePath): string {
  return `azureml://datastores/${location.datastore}/paths/${location.path}`;
}
