/**
 * Builds the Fastify application from the route table: the guard that refuses undeclared routes, the
 * request pipeline in order (audit after the answer; authentication, authorization and the workspace
 * check before the body is read; the body read within its route's limits; a body-dependent check; the
 * handler; error mapping), the OpenAPI document at /openapi.json, and the system routes. It holds no state
 * of its own; everything comes from the services passed in by the composition root.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { IdentityService } from '../auth/identity-service.ts';
import { workspaceId } from '../core/workspace.ts';
import type { ApiServices } from './context.ts';
import { handleError, handleFrameworkError, handleNotFound } from './errors.ts';
import { assetRoutes } from './routes/assets.ts';
import { datastoreRoutes } from './routes/datastores.ts';
import { datastorePreviewRoutes } from './routes/datastore-preview.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { computeRoutes, metricsRoutes } from './routes/computes.ts';
import { jobRoutes } from './routes/jobs.ts';
import { jobRerunRoutes } from './routes/job-rerun.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { jobStatsRoutes } from './routes/job-stats.ts';
import { jobFileRoutes } from './routes/job-files.ts';
import { jobLiveRoutes } from './routes/job-live.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { identityRoutes } from './routes/identities.ts';
import { accessRoutes } from './routes/access.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { pipelineLiveRoutes } from './routes/pipeline-live.ts';
import { factoryDataRoutes } from './routes/factory-data.ts';
import { triggerRoutes } from './routes/triggers.ts';
import { studioRoutes } from './routes/studio.ts';
import { permissionRoutes } from './routes/permissions.ts';
import { eventSubscriptionRoutes } from './routes/event-subscriptions.ts';
import { registerAccessControl } from './access-control.ts';
import { registerAuditTrail, type AuditDirectory } from './audit-trail.ts';
import { registerJsonParser } from './body-limits.ts';
import { guardRoutes } from './route-guard.ts';
import { registerRoutes } from './register-routes.ts';
import { defineRoute, type RouteInfo, type RouteSpec } from './route-table.ts';
import { open } from './schemas.ts';

/**
 * How paths reach routes: any case, a trailing slash, doubled slashes; percent-escapes are decoded by the
 * router itself. The access hook judges what this matched, so every spelling is authorized alike.
 */
export const ROUTER_OPTIONS = {
  caseSensitive: false,
  ignoreTrailingSlash: true,
  ignoreDuplicateSlashes: true,
};

/** Management bodies: 1 MiB (pipeline definitions and uploads declare their own limits). */
const BODY_LIMIT = 1024 * 1024;
/** The default upload cap: generous, since uploads are streamed and never held in memory. */
const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

export interface HttpOptions {
  maxUploadBytes?: number;
  /** Config.trustProxy: off unless the operator names the proxies in front of the server. */
  trustProxy?: false | number | string[];
}

export interface HttpApp {
  server: FastifyInstance;
  /** Every route as declared: method, URL (fastify form) and access. */
  routes: readonly RouteInfo[];
}

function systemRoutes(s: ApiServices, app: FastifyInstance): RouteSpec[] {
  const tags = ['system'];
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      summary: 'Liveness',
      tags,
      access: { public: 'health checks run without credentials' },
      responses: { 200: Type.Object({ status: Type.String() }) },
      handler: () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'GET',
      url: '/info',
      summary: 'The hosted workspace, so clients can build ARM paths',
      tags,
      access: { public: 'clients read the workspace id before they have a token' },
      responses: {
        200: Type.Object({
          workspaceId: Type.String(),
          workspace: Type.String(),
          location: Type.String(),
          version: Type.String(),
        }),
      },
      handler: () => ({
        workspaceId: workspaceId(s.workspace),
        workspace: s.workspace.workspace,
        location: s.workspace.location,
        version: '0.1.0',
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      summary: 'This document',
      tags,
      access: { public: 'the API description, as Azure publishes its REST specs' },
      responses: { 200: open('The OpenAPI 3 document.') },
      handler: () => app.swagger(),
    }),
  ];
}

