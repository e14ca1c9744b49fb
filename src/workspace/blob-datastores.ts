/**
 * Azure Blob datastores in the workspace: Azure's ARM body (`datastoreType: AzureBlob`, `accountName`,
 * `containerName`, `endpoint`, `protocol`, `credentials: {credentialsType, secrets}`) read into a document
 * whose account key or SAS token is sealed by the data dir's secret box, so the metadata store never holds
 * it in clear; and the backend built from such a document, which opens the secret only in memory.
 * `credentialsType: None` is identity-based access with the server's own identity (azure-identity.ts).
 * Before a datastore is saved its container is listed, so a wrong key, a missing container, a missing
 * identity or an unreachable endpoint is refused at creation with the service's own error code.
 */
import type { SecretBox } from '../auth/secrets/secret-box.ts';
import { ValidationError } from '../core/errors.ts';
import type { AzureBlobDatastore } from '../core/resources.ts';
import { optionalEnum, optionalString, prop } from '../core/wire-values.ts';
import { blobDatastoreOver } from '../storage/azure-blob/azure-blob.ts';
import {
  accountUrlOf,
  containerClientOf,
  DEFAULT_BLOB_ENDPOINT,
  storageErrorCode,
  type BlobConnection,
  type BlobCredential,
} from '../storage/azure-blob/connection.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import {
  checkServerTokenTarget,
  credentialOf,
  describePlan,
  identityPlan,
  type ServerIdentity,
} from './azure-identity.ts';
import { probeDatastore } from './datastore-probe.ts';

/** The fields of an AzureBlob datastore document other than the common ones (name, tags, ...). */
export type BlobFields = Pick<
  AzureBlobDatastore,
  'datastoreType' | 'accountName' | 'containerName' | 'endpoint' | 'protocol' | 'credentials'
>;

export const requiredText = (value: unknown, field: string, what: string): string => {
  const text = optionalString(value, field)?.trim();
  if (!text) throw new ValidationError(`'${field}' is required: give ${what}.`, field);
  return text;
};

/**
 * The `credentialsType` of a remote datastore's `properties.credentials`, one of `types` or None
 * (identity-based); `forms` names what may be given, in the message of a missing or unknown type.
 */
export function credentialsTypeOf<T extends string>(
  creds: unknown,
  types: readonly T[],
  forms: string,
): T | 'None' {
  const field = 'properties.credentials';
  if (creds === undefined || creds === null) {
    throw new ValidationError(`'${field}' is required: give ${forms}.`, field);
  }
  const type = optionalEnum(prop(creds, 'credentialsType'), `${field}.credentialsType`, [...types, 'None']);
  if (type === undefined) {
    throw new ValidationError(`'${field}.credentialsType' is required: give ${forms}.`, field);
  }
  return type;
}

/** The secret of `credentials`, checked against its type; names the field to fix when it is missing. */
function credentialsOf(creds: unknown): { type: 'AccountKey' | 'Sas'; secret: string } | { type: 'None' } {
  const field = 'properties.credentials';
  const forms =
    '{credentialsType: AccountKey, secrets: {key}}, {credentialsType: Sas, secrets: {sasToken}} or ' +
    '{credentialsType: None} (identity-based access)';
  if (creds === undefined || creds === null) {
    throw new ValidationError(`'${field}' is required: give ${forms}.`, field);
  }
  const type = optionalEnum(prop(creds, 'credentialsType'), `${field}.credentialsType`, [
    'AccountKey',
    'Sas',
    'None',
  ] as const);
  if (type === undefined) {
    throw new ValidationError(`'${field}.credentialsType' is required: give ${forms}.`, field);
  }
  if (type === 'None') return { type };
  const secrets = prop(creds, 'secrets');
  const secret =
    type === 'AccountKey'
      ? requiredText(prop(secrets, 'key'), `${field}.secrets.key`, "the storage account's key")
      : requiredText(prop(secrets, 'sasToken'), `${field}.secrets.sasToken`, 'a SAS token for the container');
  return { type, secret };
}

/**
 * Entra ID tokens go over TLS only (the SDK refuses to send one over http), so a datastore reached with a
 * token must have an https account URL; said at creation rather than as an SDK error.
 */
