/**
 * Datastore YAML to the ARM request body. `type: local_folder` is a folder on the server's machine, given
 * relative to the YAML file (as az resolves local paths) and sent as an absolute path; `type: azure_blob`
 * is a Blob container in Azure's own YAML (`account_name`, `container_name`, `endpoint`, `protocol`,
 * `credentials: {account_key}` or `{sas_token}`), sent as Azure's ARM body. Other kinds come later and are
 * refused with that message.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkAssetName } from '../../core/names.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import { compact } from './document-source.ts';
import {
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

/** Azure's datastore YAML for a Blob container, as Azure's ARM properties. */
function blobProperties(source: YamlSpecSource): Json {
  refuseUnknownFields(source, 'credentials', ['account_key', 'sas_token']);
  const key = optionalString(source, 'credentials.account_key');
  const sas = optionalString(source, 'credentials.sas_token');
  if ((key === undefined) === (sas === undefined)) {
    throw specFieldError(
      source,
      'credentials',
      'give exactly one of credentials.account_key or credentials.sas_token',
    );
  }
  return compact({
    datastoreType: 'AzureBlob',
    accountName: requiredString(source, 'account_name', 'the storage account name'),
    containerName: requiredString(source, 'container_name', 'the blob container'),
    endpoint: optionalString(source, 'endpoint'),
    protocol: optionalString(source, 'protocol'),
    credentials:
      key === undefined
        ? { credentialsType: 'Sas', secrets: { secretsType: 'Sas', sasToken: sas } }
        : { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey', key } },
    description: optionalString(source, 'description'),
    tags: optionalStringMap(source, 'tags'),
  });
}

export interface DatastoreRequest {
  name: string;
  body: Json;
}

export function datastoreRequest(source: YamlSpecSource, nameFlag?: string): DatastoreRequest {
  const type = optionalString(source, 'type') ?? 'local_folder';
  refuseUnknownFields(source, '', type.toLowerCase() === 'azure_blob' ? BLOB_FIELDS : DATASTORE_FIELDS);
  const name = nameFlag ?? requiredString(source, 'name');
  try {
    checkAssetName(name, 'name');
  } catch (error) {
    if (error instanceof ValidationError) throw specFieldError(source, 'name', error.message);
    throw error;
  }
  if (type.toLowerCase() === 'azure_blob') return { name, body: { properties: blobProperties(source) } };
  if (type.toLowerCase() !== 'local_folder') {
    throw specFieldError(
      source,
      'type',
      `'${type}' datastores are not supported yet; use type: local_folder or azure_blob`,
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
