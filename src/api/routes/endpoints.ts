/**
 * Batch endpoints and their deployments on the management API (ARM PUT / PATCH / GET / DELETE).
 */
import type { FastifyInstance } from 'fastify';
import type { Json } from '../../core/wire-values.ts';
import { armBody, baseUrl, WS, type ApiServices } from '../context.ts';
import { deploymentView, endpointView, listView } from '../views.ts';

interface EndpointParams {
  endpoint: string;
}
interface DeploymentParams extends EndpointParams {
  deployment: string;
}

export function registerEndpointRoutes(app: FastifyInstance, s: ApiServices): void {
  const tags = ['batchEndpoints'];
  const ep = `${WS}/batchEndpoints/:endpoint`;
  app.get(`${WS}/batchEndpoints`, { schema: { tags } }, async (req) =>
    listView((await s.endpoints.list()).map((e) => endpointView(s.workspace, e, baseUrl(req)))),
  );
  app.get<{ Params: EndpointParams }>(ep, { schema: { tags } }, async (req) =>
    endpointView(s.workspace, await s.endpoints.get(req.params.endpoint), baseUrl(req)),
  );
  app.put<{ Params: EndpointParams; Body: Json }>(
    ep,
    { schema: { tags, body: armBody } },
    async (req, reply) => {
      const { endpoint, created } = await s.endpoints.put(req.params.endpoint, req.body);
      return reply.status(created ? 201 : 200).send(endpointView(s.workspace, endpoint, baseUrl(req)));
    },
  );
  app.patch<{ Params: EndpointParams; Body: Json }>(ep, { schema: { tags, body: armBody } }, async (req) =>
    endpointView(s.workspace, await s.endpoints.patch(req.params.endpoint, req.body), baseUrl(req)),
  );
  app.delete<{ Params: EndpointParams }>(ep, { schema: { tags } }, async (req, reply) => {
    await s.endpoints.remove(req.params.endpoint);
    return reply.status(204).send();
  });

  const dtags = ['batchDeployments'];
  const dp = `${ep}/deployments/:deployment`;
  app.get<{ Params: EndpointParams }>(`${ep}/deployments`, { schema: { tags: dtags } }, async (req) =>
    listView((await s.deployments.list(req.params.endpoint)).map((d) => deploymentView(s.workspace, d))),
  );
  app.get<{ Params: DeploymentParams }>(dp, { schema: { tags: dtags } }, async (req) =>
    deploymentView(s.workspace, await s.deployments.get(req.params.endpoint, req.params.deployment)),
  );
  app.put<{ Params: DeploymentParams; Body: Json }>(
    dp,
    { schema: { tags: dtags, body: armBody } },
    async (req, reply) => {
      const { deployment, created } = await s.deployments.put(
        req.params.endpoint,
        req.params.deployment,
        req.body,
      );
      return reply.status(created ? 201 : 200).send(deploymentView(s.workspace, deployment));
    },
  );
  app.delete<{ Params: DeploymentParams }>(dp, { schema: { tags: dtags } }, async (req, reply) => {
    await s.deployments.remove(req.params.endpoint, req.params.deployment);
    return reply.status(204).send();
  });
}
