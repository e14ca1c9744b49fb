/**
 * Datastore YAML to the ARM request body. Only `type: local_folder` is served for now: a folder on the
 * server's machine, given relative to the YAML file (as az resolves local paths) and sent as an absolute
 * path. Blob and S3 datastores come later; their types are refused with that message.
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

export interface DatastoreRequest {
  name: string;
  body: Json;
}

export function datastoreRequest(source: YamlSpecSource, nameFlag?: string): DatastoreRequest {
  refuseUnknownFields(source, '', DATASTORE_FIELDS);
  const name = nameFlag ?? requiredString(source, 'name');
  try {
    checkAssetName(name, 'name');
  } catch (error) {
    if (error instanceof ValidationError) throw specFieldError(source, 'name', error.message);
    throw error;
  }
  const type = optionalString(source, 'type') ?? 'local_folder';
  if (type.toLowerCase() !== 'local_folder') {
    throw specFieldError(
      source,
      'type',
      `'${type}' datastores are not supported yet; use type: local_folder`,
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
