/**
 * Batch endpoint YAML (`batchEndpoint.schema.json`) to the ARM request body, done client-side as az does:
 * `name`, `description`, `tags`, `auth_mode` (only `aad_token`), `defaults.deployment_name` and the
 * free-form `properties` map. The name is checked here with the service's own rule so a bad one points at
 * its line in the file.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkEndpointName } from '../../core/names.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import { CliError } from '../client.ts';
import {
  optionalEnum,
  optionalMap,
  optionalString,
  optionalStringMap,
  refuseUnknownFields,
  requiredString,
} from './spec-fields.ts';
import type { EndpointEntity } from '../entities.ts';
import { compact } from './document-source.ts';

const ENDPOINT_FIELDS = ['name', 'description', 'tags', 'auth_mode', 'defaults', 'properties'] as const;

export interface EndpointRequest {
  name: string;
  body: Json;
}

/** Checks an endpoint or deployment name; a `--name` flag fails as a usage error, a file field with its line. */
export function checkName(
  source: YamlSpecSource,
  field: string,
  flag: string | undefined,
  what: 'endpoint' | 'deployment',
): string {
  const name = flag ?? requiredString(source, field);
  try {
    return checkEndpointName(name, flag === undefined ? field : '--name', what);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    if (flag !== undefined) throw new CliError(error.message, { exitCode: 2 });
    throw specFieldError(source, field, error.message);
  }
}

/**
 * Reads an endpoint spec. `nameFlag` is `--name`, which wins over the file's `name`; callers pass it
 * lower-cased on create, as az does ("MFE is case-insensitive for Name").
 */
export function endpointRequest(source: YamlSpecSource, nameFlag?: string): EndpointRequest {
  refuseUnknownFields(source, '', ENDPOINT_FIELDS);
  refuseUnknownFields(source, 'defaults', ['deployment_name']);
  const name = checkName(source, 'name', nameFlag, 'endpoint');
  optionalEnum(source, 'auth_mode', { aad_token: 'AADToken' });
  const defaults = optionalMap(source, 'defaults');
  const deploymentName = optionalString(source, 'defaults.deployment_name');
  const properties: Json = compact({
    description: optionalString(source, 'description'),
    properties: optionalStringMap(source, 'properties'),
    authMode: 'AADToken',
    defaults: defaults ? { deploymentName: deploymentName ?? null } : undefined,
  });
  return { name, body: compact({ tags: optionalStringMap(source, 'tags'), properties }) };
}

/** The spec fields of an endpoint as shown, the starting point of `update` without a file. */
export function endpointSpecDocument(entity: EndpointEntity): Record<string, unknown> {
  return compact({
    name: entity.name,
    description: entity.description,
    tags: entity.tags,
    properties: entity.properties,
    auth_mode: entity.auth_mode,
    defaults: entity.defaults.deployment_name
      ? { deployment_name: entity.defaults.deployment_name }
      : undefined,
  });
}
