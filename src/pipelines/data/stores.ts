/**
 * A linked service and a dataset location become a DatastoreBackend: Azure Blob Storage (connection
 * string, SAS URI, or service endpoint with a service principal or the managed identity) and ADLS Gen2
 * (AzureBlobFS, read and written through the Blob endpoint of the same account) over the Blob backend the
 * datastores use, Amazon S3 (or an S3-compatible `serviceUrl`) over the S3 backend, and an HTTP server's
 * file (`url` + the location's `relativeUrl`) as a read-only one-file source under the server's URL policy
 * (the same as URL inputs: --allow-url-hosts, --allow-http-urls, --url-ca-file). Every URL is checked
 * against the address guard once more, resolved, right before the connection is made.
 */
import { ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { NotSupportedError, ValidationError } from '../../core/errors.ts';
import type { Json } from '../../core/wire-values.ts';
import { blobDatastoreOver } from '../../storage/azure-blob/azure-blob.ts';
import { s3DatastoreOver } from '../../storage/s3/s3.ts';
import { fileNameOf, httpFileSource, type HttpSourceOptions } from '../../storage/http/http-file.ts';
import { containerClientOf, type BlobCredential } from '../../storage/azure-blob/connection.ts';
import type { DatastoreBackend } from '../../storage/contract.ts';
import { checkResolvedAddress, checkStoreAddress } from './address-guard.ts';
import {
  connectionStringParts,
  LINKED_SERVICE_MASK,
  secretText,
  type LinkedServiceProperties,
} from './linked-services.ts';

/** Every URL a linked service makes the server connect to, with the field that holds it. */
function urlsOf(ls: LinkedServiceProperties): { url: string; field: string }[] {
  const tp = ls.typeProperties;
  const field = (key: string) => `properties.typeProperties.${key}`;
  const out: { url: string; field: string }[] = [];
  for (const key of ['url', 'sasUri', 'serviceEndpoint', 'serviceUrl']) {
    const text = secretText(tp[key]);
    // The mask stands for a stored secret, checked when it was saved.
    if (text && text !== LINKED_SERVICE_MASK) out.push({ url: text, field: field(key) });
  }
  const cs = secretText(tp['connectionString']);
  const endpoint = cs === undefined ? undefined : connectionStringParts(cs).get('blobendpoint');
  if (endpoint) out.push({ url: endpoint, field: field('connectionString') });
  return out;
}

function parsed(url: string, field: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ValidationError(`'${field}' is not a URL.`, field);
  }
}

/** Refuses a linked service that points at a metadata address or at this server (when it is saved). */
export function checkLinkedServiceAddresses(ls: LinkedServiceProperties, ownHosts: readonly string[]): void {
  for (const { url, field } of urlsOf(ls)) checkStoreAddress(parsed(url, field), field, ownHosts);
}

/** The linked service types this server can connect to (Copy and Get Metadata reach their stores). */
const CONNECTED_TYPES: readonly string[] = [
  'AzureBlobStorage',
  'AzureBlobFS',
  'AmazonS3',
  'HttpServer',
  'NightshiftDatastore',
];

/**
 * Refuses, when it is saved, a linked service of a type the server cannot reach yet, naming the type, so
 * no pipeline is built on a store that would fail at its first run.
 */
export function assertConnectable(ls: LinkedServiceProperties): void {
  // Basic would put a password on requests that may be redirected to another host; not served yet.
  if (ls.type === 'HttpServer' && (ls.typeProperties['authenticationType'] ?? 'Anonymous') !== 'Anonymous') {
    throw new NotSupportedError(
      `HttpServer linked services with 'properties.typeProperties.authenticationType' ${JSON.stringify(ls.typeProperties['authenticationType'])} are not served; only Anonymous is. Publish the file without authentication, or stage it in Azure Blob Storage.`,
    );
  }
  if (CONNECTED_TYPES.includes(ls.type)) return;
  throw new NotSupportedError(
    `Linked services of type ${ls.type} are not connected on this server yet; Copy and Get Metadata reach ${CONNECTED_TYPES.join(' and ')}. Stage the data in Azure Blob Storage or ADLS Gen2.`,
  );
}

/** An emulator or private endpoint (an IP or localhost) names the account in the path, as Azurite does. */
function accountNameOf(url: URL): string {
  const host = url.hostname;
  const pathStyle = host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':');
  return pathStyle ? (url.pathname.split('/').find((p) => p !== '') ?? '') : (host.split('.')[0] ?? '');
}

