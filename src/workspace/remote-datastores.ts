/**
 * The datastore kinds whose files live in a storage service (Azure Blob, ADLS Gen2, S3), dispatched in one
 * place: reading a kind's ARM properties (secrets sealed), checking the store before it is saved, building
 * its backend, and Azure's `listSecrets` answer, the one way a secret leaves the server and only to a
 * caller RBAC allows (`datastores/listsecrets/action`).
 */
import { ValidationError } from '../core/errors.ts';
import type { Datastore, LocalFolderDatastore } from '../core/resources.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import { adlsBackendOf, probeAdlsFilesystem, readAdlsFields, type AdlsFields } from './adls-datastores.ts';
import {
  blobBackendOf,
  probeBlobContainer,
  readBlobFields,
  type AzureAccess,
  type BlobFields,
} from './blob-datastores.ts';
import { probeS3Datastore, readS3Fields, s3BackendOf, type S3Fields } from './s3-datastores.ts';

export const REMOTE_DATASTORE_TYPES = ['AzureBlob', 'AzureDataLakeGen2', 'S3'] as const;
export type RemoteType = (typeof REMOTE_DATASTORE_TYPES)[number];
export type RemoteFields = BlobFields | AdlsFields | S3Fields;
export type RemoteDatastore = Exclude<Datastore, LocalFolderDatastore>;

/** Reads a remote kind's ARM properties and checks the store can be listed; nothing is saved here. */
export async function readRemoteDatastore(
  name: string,
  type: RemoteType,
  props: unknown,
  access: AzureAccess,
): Promise<RemoteFields> {
  if (type === 'AzureBlob') {
    const fields = readBlobFields(props, access.box);
    await probeBlobContainer(name, fields, access);
    return fields;
  }
  if (type === 'AzureDataLakeGen2') {
    const fields = readAdlsFields(props, access.box);
    await probeAdlsFilesystem(name, fields, access);
    return fields;
  }
  const fields = readS3Fields(props, access.box);
  await probeS3Datastore(name, fields, access.box);
  return fields;
}

export function remoteBackendOf(ds: RemoteDatastore, access: AzureAccess): DatastoreBackend {
  if (ds.datastoreType === 'AzureBlob') return blobBackendOf(ds, access);
  if (ds.datastoreType === 'AzureDataLakeGen2') return adlsBackendOf(ds, access);
  return s3BackendOf(ds, access.box);
}

/** Azure's DatastoreSecrets shapes, by credentials type. */
export type DatastoreSecrets =
  | { secretsType: 'AccountKey'; key: string }
  | { secretsType: 'Sas'; sasToken: string }
  | { secretsType: 'ServicePrincipal'; clientSecret: string }
  | { secretsType: 'AccessKey'; secretAccessKey: string };

/** The datastore's secret in Azure's shape; a datastore without one is a 400 saying so. */
export function secretsOf(ds: Datastore, access: AzureAccess): DatastoreSecrets {
  if (ds.datastoreType === 'LocalFolder' || ds.credentials.credentialsType === 'None') {
    throw new ValidationError(
      `Datastore '${ds.name}' has no secrets: ` +
        (ds.datastoreType === 'LocalFolder'
          ? 'it is a folder on the server.'
          : "it uses identity-based access (the server's own identity)."),
      'name',
    );
  }
  const secret = access.box.open(ds.credentials.sealedSecret);
  switch (ds.credentials.credentialsType) {
    case 'AccountKey':
      return { secretsType: 'AccountKey', key: secret };
    case 'Sas':
      return { secretsType: 'Sas', sasToken: secret };
    case 'ServicePrincipal':
      return { secretsType: 'ServicePrincipal', clientSecret: secret };
    case 'AccessKey':
      return { secretsType: 'AccessKey', secretAccessKey: secret };
  }
}
