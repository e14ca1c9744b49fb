/**
 * The authorization decision for one request, from its route's declared access and the router's decoded
 * path parameters (never the raw URL, so every spelling of a path that reaches a route is judged as that
 * route). The scope is always built from the hosted workspace's id: handlers act on the hosted workspace
 * whatever the path says. A job is checked at its endpoint's scope, so an assignment on one endpoint
 * reaches that endpoint's jobs and no other's, and a caller whose only right is the invoker's own-jobs
 * right is refused other principals' jobs. Pure apart from the lookups passed in.
 */
import type { Principal } from '../auth/principal.ts';
import { authorize, ownJobsOnly, type ActionKind, type AssignmentLike } from '../auth/rbac/authorize.ts';
import { AuthorizationError } from '../auth/rbac/errors.ts';
import type { JobRecord } from '../core/jobs.ts';
import type { ProtectedAccess } from './route-table.ts';

/** What a request needs: the action, its kind and the scope, plus the job it names (if any). */
export interface Permission {
  action: string;
  kind: ActionKind;
  scope: string;
  job?: string;
}

type Params = Record<string, string | undefined>;

/** The scope of a datastore's contents, where the storage data roles are assigned. */
export function datastoreScope(workspaceArmId: string, datastore: string): string {
  return `${workspaceArmId.replace(/\/+$/, '')}/datastores/${datastore}`;
}

/**
 * The permission as far as the path tells it; a job scope is provisional (`{ws}/jobs/{name}`) until the
 * job's endpoint is known (`withJob`).
 */
export function permissionFor(
  access: ProtectedAccess,
  params: Params,
  workspaceArmId: string,
  deploymentHeader: string | undefined,
): Permission {
  const ws = workspaceArmId.replace(/\/+$/, '');
  const action =
    access.withDeploymentHeader !== undefined && deploymentHeader
      ? access.withDeploymentHeader
      : access.action;
  const scopes: Record<ProtectedAccess['scope'], string> = {
    workspace: ws,
    endpoint: `${ws}/batchEndpoints/${params.endpoint ?? ''}`,
    datastore: datastoreScope(ws, params.name ?? ''),
    job: `${ws}/jobs/${params.job ?? ''}`,
  };
  const scope = scopes[access.scope];
  return {
    action,
    kind: access.kind ?? 'action',
    scope,
    ...(params.job === undefined ? {} : { job: params.job }),
  };
}

/** A job named at the workspace is checked at its endpoint's scope, once the record is found. */
export function withJob(
  permission: Permission,
  access: ProtectedAccess,
  job: JobRecord | undefined,
  workspaceArmId: string,
): Permission {
  if (access.scope !== 'job' || !job) return permission;
  const ws = workspaceArmId.replace(/\/+$/, '');
  return { ...permission, scope: `${ws}/batchEndpoints/${job.endpointName}/jobs/${job.name}` };
}

/**
 * Whether the principal created the job: by object id (names are chosen by whoever issued the token, so
 * an external issuer could name a local app id); jobs recorded before object ids were kept compare the
 * actor, which for external principals names their issuer and so cannot equal a local one.
 */
export function createdBy(job: JobRecord, principal: Principal): boolean {
  const id = job.systemData.createdById;
  if (id !== undefined) return id.toLowerCase() === principal.objectId.toLowerCase();
  return job.systemData.createdBy.toLowerCase() === principal.actor.toLowerCase();
}

export interface DecisionInput {
  assignments: readonly AssignmentLike[];
  principal: Principal;
  access: ProtectedAccess;
  permission: Permission;
  job: JobRecord | undefined;
  /** Owners (object ids) of the service principal the route names, for `servicePrincipalOwner` routes. */
  servicePrincipalOwners(appId: string): Promise<readonly string[]>;
  params: Params;
}

/**
 * Throws AuthorizationError (403) unless the principal may act; resolves whether its job reads must be
 * narrowed to its own jobs.
 */
export async function decide(input: DecisionInput): Promise<{ ownJobsOnly: boolean }> {
  const { principal, access, permission } = input;
  const ref = { principalId: principal.objectId, clientId: principal.clientId };
  try {
    authorize(input.assignments, ref, permission.action, permission.scope, permission.kind);
  } catch (error) {
    if (!(error instanceof AuthorizationError) || access.servicePrincipalOwner === undefined) throw error;
    const appId = input.params[access.servicePrincipalOwner] ?? '';
    const owners = await input.servicePrincipalOwners(appId);
    const me = principal.objectId.toLowerCase();
    if (!owners.some((o) => o.toLowerCase() === me)) throw error;
    return { ownJobsOnly: false };
  }
  if (access.ownJobs !== true) return { ownJobsOnly: false };
  const ownOnly = ownJobsOnly(
    input.assignments,
    principal.objectId,
    permission.scope,
    permission.action,
    permission.kind,
  );
  const job = input.job;
  if (ownOnly && job && !createdBy(job, principal)) {
    throw new AuthorizationError(ref, `${permission.action} (jobs created by others)`, permission.scope);
  }
  return { ownJobsOnly: ownOnly };
}
