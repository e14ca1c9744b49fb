/**
 * Storage URLs (`https://ACCOUNT.blob.SUFFIX/CONTAINER/PATH`, `wasbs://CONTAINER@ACCOUNT.blob.SUFFIX/PATH`,
 * `abfss://FILESYSTEM@ACCOUNT.dfs.SUFFIX/PATH`, `s3://BUCKET/PATH` and Amazon's https forms of it, and a
 * URL under a datastore's own
 * full-URL endpoint such as Azurite's `http://127.0.0.1:10000/devstoreaccount1/CONTAINER/PATH`) turned
 * into the `azureml://datastores/NAME/paths/PATH` of the registered datastore over that container. The
 * server reads storage with a datastore's credentials only, so access control, job records and
 * manifests all see a datastore; a storage URL no datastore covers is refused (anonymous reads of storage
 * accounts are not offered), as is one two datastores cover. Any query (a SAS token) is dropped: the
 * datastore's own credentials are used.
 */
import { ValidationError } from '../core/errors.ts';
import { datastoreUri, normaliseDatastorePath } from '../core/references.ts';

/**
 * What matching needs of a datastore, whatever its kind: AzureBlob has `accountName`/`containerName`,
 * ADLS Gen2 `accountName`/`filesystem`, S3 `bucket`; `endpoint` is a DNS suffix or a full URL.
 */
export interface StorageDatastoreFacts {
  name: string;
  datastoreType: string;
  accountName?: string;
  containerName?: string;
  filesystem?: string;
  bucket?: string;
  endpoint?: string;
}

interface StorageRef {
  /** Shown in messages: the URL without its query. */
  shown: string;
  /** Which datastores hold this container, and where in it the path is. */
  matches(ds: StorageDatastoreFacts): boolean;
  /** The path inside the container, percent-decoded when the URL form encodes it. */
  path: string;
  /** What to register, for the message when nothing matches. */
  fix: string;
}

const AZURE_HOST = /^([a-z0-9]+)\.(blob|dfs)\.(.+)$/i;
/** Azure's own storage suffixes: a URL on one of them is storage even before any datastore names it. */
const AZURE_SUFFIXES = ['core.windows.net', 'core.chinacloudapi.cn', 'core.usgovcloudapi.net'];
const DEFAULT_SUFFIX = 'core.windows.net';

const isFullUrl = (endpoint: string | undefined) =>
  endpoint !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint);
const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** An Azure container (Blob) or file system (ADLS Gen2, served by the same account's Blob endpoint). */
function azureMatcher(account: string, suffix: string, container: string) {
  return (ds: StorageDatastoreFacts) =>
    same(ds.accountName, account) &&
    (same(ds.containerName, container) || same(ds.filesystem, container)) &&
    !isFullUrl(ds.endpoint) &&
    same((ds.endpoint ?? DEFAULT_SUFFIX).replace(/^\.+|\/+$/g, ''), suffix);
}

function decodePath(raw: string, field: string): string {
  const parts = raw.split('/').map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ValidationError(`Invalid percent-encoding in the path of '${field}'.`, field);
    }
  });
  return normaliseDatastorePath(parts.join('/'), field);
}

