/**
 * Data Factory linked services as Nightshift stores them: the REST body (`properties: {type,
 * typeProperties, description, annotations}`) checked per type, with every secret sealed by the data
 * dir's secret box before it is stored and shown as Data Factory's `**********` mask by every read. The
 * secrets are the SecureString-able properties of each type (keys, passwords, SAS URIs) and whole
 * connection strings, since an account key or a SAS signature sits inside them; only the Copy and Get
 * Metadata activities open them, in memory, to reach the store.
 */
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import { ValidationError } from '../../core/errors.ts';
import { isObject, type Json } from '../../core/wire-values.ts';
import { credentialParamOf } from '../../storage/http/url-policy.ts';
import { checkStoreAddress } from './address-guard.ts';

/** What reads show for a secret, as Data Factory's GET does. */
export const LINKED_SERVICE_MASK = '**********';

/**
 * Data Factory's types, and Nightshift's own `NightshiftDatastore`: a datastore of this workspace by name
 * (`typeProperties.datastoreName`), so a Copy can stage data where batch jobs read it.
 */
export const LINKED_SERVICE_TYPES = [
  'AzureBlobStorage',
  'AzureBlobFS',
  'AmazonS3',
  'HttpServer',
  'NightshiftDatastore',
] as const;
export type LinkedServiceType = (typeof LINKED_SERVICE_TYPES)[number];

/** The properties of each type that hold a secret (stored as sealed SecureStrings). */
const SECRET_PROPERTIES: Record<LinkedServiceType, readonly string[]> = {
  AzureBlobStorage: ['connectionString', 'sasUri', 'sasToken', 'accountKey', 'servicePrincipalKey'],
  AzureBlobFS: ['accountKey', 'servicePrincipalKey', 'sasUri', 'sasToken'],
  AmazonS3: ['secretAccessKey', 'sessionToken'],
  HttpServer: ['password'],
  NightshiftDatastore: [],
};

export interface LinkedServiceProperties extends Json {
  type: LinkedServiceType;
  typeProperties: Json;
}

/** The text of a value given as a string or a `{type: SecureString, value}` object; undefined otherwise. */
export function secretText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['value'] === 'string') {
    const type = typeof value['type'] === 'string' ? value['type'].toLowerCase() : '';
    if (type === 'securestring') return value['value'];
    if (type === 'azurekeyvaultsecret') return undefined;
  }
  return undefined;
}

function textAt(props: Json, key: string, field: string): string | undefined {
  const value = props[key];
  if (value === undefined || value === null || value === '') return undefined;
  const text = secretText(value);
  if (text === undefined) {
    throw new ValidationError(
      `'${field}.${key}' must be text or {"type": "SecureString", "value": "..."}; Azure Key Vault references are not served.`,
      `${field}.${key}`,
    );
  }
  return text;
}

/** `Key=Value;...` of an Azure Storage connection string, keys in lower case. */
export function connectionStringParts(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const piece of text.split(';')) {
    const at = piece.indexOf('=');
    if (at > 0) parts.set(piece.slice(0, at).trim().toLowerCase(), piece.slice(at + 1).trim());
  }
  return parts;
}

function requireOne(props: Json, keys: readonly string[], field: string, what: string): string {
  const given = keys.filter((key) => props[key] !== undefined && props[key] !== null && props[key] !== '');
  if (given.length !== 1) {
    throw new ValidationError(
      `'${field}' needs exactly one of ${keys.join(', ')} (${what}); it has ${given.length === 0 ? 'none' : given.join(' and ')}.`,
      field,
    );
  }
  return given[0] ?? '';
}

function urlAt(text: string | undefined, field: string): URL | undefined {
  // The mask stands for the stored secret, which was checked when it was saved.
  if (text === undefined || text === LINKED_SERVICE_MASK) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`'${field}' is not a URL; give an absolute http(s) URL.`, field);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(`'${field}' must be an http or https URL, not ${url.protocol}.`, field);
  }
  checkStoreAddress(url, field);
  return url;
}

function checkBlob(props: Json, field: string, kind: 'AzureBlobStorage' | 'AzureBlobFS'): void {
  if (kind === 'AzureBlobFS') {
    urlAt(textAt(props, 'url', field), `${field}.url`);
    if (props['url'] === undefined) {
      throw new ValidationError(
        `'${field}.url' is required: the account's dfs endpoint URL.`,
        `${field}.url`,
      );
    }
    return;
  }
  const key = requireOne(
    props,
    ['connectionString', 'sasUri', 'serviceEndpoint'],
    field,
    'a connection string with an AccountKey or SharedAccessSignature, a SAS URI, or a service endpoint used with a managed identity or service principal',
  );
  if (key === 'connectionString' && textAt(props, key, field) !== LINKED_SERVICE_MASK) {
    const parts = connectionStringParts(textAt(props, key, field) ?? '');
    if (!parts.get('accountname') && !parts.get('blobendpoint')) {
      throw new ValidationError(
        `'${field}.connectionString' names no AccountName or BlobEndpoint; give DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...`,
        `${field}.connectionString`,
      );
    }
    if (!parts.get('accountkey') && !parts.get('sharedaccesssignature')) {
      throw new ValidationError(
        `'${field}.connectionString' holds no AccountKey or SharedAccessSignature; add one (identity-based access uses serviceEndpoint).`,
        `${field}.connectionString`,
      );
    }
    const endpoint = parts.get('blobendpoint');
    if (endpoint) urlAt(endpoint, `${field}.connectionString`);
  } else if (key !== 'connectionString') {
    urlAt(textAt(props, key, field), `${field}.${key}`);
  }
}