export function requireTlsForTokens(ds: Pick<BlobFields, 'accountName' | 'endpoint' | 'protocol'>): void {
  const url = accountUrlOf(ds);
  if (!url.toLowerCase().startsWith('https://')) {
    throw new ValidationError(
      `Identity-based access sends Entra ID tokens, which go over https only; the account URL ${url} is ` +
        `not https. Use an https endpoint and protocol, or an account key or SAS token.`,
      'properties.endpoint',
    );
  }
}

/** Reads the ARM `properties` of an AzureBlob datastore; the secret comes back sealed. */
export function readBlobFields(props: unknown, box: SecretBox): BlobFields {
  const protocol =
    optionalEnum(prop(props, 'protocol'), 'properties.protocol', ['https', 'http'] as const) ?? 'https';
  const creds = credentialsOf(prop(props, 'credentials'));
  const fields: BlobFields = {
    datastoreType: 'AzureBlob',
    accountName: requiredText(
      prop(props, 'accountName'),
      'properties.accountName',
      'the storage account name',
    ),
    containerName: requiredText(
      prop(props, 'containerName'),
      'properties.containerName',
      'the blob container to serve',
    ),
    endpoint: optionalString(prop(props, 'endpoint'), 'properties.endpoint')?.trim() || DEFAULT_BLOB_ENDPOINT,
    protocol,
    credentials:
      creds.type === 'None'
        ? { credentialsType: 'None' }
        : { credentialsType: creds.type, sealedSecret: box.seal(creds.secret) },
  };
  if (creds.type === 'None') requireTlsForTokens(fields);
  return fields;
}

/** What opens a datastore's secrets and names the server's identity, for the backends and probes. */
export interface AzureAccess {
  box: SecretBox;
  identity: ServerIdentity;
}

function credentialFor(ds: BlobFields, access: AzureAccess): BlobCredential {
  const c = ds.credentials;
  if (c.credentialsType === 'None') {
    checkServerTokenTarget(accountUrlOf(ds), access.identity);
    return { tokenCredential: credentialOf(identityPlan(undefined, access.identity), access.identity) };
  }
  const secret = access.box.open(c.sealedSecret);
  return c.credentialsType === 'AccountKey' ? { accountKey: secret } : { sasToken: secret };
}

function connectionOf(ds: BlobFields, access: AzureAccess): BlobConnection {
  return {
    accountName: ds.accountName,
    containerName: ds.containerName,
    endpoint: ds.endpoint,
    protocol: ds.protocol,
    credential: credentialFor(ds, access),
  };
}

export function blobBackendOf(ds: BlobFields, access: AzureAccess): DatastoreBackend {
  return blobDatastoreOver(containerClientOf(connectionOf(ds, access)));
}

/** The sentence a refused Azure datastore ends with: what to check, and whose identity was used. */
function azureHint(identity: string | undefined): string {
  return identity === undefined
    ? 'check the account, container, endpoint and credentials.'
    : `check the account, container and endpoint, and that ${identity} exists here and holds a ` +
        'Storage Blob Data role on the account (a server without a managed identity takes a service ' +
        'principal from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET).';
}

/**
 * Lists one blob of the container with `connection`; any failure is a 400 naming the datastore and the
 * error. Listing one blob, not the container's properties: a container SAS (the usual token for a
 * datastore) may list but may not read container properties.
 */
export async function probeAzureContainer(
  name: string,
  connection: BlobConnection,
  identity: string | undefined,
): Promise<void> {
  const container = containerClientOf(connection, { maxTries: 1 });
  await probeDatastore({
    name,
    operation:
      `listing container '${connection.containerName}' in account '${connection.accountName}' ` +
      `at ${accountUrlOf(connection)}`,
    run: async (abortSignal) => {
      await container.listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1 }).next();
    },
    codeOf: storageErrorCode,
    statusOf: (error) => {
      const status = (error as { statusCode?: unknown } | null)?.statusCode;
      return typeof status === 'number' ? status : undefined;
    },
    hint: azureHint(identity),
  });
}

/** Checks an AzureBlob datastore before it is saved. */
export async function probeBlobContainer(name: string, ds: BlobFields, access: AzureAccess): Promise<void> {
  const identity =
    ds.credentials.credentialsType === 'None'
      ? describePlan(identityPlan(undefined, access.identity))
      : undefined;
  await probeAzureContainer(name, connectionOf(ds, access), identity);
}
