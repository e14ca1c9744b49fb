/**
 * Computes of the workspace (Azure's AmlCompute clusters) over the metadata store: create or replace,
 * show, list and delete, and the lookup deployments make when they name one. A compute some deployment
 * runs on cannot be deleted (409, naming the deployments), as Azure refuses to delete a cluster in use.
 */
import {
  checkComputeName,
  computeNameOf,
  LOCAL_COMPUTE,
  readComputeBody,
  type Compute,
} from '../core/computes.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { newSystemData, touchSystemData, type BatchDeployment } from '../core/resources.ts';
import type { Json } from '../core/wire-values.ts';
import { workspaceId, type WorkspaceRef } from '../core/workspace.ts';
import type { ResourceRepository } from '../store/contract.ts';

export type ComputeService = ReturnType<typeof createComputeService>;

export function createComputeService(deps: {
  repo: ResourceRepository;
  workspace: WorkspaceRef;
  actor: string;
}) {
  const wsPath = workspaceId(deps.workspace);

  async function get(name: string): Promise<Compute> {
    const found = await deps.repo.get<Compute>('compute', { name });
    if (!found) {
      throw new NotFoundError(`Compute '${name}' was not found. List computes with: nightshift compute list`);
    }
    return found;
  }

  async function put(
    name: string,
    body: Json,
    actor = deps.actor,
  ): Promise<{ compute: Compute; created: boolean }> {
    checkComputeName(name, 'name');
    const existing = await deps.repo.get<Compute>('compute', { name });
    const systemData = existing ? touchSystemData(existing.systemData, actor) : newSystemData(actor);
    const compute = readComputeBody(existing?.name ?? name, body, systemData);
    if (existing) await deps.repo.replace('compute', { name }, compute);
    else if (!(await deps.repo.insert('compute', { name }, compute))) {
      throw new ConflictError(`Compute '${name}' was created at the same time; retry.`);
    }
    return { compute, created: !existing };
  }

  /** The deployments whose `compute` names this compute, as `endpoint/deployment`. */
  async function usersOf(name: string): Promise<string[]> {
    const deployments = await deps.repo.list<BatchDeployment>('deployment');
    return deployments
      .filter((d) => {
        try {
          return computeNameOf(d.compute, wsPath, 'compute').toLowerCase() === name.toLowerCase();
        } catch {
          return false;
        }
      })
      .map((d) => `${d.endpointName}/${d.name}`);
  }

  async function remove(name: string): Promise<void> {
    const compute = await get(name);
    const users = await usersOf(compute.name);
    if (users.length > 0) {
      throw new ConflictError(
        `Compute '${compute.name}' is used by deployment(s) ${users.join(', ')}; point them at another compute (or delete them) first.`,
      );
    }
    await deps.repo.remove('compute', { name: compute.name });
  }

  /**
   * The compute a deployment's `compute` value names, checked to exist: its stored name, or `local` for
   * none. An unknown compute is the caller's mistake, named in `field`.
   */
  async function resolveReference(ref: string | undefined, field: string): Promise<string> {
    const name = computeNameOf(ref, wsPath, field);
    if (name.toLowerCase() === LOCAL_COMPUTE) return LOCAL_COMPUTE;
    const found = await deps.repo.get<Compute>('compute', { name });
    if (!found) {
      throw new ValidationError(
        `'${field}' names compute '${name}', which does not exist. Create it first (nightshift compute create -f compute.yml) or leave '${field}' out to run on the server's own workers.`,
        field,
      );
    }
    return found.name;
  }

  return {
    get,
    list: () => deps.repo.list<Compute>('compute'),
    put,
    remove,
    resolveReference,
  };
}
