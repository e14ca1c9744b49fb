/**
 * Batch endpoints: a stable name and scoring URI plus a routing table (the default deployment). Deleting
 * an endpoint deletes its deployments and keeps their jobs.
 */
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { optionalDescription, tagMap } from '../core/limits.ts';
import { checkEndpointName } from '../core/names.ts';
import {
  newSystemData,
  touchSystemData,
  type BatchDeployment,
  type BatchEndpoint,
} from '../core/resources.ts';
import {
  optionalEnum,
  optionalObject,
  optionalString,
  prop,
  stringMap,
  type Json,
} from '../core/wire-values.ts';
import type { ResourceRepository } from '../store/contract.ts';

export type EndpointService = ReturnType<typeof createEndpointService>;

export function createEndpointService(deps: { repo: ResourceRepository; actor: string }) {
  async function get(name: string): Promise<BatchEndpoint> {
    const found = await deps.repo.get<BatchEndpoint>('endpoint', { name });
    if (!found) {
      throw new NotFoundError(
        `Batch endpoint '${name}' was not found. List endpoints with: nightshift batch-endpoint list`,
      );
    }
    return found;
  }

  async function checkDefault(endpoint: string, deploymentName: string | undefined): Promise<void> {
    if (!deploymentName) return;
    const found = await deps.repo.get<BatchDeployment>('deployment', {
      scope: endpoint.toLowerCase(),
      name: deploymentName,
    });
    if (!found) {
      throw new ValidationError(
        `'properties.defaults.deploymentName' names deployment '${deploymentName}', which endpoint '${endpoint}' does not have. Create it first.`,
        'properties.defaults.deploymentName',
      );
    }
  }

  /** ARM PUT: creates the endpoint, or updates what may change (description, tags, defaults). */
  async function put(
    name: string,
    body: Json,
    actor = deps.actor,
  ): Promise<{ endpoint: BatchEndpoint; created: boolean }> {
    checkEndpointName(name, 'name');
    const props = optionalObject(prop(body, 'properties'), 'properties') ?? {};
    optionalEnum(prop(props, 'authMode'), 'properties.authMode', ['AADToken'] as const);
    const defaults = optionalObject(prop(props, 'defaults'), 'properties.defaults');
    const deploymentName =
      optionalString(prop(defaults, 'deploymentName'), 'properties.defaults.deploymentName') || undefined;
    const existing = await deps.repo.get<BatchEndpoint>('endpoint', { name });
    await checkDefault(name, deploymentName);
    const doc: BatchEndpoint = {
      name: existing?.name ?? name,
      description:
        optionalDescription(prop(props, 'description'), 'properties.description') ??
        existing?.description ??
        '',
      tags: tagMap(prop(body, 'tags') ?? existing?.tags, 'tags'),
      properties: stringMap(prop(props, 'properties') ?? existing?.properties, 'properties.properties'),
      authMode: 'AADToken',
      defaults: deploymentName ? { deploymentName } : defaults ? {} : (existing?.defaults ?? {}),
      provisioningState: 'Succeeded',
      systemData: existing ? touchSystemData(existing.systemData, actor) : newSystemData(actor),
    };
    if (existing) await deps.repo.replace('endpoint', { name }, doc);
    else if (!(await deps.repo.insert('endpoint', { name }, doc))) {
      throw new ConflictError(`Batch endpoint '${name}' was created at the same time; retry.`);
    }
    return { endpoint: doc, created: !existing };
  }

  /** ARM PATCH: only the fields present change. */
  async function patch(name: string, body: Json, actor = deps.actor): Promise<BatchEndpoint> {
    const current = await get(name);
    const props = optionalObject(prop(body, 'properties'), 'properties') ?? {};
    const merged: Json = {
      tags: prop(body, 'tags') ?? current.tags,
      properties: {
        description: prop(props, 'description') ?? current.description,
        defaults: prop(props, 'defaults') ?? current.defaults,
        properties: prop(props, 'properties') ?? current.properties,
      },
    };
    return (await put(current.name, merged, actor)).endpoint;
  }

  async function remove(name: string): Promise<void> {
    const endpoint = await get(name);
    await deps.repo.removeScope('deployment', endpoint.name.toLowerCase());
    await deps.repo.remove('endpoint', { name });
  }

  return { get, put, patch, remove, list: () => deps.repo.list<BatchEndpoint>('endpoint') };
}