function accountUrl(url: URL): string {
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function tokenCredential(tp: Json): TokenCredential {
  const clientId = secretText(tp['servicePrincipalId']);
  const key = secretText(tp['servicePrincipalKey']);
  const tenant = secretText(tp['tenant']);
  if (clientId && key && tenant) return new ClientSecretCredential(tenant, clientId, key);
  return new ManagedIdentityCredential();
}

function blobContainer(ls: LinkedServiceProperties, container: string): ContainerClient {
  const tp = ls.typeProperties;
  const fromUrl = (url: URL, credential: BlobCredential) =>
    containerClientOf({
      accountName: accountNameOf(url),
      containerName: container,
      endpoint: accountUrl(url),
      credential,
    });
  const cs = secretText(tp['connectionString']);
  if (cs !== undefined) {
    const parts = connectionStringParts(cs);
    const accountName = parts.get('accountname') ?? '';
    const endpoint =
      parts.get('blobendpoint') ??
      `${parts.get('defaultendpointsprotocol') ?? 'https'}://${accountName}.blob.${parts.get('endpointsuffix') ?? 'core.windows.net'}`;
    const key = parts.get('accountkey');
    const url = new URL(endpoint);
    return containerClientOf({
      accountName: accountName || accountNameOf(url),
      containerName: container,
      endpoint: accountUrl(url),
      credential: key ? { accountKey: key } : { sasToken: parts.get('sharedaccesssignature') ?? '' },
    });
  }
  const sasUri = secretText(tp['sasUri']);
  if (sasUri !== undefined) {
    const url = new URL(sasUri);
    const token = url.search.slice(1) || (secretText(tp['sasToken']) ?? '');
    return fromUrl(url, { sasToken: token });
  }
  const base = secretText(tp['url']) ?? secretText(tp['serviceEndpoint']) ?? '';
  // ADLS Gen2's dfs endpoint and the Blob endpoint serve the same account.
  const url = new URL(base.replace('.dfs.', '.blob.'));
  const accountKey = secretText(tp['accountKey']);
  if (accountKey) return fromUrl(url, { accountKey });
  return new BlobServiceClient(accountUrl(url), tokenCredential(tp)).getContainerClient(container);
}

/** The container (Blob) or file system (ADLS) of a location; required for these stores. */
function containerOf(ls: LinkedServiceProperties, location: Json, dataset: string): string {
  const key = ls.type === 'AzureBlobFS' ? 'fileSystem' : 'container';
  const value = location[key];
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(
      `Dataset '${dataset}': 'typeProperties.location.${key}' is required for ${ls.type}; name the ${key === 'container' ? 'blob container' : 'file system'}.`,
      `typeProperties.location.${key}`,
    );
  }
  return value;
}

/**
 * An S3 bucket (AmazonS3Location's `bucketName`) through the S3 datastore backend. Data Factory's AmazonS3
 * linked service has no region; `region` may be given, us-east-1 otherwise (S3-compatible servers ignore it).
 */
function s3Store(ls: LinkedServiceProperties, location: Json, dataset: string): OpenedStore {
  const bucket = location['bucketName'];
  if (typeof bucket !== 'string' || bucket === '') {
    throw new ValidationError(
      `Dataset '${dataset}': 'typeProperties.location.bucketName' is required for AmazonS3; name the bucket.`,
      'typeProperties.location.bucketName',
    );
  }
  const tp = ls.typeProperties;
  const endpoint = secretText(tp['serviceUrl']);
  const region = secretText(tp['region']);
  return {
    backend: s3DatastoreOver({
      bucket,
      region: region || 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      credentials: {
        accessKeyId: secretText(tp['accessKeyId']) ?? '',
        secretAccessKey: secretText(tp['secretAccessKey']) ?? '',
      },
    }),
    label: `bucket '${bucket}'`,
  };
}

/**
 * The file an HttpServerLocation names: `relativeUrl` resolved against the linked service's `url`. It must
 * stay on that origin, so a dataset cannot turn a linked service for one server into a request to another.
 */
function httpStore(
  ls: LinkedServiceProperties,
  location: Json,
  options: { dataset: string; ownHosts: readonly string[]; urls: HttpSourceOptions },
): Promise<OpenedStore> {
  const field = 'typeProperties.location.relativeUrl';
  const base = parsed(secretText(ls.typeProperties['url']) ?? '', 'properties.typeProperties.url');
  const relative = location['relativeUrl'] ?? '';
  if (typeof relative !== 'string') {
    throw new ValidationError(`Dataset '${options.dataset}': '${field}' must be text.`, field);
  }
  let url: URL;
  try {
    url = new URL(relative, base);
  } catch {
    throw new ValidationError(`Dataset '${options.dataset}': '${field}' is not a relative URL.`, field);
  }
  if (url.origin !== base.origin) {
    throw new ValidationError(
      `Dataset '${options.dataset}': '${field}' leads off the linked service's server (${base.origin}); give a path relative to its url, such as data/file.csv.`,
      field,
    );
  }
  return checkResolvedAddress(url, field, options.ownHosts).then(() => ({
    backend: httpFileSource(url, options.urls),
    label: `'${url.origin}${url.pathname}'`,
    onlyFile: fileNameOf(url),
  }));
}

export interface OpenedStore {
  backend: DatastoreBackend;
  /** How messages name the place: "container 'raw'". */
  label: string;
  /** For a store that holds one file (an HTTP URL): its name, which stands for the location's path. */
  onlyFile?: string;
}

/** The backend a dataset's location reaches through its linked service (secrets opened by the caller). */
export async function openStore(
  ls: LinkedServiceProperties,
  location: Json,
  options: {
    dataset: string;
    ownHosts: readonly string[];
    /** A datastore of this workspace by name (NightshiftDatastore linked services). */
    workspaceDatastore: (name: string) => Promise<DatastoreBackend>;
    /** The server's URL policy, for HttpServer linked services. */
    urls: HttpSourceOptions;
  },
): Promise<OpenedStore> {
  for (const { url, field } of urlsOf(ls))
    await checkResolvedAddress(parsed(url, field), field, options.ownHosts);
  assertConnectable(ls);
  if (ls.type === 'NightshiftDatastore') {
    const name = String(ls.typeProperties['datastoreName']);
    return { backend: await options.workspaceDatastore(name), label: `datastore '${name}'` };
  }
  if (ls.type === 'AmazonS3') return s3Store(ls, location, options.dataset);
  if (ls.type === 'HttpServer') return httpStore(ls, location, options);
  const container = containerOf(ls, location, options.dataset);
  const what = ls.type === 'AzureBlobFS' ? 'file system' : 'container';
  return { backend: blobDatastoreOver(blobContainer(ls, container)), label: `${what} '${container}'` };
}