function checkOther(
  props: Json,
  field: string,
  kind: 'AmazonS3' | 'HttpServer' | 'NightshiftDatastore',
): void {
  if (kind === 'NightshiftDatastore') {
    if (typeof props['datastoreName'] !== 'string' || props['datastoreName'] === '') {
      throw new ValidationError(
        `'${field}.datastoreName' is required: the workspace datastore to read and write (e.g. workspaceblobstore).`,
        `${field}.datastoreName`,
      );
    }
    return;
  }
  if (kind === 'HttpServer') {
    const url = urlAt(textAt(props, 'url', field), `${field}.url`);
    if (url === undefined) {
      throw new ValidationError(`'${field}.url' is required: the server's base URL.`, `${field}.url`);
    }
    // The url is not a secret property: it is shown by every GET, so it may not carry a credential.
    if (url.username !== '' || url.password !== '' || credentialParamOf(url.href) !== undefined) {
      throw new ValidationError(
        `'${field}.url' carries a user name, password or token, which would be shown by every read; give a URL without credentials.`,
        `${field}.url`,
      );
    }
    const auth = props['authenticationType'] ?? 'Anonymous';
    if (auth !== 'Anonymous' && auth !== 'Basic') {
      throw new ValidationError(
        `'${field}.authenticationType' is ${JSON.stringify(auth)}; use Anonymous or Basic.`,
        `${field}.authenticationType`,
      );
    }
    if (
      auth === 'Basic' &&
      (textAt(props, 'userName', field) === undefined || props['password'] === undefined)
    ) {
      throw new ValidationError(
        `Basic authentication needs '${field}.userName' and '${field}.password'.`,
        field,
      );
    }
    return;
  }
  urlAt(textAt(props, 'serviceUrl', field), `${field}.serviceUrl`);
  if (textAt(props, 'accessKeyId', field) === undefined || props['secretAccessKey'] === undefined) {
    throw new ValidationError(
      `'${field}' needs accessKeyId and secretAccessKey (a SecureString) for an AmazonS3 linked service.`,
      field,
    );
  }
}

/** Checks a PUT body's `properties` and returns them; throws a ValidationError naming the field. */
export function readLinkedService(body: unknown): LinkedServiceProperties {
  const properties = isObject(body) ? body['properties'] : undefined;
  if (!isObject(properties)) {
    throw new ValidationError('The body needs "properties": {"type", "typeProperties"}.', 'properties');
  }
  const type = LINKED_SERVICE_TYPES.find((t) => t.toLowerCase() === String(properties['type']).toLowerCase());
  if (type === undefined) {
    throw new ValidationError(
      `'properties.type' is ${JSON.stringify(properties['type'])}; Nightshift serves ${LINKED_SERVICE_TYPES.join(', ')}.`,
      'properties.type',
    );
  }
  const typeProperties = properties['typeProperties'];
  if (!isObject(typeProperties)) {
    throw new ValidationError(
      `'properties.typeProperties' is required for a ${type} linked service.`,
      'properties.typeProperties',
    );
  }
  const field = 'properties.typeProperties';
  if (type === 'AzureBlobStorage' || type === 'AzureBlobFS') checkBlob(typeProperties, field, type);
  else checkOther(typeProperties, field, type);
  return { ...properties, type, typeProperties };
}

function mapSecrets(
  properties: LinkedServiceProperties,
  map: (text: string, key: string) => string,
): LinkedServiceProperties {
  const typeProperties: Json = { ...properties.typeProperties };
  for (const key of SECRET_PROPERTIES[properties.type]) {
    const text = textAt(typeProperties, key, 'properties.typeProperties');
    if (text !== undefined) typeProperties[key] = { type: 'SecureString', value: map(text, key) };
  }
  return { ...properties, typeProperties };
}

/**
 * The properties to store: each secret sealed. A mask sent back (a linked service read, edited and saved)
 * keeps the secret `previous` holds there, and is refused where it holds none.
 */
export function sealLinkedService(
  properties: LinkedServiceProperties,
  box: SecretBox,
  previous: LinkedServiceProperties | undefined,
): LinkedServiceProperties {
  return mapSecrets(properties, (text, key) => {
    if (text !== LINKED_SERVICE_MASK) return box.seal(text);
    const kept = previous === undefined ? undefined : secretText(previous.typeProperties[key]);
    if (kept !== undefined && box.isSealed(kept)) return kept;
    throw new ValidationError(
      `'properties.typeProperties.${key}' is the mask reads show; the linked service has no secret there to keep, send the secret itself.`,
      `properties.typeProperties.${key}`,
    );
  });
}

/** What reads return: every secret masked. */
export function maskLinkedService(properties: LinkedServiceProperties): LinkedServiceProperties {
  return mapSecrets(properties, () => LINKED_SERVICE_MASK);
}

/** What the activities get: every secret opened. */
export function openLinkedService(
  properties: LinkedServiceProperties,
  box: SecretBox,
): LinkedServiceProperties {
  return mapSecrets(properties, (text) => (box.isSealed(text) ? box.open(text) : text));
}

/** Every secret text of a linked service, opened, for masking them out of records and messages. */
export function secretsOf(properties: LinkedServiceProperties): string[] {
  const out: string[] = [];
  for (const key of SECRET_PROPERTIES[properties.type]) {
    const text = secretText(properties.typeProperties[key]);
    if (text === undefined) continue;
    out.push(text);
    const parts = connectionStringParts(text);
    for (const part of ['accountkey', 'sharedaccesssignature']) {
      const value = parts.get(part);
      if (value) out.push(value);
    }
    const sig = /[?&]sig=([^&]+)/i.exec(text)?.[1];
    if (sig !== undefined) out.push(sig, decodeURIComponent(sig));
  }
  return out;
}