/** Every route of the server, in one list. */
export function routeTable(s: ApiServices, app: FastifyInstance): RouteSpec[] {
  return [
    ...systemRoutes(s, app),
    ...metricsRoutes(s),
    ...datastoreRoutes(s),
    ...datastorePreviewRoutes(s),
    ...assetRoutes(s),
    ...endpointRoutes(s),
    ...computeRoutes(s),
    ...jobRoutes(s),
    ...jobRerunRoutes(s),
    ...scheduleRoutes(s),
    ...jobStatsRoutes(s),
    ...jobFileRoutes(s),
    ...jobLiveRoutes(s),
    ...tokenRoutes(s.auth),
    ...identityRoutes(s.auth),
    ...accessRoutes(s.auth),
    ...pipelineRoutes(s),
    ...pipelineLiveRoutes({
      workspace: s.workspace,
      pipelines: s.pipelines,
      assignments: s.auth.assignments,
      mode: s.auth.access.mode,
    }),
    ...factoryDataRoutes(s),
    ...triggerRoutes(s),
    ...permissionRoutes({
      workspace: s.workspace,
      assignments: s.auth.assignments,
      mode: s.auth.access.mode,
    }),
    ...studioRoutes(s.studio),
    ...eventSubscriptionRoutes(s),
  ];
}

/** How the audit log names the caller of a token request: as its API calls are named. */
function auditDirectory(identities: IdentityService): AuditDirectory {
  return {
    async servicePrincipal(appId) {
      const sp = await identities.getServicePrincipal(appId).catch(() => undefined);
      if (!sp) return undefined;
      const user = sp.localUser;
      return user === undefined
        ? { principal: sp.appId, principalId: sp.objectId, principalType: 'Application' }
        : { principal: user, principalId: sp.objectId, principalType: 'User' };
    },
    async managedIdentity(clientId) {
      const mi =
        clientId === undefined
          ? await identities.getManagedIdentity('system').catch(() => undefined)
          : await identities.findManagedIdentityByClientId(clientId);
      return mi && { principal: mi.clientId, principalId: mi.objectId, principalType: 'ManagedIdentity' };
    },
  };
}

/** The owners a service principal record carries (none on records made before owners existed). */
async function servicePrincipalOwners(identities: IdentityService, appId: string): Promise<string[]> {
  const sp = await identities.getServicePrincipal(appId).catch(() => undefined);
  const owners = (sp as { owners?: unknown } | undefined)?.owners;
  return Array.isArray(owners) ? owners.filter((o): o is string => typeof o === 'string') : [];
}

/** Fastify's form of Config.trustProxy: hops as its own hop test (its types take no number). */
function trustedProxies(
  trust: HttpOptions['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust ?? false;
}

export async function buildHttpApp(
  services: ApiServices,
  logger: FastifyBaseLogger,
  options: HttpOptions = {},
): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: logger,
    routerOptions: ROUTER_OPTIONS,
    bodyLimit: BODY_LIMIT,
    // The audit log records calls; per-request lines would drown the job lifecycle lines at info.
    logController: new LogController({ disableRequestLogging: true }),
    // Stop means stop: an idle keep-alive connection must not hold shutdown for its 72 s timeout.
    forceCloseConnections: true,
    frameworkErrors: handleFrameworkError,
    // Off by default: then `request.ip` (the lockout's source and the audit log's address) is the socket's
    // peer, whatever X-Forwarded-For says.
    trustProxy: trustedProxies(options.trustProxy),
  });
  const routes = guardRoutes(app);
  registerJsonParser(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Nightshift',
        version: '0.1.0',
        description: 'Batch inference with the Azure Machine Learning batch endpoint contracts.',
      },
    },
  });
  // reply.sendFile only: the studio's routes are declared in the route table like every other.
  await app.register(fastifyStatic, { root: services.studio.dir, serve: false });
  app.setErrorHandler(handleError);
  // Before any route: the audit entry is written after the answer, the access check before the body is read.
  const identities = services.auth.identities;
  registerAuditTrail(app, services.auth.audit, auditDirectory(identities));
  registerAccessControl(app, services.auth.access, {
    workspace: services.workspace,
    servicePrincipalOwners: (appId) => servicePrincipalOwners(identities, appId),
  });
  app.setNotFoundHandler(handleNotFound);
  await registerRoutes(app, routeTable(services, app), {
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  });
  return { server: app, routes };
}
