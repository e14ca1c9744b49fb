/**
 * Every API call is authenticated and authorized here, before its body is read: the route's Azure action
 * and scope come from `actionFor`, the token from the Authorization header (data plane paths take tokens
 * for https://ml.azure.com, everything else tokens for https://management.azure.com), and the decision
 * from the caller's role assignments. A job named in the path is checked at its endpoint's scope, so an
 * assignment on one endpoint reaches that endpoint's jobs and no other's, and a caller whose only job
 * right is the invoker's own-jobs right is refused other principals' jobs. With `--auth none` every call
 * acts as the configured local user and nothing is checked.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { anonymousPrincipal } from '../auth/principal.ts';
import type { RoleAssignmentService } from '../auth/role-assignments.ts';
import { actionFor, ACTIONS, type RequiredPermission } from '../auth/rbac/actions.ts';
import { authorize, ownJobsOnly } from '../auth/rbac/authorize.ts';
import { AuthorizationError } from '../auth/rbac/errors.ts';
import type { JobRecord } from '../core/jobs.ts';
import { audienceForPath } from '../auth/audiences.ts';

export interface AccessControl {
  mode: 'token' | 'none';
  authenticator: Authenticator;
  assignments: RoleAssignmentService;
  workspaceArmId: string;
  /** The local actor, for `--auth none`. */
  actor: string;
  getJob(name: string): Promise<JobRecord | undefined>;
}

export interface RequestAccess {
  permission: RequiredPermission;
  /** Job reads must be narrowed to jobs this principal created. */
  ownJobsOnly: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    access: RequestAccess | undefined;
  }
}

async function check(ac: AccessControl, request: FastifyRequest): Promise<void> {
  const deployment = request.headers['azureml-model-deployment'];
  const permission = actionFor(request.method, request.url, ac.workspaceArmId, {
    deployment: typeof deployment === 'string' ? deployment : undefined,
  });
  if (!permission) return;
  if (ac.mode === 'none') {
    request.principal = anonymousPrincipal(ac.actor);
    request.access = { permission, ownJobsOnly: false };
    return;
  }
  const principal = await ac.authenticator.authenticate(request.headers.authorization, {
    audience: audienceForPath(request.url.split('?')[0] ?? ''),
  });
  request.principal = principal;
  const job = permission.job === undefined ? undefined : await ac.getJob(permission.job);
  const scope =
    job && permission.endpoint === undefined
      ? `${ac.workspaceArmId}/batchEndpoints/${job.endpointName}/jobs/${job.name}`
      : permission.scope;
  const assignments = await ac.assignments.forPrincipal(principal.objectId);
  const resolved = { ...permission, scope };
  request.access = { permission: resolved, ownJobsOnly: false };
  authorize(
    assignments,
    { principalId: principal.objectId, clientId: principal.clientId },
    permission.action,
    scope,
  );
  if (permission.action !== ACTIONS.jobRead) return;
  const ownOnly = ownJobsOnly(assignments, principal.objectId, scope);
  request.access = { permission: resolved, ownJobsOnly: ownOnly };
  if (ownOnly && job && job.systemData.createdBy.toLowerCase() !== principal.actor.toLowerCase()) {
    throw new AuthorizationError(
      { principalId: principal.objectId, clientId: principal.clientId },
      `${ACTIONS.jobRead} (jobs created by others)`,
      scope,
    );
  }
}

export function registerAccessControl(app: FastifyInstance, ac: AccessControl): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('access', undefined);
  app.addHook('onRequest', async (request) => {
    await check(ac, request);
  });
}

/** Keeps only the jobs the caller may see: all of them, unless its job reads are own-jobs-only. */
export function visibleJobs(request: FastifyRequest, jobs: JobRecord[]): JobRecord[] {
  if (!request.access?.ownJobsOnly || !request.principal) return jobs;
  const actor = request.principal.actor.toLowerCase();
  return jobs.filter((j) => j.systemData.createdBy.toLowerCase() === actor);
}
