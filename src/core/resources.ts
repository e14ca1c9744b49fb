/**
 * Workspace resources as the domain sees them. Stored as documents by the metadata store and shown in the
 * ARM envelope by the API; field names follow the ARM `properties` (camelCase) so the mapping stays thin.
 */

export interface SystemData {
  createdAt: string;
  createdBy: string;
  createdByType: 'User' | 'Application' | 'ManagedIdentity';
  lastModifiedAt: string;
  lastModifiedBy: string;
  lastModifiedByType: 'User' | 'Application' | 'ManagedIdentity';
  /**
   * The creator's object id, kept beside Azure's fields (views leave it out): own-jobs checks compare it,
   * because names (app ids, user names) are chosen by whoever issues the token.
   */
  createdById?: string;
}

export type Tags = Record<string, string>;

interface DatastoreBase {
  name: string;
  description: string;
  tags: Tags;
  isDefault: boolean;
  systemData: SystemData;
}

/** A folder on the server's machine. */
export interface LocalFolderDatastore extends DatastoreBase {
  datastoreType: 'LocalFolder';
  /** Absolute folder on the server's machine. */
  rootPath: string;
}

/**
 * No stored credentials: identity-based access, with the server's own identity (its managed identity, or
 * the service principal its operator configured).
 */
export interface IdentityCredentials {
  credentialsType: 'None';
}

/** A container of an Azure Blob Storage account (or of Azurite). */
export interface AzureBlobDatastore extends DatastoreBase {
  datastoreType: 'AzureBlob';
  accountName: string;
  containerName: string;
  /** A DNS suffix (`core.windows.net`) or a full account URL. */
  endpoint: string;
  protocol: 'https' | 'http';
  credentials:
    | {
        credentialsType: 'AccountKey' | 'Sas';
        /** The account key or SAS token, sealed by the data dir's secret box; never shown. */
        sealedSecret: string;
      }
    | IdentityCredentials;
}

/** A file system of an ADLS Gen2 account, read and written through the account's Blob endpoint. */
export interface AdlsGen2Datastore extends DatastoreBase {
  datastoreType: 'AzureDataLakeGen2';
  accountName: string;
  /** The file system (a Blob container of the same account). */
  filesystem: string;
  /** A DNS suffix (`core.windows.net`) or a full account URL. */
  endpoint: string;
  protocol: 'https' | 'http';
  credentials:
    | {
        credentialsType: 'ServicePrincipal';
        tenantId: string;
        clientId: string;
        /** The Entra ID authority host (`https://login.microsoftonline.com` when absent). */
        authorityUrl?: string;
        /** The resource the token is for (`https://storage.azure.com/` when absent). */
        resourceUrl?: string;
        /** The client secret, sealed by the data dir's secret box; never shown. */
        sealedSecret: string;
      }
    | IdentityCredentials;
}

/** A bucket on AWS S3 or on an S3-compatible server. */
export interface S3Datastore extends DatastoreBase {
  datastoreType: 'S3';
  bucket: string;
  region: string;
  /** A full URL of an S3-compatible server; absent for AWS's regional endpoint. */
  endpoint?: string;
  credentials:
    | {
        credentialsType: 'AccessKey';
        accessKeyId: string;
        /** The secret access key, sealed by the data dir's secret box; never shown. */
        sealedSecret: string;
      }
    | IdentityCredentials;
}

export type Datastore = LocalFolderDatastore | AzureBlobDatastore | AdlsGen2Datastore | S3Datastore;

export interface DataVersion {
  name: string;
  version: string;
  dataType: 'uri_folder' | 'uri_file';
  /** A datastore URI (`azureml://datastores/DS/paths/P`). */
  dataUri: string;
  description: string;
  tags: Tags;
  systemData: SystemData;
}

export interface ModelVersion {
  name: string;
  version: string;
  modelType: 'custom_model' | 'mlflow_model';
  /** Where the files came from, as given. */
  sourceUri: string;
  /** The immutable copy inside the workspace, as a datastore URI. */
  modelUri: string;
  /** The model's own file or folder name (it appears under AZUREML_MODEL_DIR). */
  entryName: string;
  contentHash: string;
  description: string;
  tags: Tags;
  properties: Tags;
  systemData: SystemData;
}

export interface CodeVersion {
  name: string;
  version: string;
  sourceUri: string;
  codeUri: string;
  contentHash: string;
  description: string;
  tags: Tags;
  systemData: SystemData;
}

export interface EnvironmentVersion {
  name: string;
  version: string;
  image: string;
  /** The conda file's text, as given. */
  condaFile: string;
  description: string;
  tags: Tags;
  /** Anything else the user gave (stored as given; later issues run environments). */
  extra: Record<string, unknown>;
  systemData: SystemData;
}

export type ProvisioningState = 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';

export interface BatchEndpoint {
  name: string;
  description: string;
  tags: Tags;
  properties: Tags;
  authMode: 'AADToken';
  defaults: { deploymentName?: string };
  provisioningState: ProvisioningState;
  systemData: SystemData;
}

export interface DeploymentSettings {
  maxConcurrencyPerInstance: number;
  miniBatchSize: number;
  /**
   * Set when `mini_batch_size` is a size (`64MB`) or a row count (`1000 rows`), in that canonical
   * spelling: tabular files are then split into row ranges (core/row-ranges.ts) and `miniBatchSize` is
   * not used.
   */
  miniBatchSplit?: string;
  outputAction: 'AppendRow' | 'SummaryOnly';
  outputFileName: string;
  retrySettings: { maxRetries: number; timeoutSeconds: number };
  errorThreshold: number;
  loggingLevel: 'Info' | 'Warning' | 'Debug';
  environmentVariables: Tags;
}

export interface BatchDeployment extends DeploymentSettings {
  name: string;
  endpointName: string;
  description: string;
  tags: Tags;
  properties: Tags;
  /** ARM id of a registered model version. */
  modelId: string;
  codeConfiguration?: { codeId: string; scoringScript: string };
  environmentId?: string;
  compute: string;
  resources: { instanceCount: number; instanceType?: string };
  provisioningState: ProvisioningState;
  systemData: SystemData;
}

export const DEPLOYMENT_DEFAULTS: DeploymentSettings = {
  maxConcurrencyPerInstance: 1,
  miniBatchSize: 10,
  outputAction: 'AppendRow',
  outputFileName: 'predictions.csv',
  retrySettings: { maxRetries: 3, timeoutSeconds: 30 },
  errorThreshold: -1,
  loggingLevel: 'Info',
  environmentVariables: {},
};

/** Who made a change, as systemData records it: a user name, or the app id of an application or identity. */
export interface Actor {
  name: string;
  type: SystemData['createdByType'];
  objectId?: string;
}

export function newSystemData(actor: string | Actor, now: Date = new Date()): SystemData {
  const at = now.toISOString();
  const who = typeof actor === 'string' ? { name: actor, type: 'User' as const } : actor;
  return {
    createdAt: at,
    createdBy: who.name,
    createdByType: who.type,
    lastModifiedAt: at,
    lastModifiedBy: who.name,
    lastModifiedByType: who.type,
    ...('objectId' in who && who.objectId !== undefined ? { createdById: who.objectId } : {}),
  };
}

export function touchSystemData(previous: SystemData, actor: string, now: Date = new Date()): SystemData {
  return { ...previous, lastModifiedAt: now.toISOString(), lastModifiedBy: actor };
}
