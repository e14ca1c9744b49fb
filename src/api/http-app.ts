/**
 * Builds the Fastify application: request pipeline in order (workspace check → route → error mapping),
 * the OpenAPI document at /openapi.json, and /healthz. It holds no state of its own; everything comes
 * from the services passed in by the composition root.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { NotFoundError } from '../core/errors.ts';
import { workspaceId } from '../core/workspace.ts';
import type { ApiServices } from './context.ts';
import { handleError, handleNotFound } from './errors.ts';
import { registerAssetRoutes } from './routes/assets.ts';
import { registerDatastoreRoutes } from './routes/datastores.ts';
import { registerEndpointRoutes } from './routes/endpoints.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerAccessRoutes } from './routes/access.ts';
import { registerPipelineRoutes } from './routes/pipelines.ts';
import { registerAccessControl } from './access-control.ts';
import { registerAuditTrail } from './audit-trail.ts';

export interface RouteModule {
  (app: FastifyInstance, services: ApiServices): void;
}

const WORKSPACE_PARAMS = ['subscriptionId', 'resourceGroupName', 'workspaceName'] as const;

function checkWorkspace(s: ApiServices, request: FastifyRequest): void {
  const params = request.params as Partial<Record<(typeof WORKSPACE_PARAMS)[number] | 'factoryName', string>>;
  // Data Factory paths name the factory where ARM paths name the workspace: the workspace is the factory.
  if (params.factoryName !== undefined) params.workspaceName ??= params.factoryName;
  if (params.workspaceName === undefined) return;
  const expected = {
    subscriptionId: s.workspace.subscriptionId,
    resourceGroupName: s.workspace.resourceGroup,
    workspaceName: s.workspace.workspace,
  };
  for (const key of WORKSPACE_PARAMS) {
    if (params[key]?.toLowerCase() !== expected[key].toLowerCase()) {
      throw new NotFoundError(
        `This server hosts workspace '${s.workspace.workspace}' in resource group '${s.workspace.resourceGroup}' of subscription ` +
          `'${s.workspace.subscriptionId}'; '${key}' '${params[key] ?? ''}' does not match.`,
      );
    }
  }
}

export async function buildHttpApp(
  services: ApiServices,
  logger: FastifyBaseLogger,
  extraRoutes: RouteModule[] = [],
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024 * 1024,
    // Stop means stop: an idle keep-alive connection must not hold shutdown for its 72 s timeout.
    forceCloseConnections: true,
  });
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => {
    done(null, payload);
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Nightshift',
        version: '0.1.0',
        description: 'Batch inference with the Azure Machine Learning batch endpoint contracts.',
      },
    },
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // Before any route: the audit entry is written after the answer, the access check before the body is read.
  registerAuditTrail(app, services.auth.audit);
  registerAccessControl(app, services.auth.access);
  app.addHook('preHandler', (request, _reply, done) => {
    checkWorkspace(services, request);
    done();
  });
  app.get('/healthz', { schema: { tags: ['system'] } }, () => ({ status: 'ok' }));
  app.get('/info', { schema: { tags: ['system'] } }, () => ({
    workspaceId: workspaceId(services.workspace),
    workspace: services.workspace.workspace,
    location: services.workspace.location,
    version: '0.1.0',
  }));
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerDatastoreRoutes(app, services);
  registerAssetRoutes(app, services);
  registerEndpointRoutes(app, services);
  registerJobRoutes(app, services);
  registerTokenRoutes(app, services.auth);
  registerAccessRoutes(app, services.auth);
  registerPipelineRoutes(app, services);
  for (const register of extraRoutes) register(app, services);
  return app;
}