/** wasbs://, abfss:// and s3:// URLs, read by hand: URL parsing of non-special schemes differs by runtime. */
function parseSchemeForm(uri: string, field: string): StorageRef | undefined {
  const az = /^(wasbs?|abfss?):\/\/([^@/?#]+)@([^/?#]+)(?:\/([^?#]*))?/i.exec(uri);
  if (az) {
    const [, scheme = '', container = '', host = '', path = ''] = az;
    const hostMatch = AZURE_HOST.exec(host);
    if (!hostMatch) {
      throw new ValidationError(
        `'${field}' ${scheme}://${container}@${host}/... must name an account host such as ACCOUNT.blob.core.windows.net.`,
        field,
      );
    }
    const [, account = '', , suffix = ''] = hostMatch;
    return {
      shown: `${scheme}://${container}@${host}/${path}`,
      matches: azureMatcher(account, suffix, container),
      path: decodePath(path, field),
      fix: `an azure_blob datastore (account_name ${account}, container_name ${container}) or an azure_data_lake_gen2 datastore (filesystem ${container})`,
    };
  }
  const s3 = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?/i.exec(uri);
  if (s3) {
    const [, bucket = '', path = ''] = s3;
    return {
      shown: `s3://${bucket}/${path}`,
      matches: (ds) => ds.bucket !== undefined && ds.bucket === bucket,
      path: normaliseDatastorePath(path, field),
      fix: `an s3 datastore (bucket ${bucket})`,
    };
  }
  return undefined;
}

/** https://ACCOUNT.blob.SUFFIX/CONTAINER/PATH, or a URL under a datastore's full-URL endpoint. */
function parseHttpForm(
  uri: string,
  field: string,
  datastores: readonly StorageDatastoreFacts[],
): StorageRef | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  const hostMatch = AZURE_HOST.exec(url.hostname);
  const suffixes = [
    ...AZURE_SUFFIXES,
    ...datastores.flatMap((d) => (d.endpoint && !isFullUrl(d.endpoint) ? [d.endpoint.toLowerCase()] : [])),
  ];
  if (hostMatch && suffixes.includes((hostMatch[3] ?? '').toLowerCase())) {
    const [, account = '', , suffix = ''] = hostMatch;
    const [container = '', ...rest] = url.pathname.replace(/^\/+/, '').split('/');
    return {
      shown,
      matches: azureMatcher(account, suffix, decodePath(container, field)),
      path: decodePath(rest.join('/'), field),
      fix: `an azure_blob datastore (account_name ${account}, container_name ${container || '?'})`,
    };
  }
  const aws = awsRef(url, shown, field);
  if (aws) return aws;
  // A full-URL endpoint (Azurite, an S3-compatible server, a private endpoint): the URL lies under it.
  for (const ds of datastores) {
    if (!isFullUrl(ds.endpoint)) continue;
    const base = (ds.endpoint ?? '').replace(/\/+$/, '');
    if (!shown.toLowerCase().startsWith(`${base.toLowerCase()}/`)) continue;
    const [container = '', ...rest] = shown.slice(base.length + 1).split('/');
    const name = decodePath(container, field);
    return {
      shown,
      matches: (d) =>
        same((d.endpoint ?? '').replace(/\/+$/, ''), base) &&
        (d.containerName === name || d.filesystem === name || d.bucket === name),
      path: decodePath(rest.join('/'), field),
      fix: `a datastore over container '${name}' at ${base}`,
    };
  }
  return undefined;
}

/** Amazon S3's https forms: `BUCKET.s3[.REGION].amazonaws.com/PATH` and `s3[.REGION].amazonaws.com/BUCKET/PATH`. */
function awsRef(url: URL, shown: string, field: string): StorageRef | undefined {
  const host = /^(?:(.+)\.)?s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/i.exec(url.hostname);
  if (!host) return undefined;
  const segments = url.pathname.replace(/^\/+/, '').split('/');
  const bucket = host[1] ?? segments.shift() ?? '';
  return {
    shown,
    matches: (ds) => ds.bucket !== undefined && ds.bucket === bucket,
    path: decodePath(segments.join('/'), field),
    fix: `an s3 datastore (bucket ${bucket})`,
  };
}

/**
 * The datastore URI a storage URL stands for; undefined when `uri` is not a storage URL (an azureml://
 * URI, an asset reference, a plain public https file). A storage URL that no datastore, or more than one,
 * covers is a ValidationError naming `field` and the fix.
 */
export function storageUrlToDatastoreUri(
  uri: string,
  field: string,
  datastores: readonly StorageDatastoreFacts[],
): string | undefined {
  const ref = parseSchemeForm(uri, field) ?? parseHttpForm(uri, field, datastores);
  if (!ref) return undefined;
  const found = datastores.filter((ds) => ref.matches(ds));
  if (found.length === 0) {
    throw new ValidationError(
      `'${field}' ${ref.shown} is in no registered datastore: this server reads storage through datastores ` +
        `only. Register ${ref.fix} with 'nightshift datastore create -f', then use this URL or its ` +
        `azureml://datastores/NAME/paths/PATH form.`,
      field,
    );
  }
  if (found.length > 1) {
    throw new ValidationError(
      `'${field}' ${ref.shown} is in more than one datastore (${found.map((d) => d.name).join(', ')}); ` +
        'say which with azureml://datastores/NAME/paths/PATH.',
      field,
    );
  }
  return datastoreUri({ datastore: found[0]?.name ?? '', path: ref.path });
}
