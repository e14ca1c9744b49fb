/**
 * Every API call is authenticated and authorized here, in one `onRequest` hook that runs before the body
 * is read. It reads only what the router decided: the matched route's declared access
 * (`request.routeOptions.config`) and the decoded path parameters, so a percent-encoded, doubled or
 * differently cased spelling of a path is judged as the route it reaches. Public routes need nothing; any
 * other route needs a bearer token for its audience (the data plane's `/endpoints/...` take tokens for
 * https://ml.azure.com, everything else tokens for https://management.azure.com) and a role granting its
 * action at its scope (access-decision.ts). A path no route matches needs a valid token too: 401 without
 * one, 404 with one, so the API's shape is not visible to strangers. After authorization, a path naming
 * another workspace is a 404. A check that needs the parsed body (a datastore over a host folder) runs in
 * a later hook of this module, before the handler. With `--auth none` every call acts as the configured
 * local user and nothing is checked.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DATA_PLANE_AUDIENCE, MANAGEMENT_AUDIENCE } from '../auth/audiences.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { AuthenticationError } from '../auth/errors.ts';
import type { Principal } from '../auth/principal.ts';
import { anonymousPrincipal } from '../auth/principal.ts';
import type { RoleAssignmentService } from '../auth/role-assignments.ts';
import { authorize } from '../auth/rbac/authorize.ts';
import { NotFoundError } from '../core/errors.ts';
import type { JobRecord, JobWithCounts } from '../core/jobs.ts';
import type { WorkspaceRef } from '../core/workspace.ts';
import { createdBy, decide, permissionFor, withJob, type Permission } from './access-decision.ts';
import { isPublic, type ProtectedAccess, type RouteConfig } from './route-table.ts';

export interface AccessControl {
  mode: 'token' | 'none';
  authenticator: Authenticator;
  assignments: RoleAssignmentService;
  workspaceArmId: string;
  /** The local actor, for `--auth none`. */
  actor: string;
  /** A job-scoped route's job, read with its counts (what its status shows) in the same round trip. */
  readJob(name: string): Promise<JobWithCounts | undefined>;
}

/** What the hook needs beyond the access services: the hosted workspace and service principal owners. */
export interface AccessContext {
  workspace: WorkspaceRef;
  /** Object ids owning a service principal; empty when it has none or does not exist. */
  servicePrincipalOwners(appId: string): Promise<readonly string[]>;
}

export interface RequestAccess {
  permission: Permission;
  /** Job reads must be narrowed to jobs this principal created. */
  ownJobsOnly: boolean;
  /**
   * The job the decision was made on (a job-scoped route), with its counts: a status handler answers
   * with it, not a new read.
   */
  job?: JobWithCounts;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    access: RequestAccess | undefined;
  }
}

/** The route's declared access and audience; undefined for a path no route matched. */
export function routeConfig(request: FastifyRequest): RouteConfig | undefined {
  if (request.is404) return undefined;
  const { access, audience, maxJsonString } = request.routeOptions.config;
  if (access === undefined || audience === undefined) return undefined;
  return { access, audience, ...(maxJsonString === undefined ? {} : { maxJsonString }) };
}

function authenticate(ac: AccessControl, request: FastifyRequest, audience: string): Promise<Principal> {
  return ac.authenticator.authenticate(request.headers.authorization, {
    audience,
  });
}

/** A path no route matches: any valid token of ours, for either audience, earns the 404. */
async function authenticateAny(ac: AccessControl, request: FastifyRequest): Promise<Principal> {
  try {
    return await authenticate(ac, request, MANAGEMENT_AUDIENCE);
  } catch (error) {
    if (!(error instanceof AuthenticationError) || error.code !== 'InvalidAudience') throw error;
    return authenticate(ac, request, DATA_PLANE_AUDIENCE);
  }
}

const WORKSPACE_PARAMS = ['subscriptionId', 'resourceGroupName', 'workspaceName'] as const;

