/**
 * Datastore YAML to the ARM request body. `type: local_folder` is a folder on the server's machine, given
 * relative to the YAML file (as az resolves local paths) and sent as an absolute path. Azure's own YAML,
 * sent as Azure's ARM body: `type: azure_blob` (`account_name`, `container_name`, `endpoint`, `protocol`,
 * `credentials: {account_key}` or `{sas_token}`) and `type: azure_data_lake_gen2` (`account_name`,
 * `filesystem`, `endpoint`, `protocol`, `credentials: {tenant_id, client_id, client_secret, authority_url,
 * resource_url}`), each without `credentials` for identity-based access (`credentialsType: None`). Beyond
 * Azure, `type: s3` (`bucket`, `endpoint`, `region`, `credentials: {access_key_id, secret_access_key}`,
 * or none for the server's own AWS identity) becomes `datastoreType: S3`.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkAssetName } from '../../core/names.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import { compact } from './document-source.ts';
import {
  optionalMap,
  optionalString,
  optionalStringMap,
  pathField,
  refuseUnknownFields,
  requiredString,
} from './spec-fields.ts';

const DATASTORE_FIELDS = ['name', 'type', 'path', 'description', 'tags'] as const;
const BLOB_FIELDS = [
  'name',
  'type',
  'description',
  'tags',
  'account_name',
  'container_name',
  'endpoint',
  'protocol',
  'credentials',
] as const;

const ADLS_FIELDS = [
  'name',
  'type',
  'description',
  'tags',
  'account_name',
  'filesystem',
  'endpoint',
  'protocol',
  'credentials',
] as const;
const S3_FIELDS = [
  'name',
  'type',
  'description',
  'tags',
  'bucket',
  'endpoint',
  'region',
  'credentials',
] as const;
const FIELDS_BY_TYPE: Record<string, readonly string[]> = {
  azure_blob: BLOB_FIELDS,
  azure_data_lake_gen2: ADLS_FIELDS,
  s3: S3_FIELDS,
};

const NO_CREDENTIALS = { credentialsType: 'None' };

/** Whether the YAML leaves `credentials` out: identity-based access. */
const noCredentials = (source: YamlSpecSource) => optionalMap(source, 'credentials') === undefined;

/** Azure's datastore YAML for a Blob container, as Azure's ARM properties. */
function blobProperties(source: YamlSpecSource): Json {
  refuseUnknownFields(source, 'credentials', ['account_key', 'sas_token']);
  const key = optionalString(source, 'credentials.account_key');
  const sas = optionalString(source, 'credentials.sas_token');
  if (!noCredentials(source) && (key === undefined) === (sas === undefined)) {
    throw specFieldError(
      source,
      'credentials',
      'give exactly one of credentials.account_key or credentials.sas_token, or leave credentials out ' +
        "for identity-based access with the server's identity",
    );
  }
  return compact({
    datastoreType: 'AzureBlob',
    accountName: requiredString(source, 'account_name', 'the storage account name'),
    containerName: requiredString(source, 'container_name', 'the blob container'),
    endpoint: optionalString(source, 'endpoint'),
    protocol: optionalString(source, 'protocol'),
    credentials:
      key !== undefined
        ? { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey', key } }
        : sas !== undefined
          ? { credentialsType: 'Sas', secrets: { secretsType: 'Sas', sasToken: sas } }
          : NO_CREDENTIALS,
    description: optionalString(source, 'description'),
    tags: optionalStringMap(source, 'tags'),
  });
}

/** Azure's datastore YAML for an ADLS Gen2 file system, as Azure's ARM properties. */
function adlsProperties(source: YamlSpecSource): Json {
  const credentialFields = ['tenant_id', 'client_id', 'client_secret', 'authority_url', 'resource_url'];
  refuseUnknownFields(source, 'credentials', credentialFields);
  const hint = 'a service principal needs tenant_id, client_id and client_secret';
  const credentials = noCredentials(source)
    ? NO_CREDENTIALS
    : compact({
        credentialsType: 'ServicePrincipal',
        tenantId: requiredString(source, 'credentials.tenant_id', hint),
        clientId: requiredString(source, 'credentials.client_id', hint),
        authorityUrl: optionalString(source, 'credentials.authority_url'),
        resourceUrl: optionalString(source, 'credentials.resource_url'),
        secrets: {
          secretsType: 'ServicePrincipal',
          clientSecret: requiredString(source, 'credentials.client_secret', hint),
        },
      });
  return compact({
    datastoreType: 'AzureDataLakeGen2',
    accountName: requiredString(source, 'account_name', 'the storage account name'),
    filesystem: requiredString(source, 'filesystem', 'the file system (container) to serve'),
    endpoint: optionalString(source, 'endpoint'),
    protocol: optionalString(source, 'protocol'),
    credentials,
    description: optionalString(source, 'description'),
    tags: optionalStringMap(source, 'tags'),
  });
}

/** Our own YAML for an S3 bucket, in the style of Azure's (ARM `datastoreType: S3`). */
function s3Properties(source: YamlSpecSource): Json {
  refuseUnknownFields(source, 'credentials', ['access_key_id', 'secret_access_key']);
  const hint = 'an access key needs access_key_id and secret_access_key';
  const credentials = noCredentials(source)
    ? NO_CREDENTIALS
    : {
        credentialsType: 'AccessKey',
        accessKeyId: requiredString(source, 'credentials.access_key_id', hint),
        secrets: {
          secretsType: 'AccessKey',
          secretAccessKey: requiredString(source, 'credentials.secret_access_key', hint),
        },
      };
  return compact({
    datastoreType: 'S3',
    bucket: requiredString(source, 'bucket', 'the S3 bucket'),
    endpoint: optionalString(source, 'endpoint'),
    region: optionalString(source, 'region'),
    credentials,
    description: optionalString(source, 'description'),
    tags: optionalStringMap(source, 'tags'),
  });
}

const REMOTE_PROPERTIES: Record<string, (source: YamlSpecSource) => Json> = {
  azure_blob: blobProperties,
  azure_data_lake_gen2: adlsProperties,
  s3: s3Properties,
};

export interface DatastoreRequest {
  name: string;
  body: Json;
}

export function datastoreRequest(source: YamlSpecSource, nameFlag?: string): DatastoreRequest {
  const type = (optionalString(source, 'type') ?? 'local_folder').toLowerCase();
  refuseUnknownFields(source, '', FIELDS_BY_TYPE[type] ?? DATASTORE_FIELDS);
  const name = nameFlag ?? requiredString(source, 'name');
  try {
    checkAssetName(name, 'name');
  } catch (error) {
    if (error instanceof ValidationError) throw specFieldError(source, 'name', error.message);
    throw error;
  }
  const remote = REMOTE_PROPERTIES[type];
  if (remote) return { name, body: { properties: remote(source) } };
  if (type !== 'local_folder') {
    throw specFieldError(
      source,
      'type',
      `'${type}' datastores are not supported; use type: local_folder, azure_blob, azure_data_lake_gen2 or s3`,
    );
  }
  const path = pathField(source, 'path', 'the local folder the datastore serves');
  if (path.kind !== 'local' || !path.isFolder) {
    throw specFieldError(
      source,
      'path',
      'must be an existing local folder (relative to the YAML file or absolute)',
    );
  }
  const properties = compact({
    datastoreType: 'LocalFolder',
    path: path.path,
    description: optionalString(source, 'description'),
    tags: optionalStringMap(source, 'tags'),
  });
  return { name, body: { properties } };
}
