/**
 * Azure Blob datastores in the workspace: Azure's ARM body (`datastoreType: AzureBlob`, `accountName`,
 * `containerName`, `endpoint`, `protocol`, `credentials: {credentialsType, secrets}`) read into a document
 * whose account key or SAS token is sealed by the data dir's secret box, so the metadata store never holds
 * it in clear; and the backend built from such a document, which opens the secret only in memory. Before a
 * datastore is saved its container is listed, so a wrong key, a missing container or an
 * unreachable endpoint is refused at creation with the storage service's own error code.
 */
import type { SecretBox } from '../auth/secrets/secret-box.ts';
import { ValidationError } from '../core/errors.ts';
import type { AzureBlobDatastore } from '../core/resources.ts';
import { optionalEnum, optionalString, prop } from '../core/wire-values.ts';
import { blobDatastoreOver } from '../storage/azure-blob/azure-blob.ts';
import {
  containerClientOf,
  DEFAULT_BLOB_ENDPOINT,
  storageErrorCode,
  type BlobConnection,
} from '../storage/azure-blob/connection.ts';
import type { DatastoreBackend } from '../storage/contract.ts';

/** The fields of an AzureBlob datastore document other than the common ones (name, tags, ...). */
export type BlobFields = Pick<
  AzureBlobDatastore,
  'datastoreType' | 'accountName' | 'containerName' | 'endpoint' | 'protocol' | 'credentials'
>;

const requiredText = (value: unknown, field: string, what: string): string => {
  const text = optionalString(value, field)?.trim();
  if (!text) throw new ValidationError(`'${field}' is required: give ${what}.`, field);
  return text;
};

/** The secret of `credentials`, checked against its type; names the field to fix when it is missing. */
function credentialsOf(creds: unknown): { type: 'AccountKey' | 'Sas'; secret: string } {
  const field = 'properties.credentials';
  if (creds === undefined || creds === null) {
    throw new ValidationError(
      `'${field}' is required: give {credentialsType: AccountKey, secrets: {key}} or ` +
        `{credentialsType: Sas, secrets: {sasToken}}. Identity-based access is not served yet.`,
      field,
    );
  }
  const type = optionalEnum(prop(creds, 'credentialsType'), `${field}.credentialsType`, [
    'AccountKey',
    'Sas',
  ] as const);
  if (type === undefined) {
    throw new ValidationError(`'${field}.credentialsType' is required: AccountKey or Sas.`, field);
  }
  const secrets = prop(creds, 'secrets');
  const secret =
    type === 'AccountKey'
      ? requiredText(prop(secrets, 'key'), `${field}.secrets.key`, "the storage account's key")
      : requiredText(prop(secrets, 'sasToken'), `${field}.secrets.sasToken`, 'a SAS token for the container');
  return { type, secret };
}

/** Reads the ARM `properties` of an AzureBlob datastore; the secret comes back sealed. */
export function readBlobFields(props: unknown, box: SecretBox): BlobFields {
  const protocol =
    optionalEnum(prop(props, 'protocol'), 'properties.protocol', ['https', 'http'] as const) ?? 'https';
  const { type, secret } = credentialsOf(prop(props, 'credentials'));
  return {
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
    credentials: { credentialsType: type, sealedSecret: box.seal(secret) },
  };
}

function connectionOf(ds: BlobFields, box: SecretBox): BlobConnection {
  const secret = box.open(ds.credentials.sealedSecret);
  return {
    accountName: ds.accountName,
    containerName: ds.containerName,
    endpoint: ds.endpoint,
    protocol: ds.protocol,
    credential:
      ds.credentials.credentialsType === 'AccountKey' ? { accountKey: secret } : { sasToken: secret },
  };
}

export function blobBackendOf(ds: BlobFields, box: SecretBox): DatastoreBackend {
  return blobDatastoreOver(containerClientOf(connectionOf(ds, box)));
}

/** Lists one blob of the container; any failure is a 400 naming the datastore and the storage error. */
export async function probeBlobContainer(name: string, ds: BlobFields, box: SecretBox): Promise<void> {
  try {
    // Listing one blob, not the container's properties: a container SAS (the usual token for a datastore)
    // may list but may not read container properties.
    const container = containerClientOf(connectionOf(ds, box), { maxTries: 1 });
    await container.listBlobsFlat().byPage({ maxPageSize: 1 }).next();
  } catch (error) {
    const code = storageErrorCode(error) ?? 'StorageError';
    // The SDK's message may quote the request; only the service's code and status are passed on, so no
    // part of a signed URL or header can reach the client or the logs.
    const status = (error as { statusCode?: unknown }).statusCode;
    throw new ValidationError(
      `Datastore '${name}': listing container '${ds.containerName}' in account ` +
        `'${ds.accountName}' failed with ${code}${typeof status === 'number' ? ` (HTTP ${String(status)})` : ''}; ` +
        'check the account, container, endpoint and credentials.',
      'properties',
    );
  }
}