/** A path naming another workspace (or factory) than the hosted one is a 404 naming the hosted one. */
function checkWorkspace(ws: WorkspaceRef, request: FastifyRequest): void {
  const params = request.params as Partial<Record<string, string>>;
  // Data Factory paths name the factory where ARM paths name the workspace: the workspace is the factory.
  const given: Partial<Record<string, string>> = {
    ...params,
    workspaceName: params.workspaceName ?? params.factoryName,
  };
  if (given.workspaceName === undefined) return;
  const expected = {
    subscriptionId: ws.subscriptionId,
    resourceGroupName: ws.resourceGroup,
    workspaceName: ws.workspace,
  };
  for (const key of WORKSPACE_PARAMS) {
    if (given[key]?.toLowerCase() !== expected[key].toLowerCase()) {
      throw new NotFoundError(
        `This server hosts workspace '${ws.workspace}' in resource group '${ws.resourceGroup}' of subscription ` +
          `'${ws.subscriptionId}'; '${key}' '${given[key] ?? ''}' does not match.`,
      );
    }
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function checkRoute(
  ac: AccessControl,
  context: AccessContext,
  request: FastifyRequest,
  access: ProtectedAccess,
  audience: string,
): Promise<void> {
  const params = request.params as Record<string, string | undefined>;
  const deployment = headerText(request.headers['azureml-model-deployment']);
  let permission = permissionFor(access, params, ac.workspaceArmId, deployment);
  // Set before authentication, so a refused call is audited with the action it asked for.
  request.access = { permission, ownJobsOnly: false };
  if (ac.mode === 'none') {
    request.principal = anonymousPrincipal(ac.actor);
    return;
  }
  const principal = await authenticate(ac, request, audience);
  request.principal = principal;
  const read = permission.job === undefined ? undefined : await ac.readJob(permission.job);
  const job = read?.job;
  permission = withJob(permission, access, job, ac.workspaceArmId);
  request.access = { permission, ownJobsOnly: false };
  const assignments = await ac.assignments.forPrincipal(principal.objectId);
  const { ownJobsOnly } = await decide({
    assignments,
    principal,
    access,
    permission,
    job,
    params,
    servicePrincipalOwners: (appId) => context.servicePrincipalOwners(appId),
  });
  request.access = { permission, ownJobsOnly, ...(read ? { job: read } : {}) };
}

/** The body-dependent part: an extra action when the parsed body asks for it (e.g. a host folder). */
async function checkBody(ac: AccessControl, request: FastifyRequest): Promise<void> {
  const config = routeConfig(request);
  if (ac.mode === 'none' || !config || isPublic(config.access)) return;
  const rule = config.access.body;
  const principal = request.principal;
  const permission = request.access?.permission;
  if (!rule || !principal || !permission || !rule.applies(request.body)) return;
  const checked = { ...permission, action: rule.action, kind: 'action' as const };
  request.access = { permission: checked, ownJobsOnly: false };
  const assignments = await ac.assignments.forPrincipal(principal.objectId);
  authorize(
    assignments,
    { principalId: principal.objectId, clientId: principal.clientId },
    rule.action,
    permission.scope,
  );
  request.access = { permission, ownJobsOnly: false };
}

export function registerAccessControl(app: FastifyInstance, ac: AccessControl, context: AccessContext): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('access', undefined);
  app.addHook('onRequest', async (request) => {
    const config = routeConfig(request);
    if (!config) {
      request.principal =
        ac.mode === 'none' ? anonymousPrincipal(ac.actor) : await authenticateAny(ac, request);
      return;
    }
    if (!isPublic(config.access)) await checkRoute(ac, context, request, config.access, config.audience);
    checkWorkspace(context.workspace, request);
  });
  app.addHook('preValidation', async (request) => {
    await checkBody(ac, request);
  });
}

/** Keeps only the jobs the caller may see: all of them, unless its job reads are own-jobs-only. */
export function visibleJobs(request: FastifyRequest, jobs: JobRecord[]): JobRecord[] {
  if (!request.access?.ownJobsOnly || !request.principal) return jobs;
  const principal = request.principal;
  return jobs.filter((j) => createdBy(j, principal));
}
