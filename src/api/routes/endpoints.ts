/**
 * Batch endpoints and their deployments on the management API (ARM PUT / PATCH / GET / DELETE), each
 * checked at the endpoint's scope so an assignment on one endpoint reaches no other.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import type { Json } from '../../core/wire-values.ts';
import { baseUrl, WS, type ApiServices } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { ArmBody, ArmError, armList, armResource, NoContent, WsParams, wsParams } from '../schemas.ts';
import { deploymentView, endpointView, listView } from '../views.ts';

const Endpoint = armResource(
  'A batch endpoint: description, auth mode, default deployment, scoring URI and provisioning state.',
  { scoringUri: Type.String(), swaggerUri: Type.String(), provisioningState: Type.String() },
);
const Deployment = armResource(
  'A batch deployment: model, code, environment, compute, resources and the batch settings.',
  { provisioningState: Type.String() },
);
const EndpointParams = wsParams({ endpoint: Type.String() });
const DeploymentParams = wsParams({ endpoint: Type.String(), deployment: Type.String() });

function endpointRoutesOnly(s: ApiServices): RouteSpec[] {
  const tags = ['batchEndpoints'];
  const ep = `${WS}/batchEndpoints/:endpoint`;
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/batchEndpoints`,
      summary: 'List batch endpoints',
      tags,
      access: { action: ACTIONS.endpointRead, scope: 'workspace' },
      params: WsParams,
      responses: { 200: armList(Endpoint) },
      handler: async (req) =>
        listView((await s.endpoints.list()).map((e) => endpointView(s.workspace, e, baseUrl(req)))),
    }),
    defineRoute({
      method: 'GET',
      url: ep,
      summary: 'Show a batch endpoint',
      tags,
      access: { action: ACTIONS.endpointRead, scope: 'endpoint' },
      params: EndpointParams,
      responses: { 200: Endpoint },
      handler: async (req) =>
        endpointView(s.workspace, await s.endpoints.get(req.params.endpoint), baseUrl(req)),
    }),
    defineRoute({
      method: 'PUT',
      url: ep,
      summary: 'Create or update a batch endpoint',
      tags,
      access: { action: ACTIONS.endpointWrite, scope: 'endpoint' },
      params: EndpointParams,
      body: ArmBody,
      responses: { 200: Endpoint, 201: Endpoint, 409: ArmError },
      handler: async (req, reply) => {
        const { endpoint, created } = await s.endpoints.put(req.params.endpoint, req.body);
        return reply.status(created ? 201 : 200).send(endpointView(s.workspace, endpoint, baseUrl(req)));
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: ep,
      summary: 'Change a batch endpoint (e.g. its default deployment)',
      tags,
      access: { action: ACTIONS.endpointWrite, scope: 'endpoint' },
      params: EndpointParams,
      body: ArmBody,
      responses: { 200: Endpoint, 409: ArmError },
      handler: async (req) =>
        endpointView(
          s.workspace,
          await s.endpoints.patch(req.params.endpoint, req.body as Json),
          baseUrl(req),
        ),
    }),
    defineRoute({
      method: 'DELETE',
      url: ep,
      summary: 'Delete a batch endpoint and its deployments',
      tags,
      access: { action: ACTIONS.endpointDelete, scope: 'endpoint' },
      params: EndpointParams,
      responses: { 204: NoContent, 409: ArmError },
      handler: async (req, reply) => {
        await s.endpoints.remove(req.params.endpoint);
        return reply.status(204).send();
      },
    }),
  ];
}

function deploymentRoutes(s: ApiServices): RouteSpec[] {
  const tags = ['batchDeployments'];
  const dp = `${WS}/batchEndpoints/:endpoint/deployments/:deployment`;
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/batchEndpoints/:endpoint/deployments`,
      summary: 'List the deployments of a batch endpoint',
      tags,
      access: { action: ACTIONS.deploymentRead, scope: 'endpoint' },
      params: EndpointParams,
      responses: { 200: armList(Deployment) },
      handler: async (req) =>
        listView((await s.deployments.list(req.params.endpoint)).map((d) => deploymentView(s.workspace, d))),
    }),
    defineRoute({
      method: 'GET',
      url: dp,
      summary: 'Show a batch deployment',
      tags,
      access: { action: ACTIONS.deploymentRead, scope: 'endpoint' },
      params: DeploymentParams,
      responses: { 200: Deployment },
      handler: async (req) =>
        deploymentView(s.workspace, await s.deployments.get(req.params.endpoint, req.params.deployment)),
    }),
    defineRoute({
      method: 'PUT',
      url: dp,
      summary: 'Create or update a batch deployment',
      tags,
      access: { action: ACTIONS.deploymentWrite, scope: 'endpoint' },
      params: DeploymentParams,
      body: ArmBody,
      responses: { 200: Deployment, 201: Deployment, 409: ArmError },
      handler: async (req, reply) => {
        const { deployment, created } = await s.deployments.put(
          req.params.endpoint,
          req.params.deployment,
          req.body,
        );
        return reply.status(created ? 201 : 200).send(deploymentView(s.workspace, deployment));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: dp,
      summary: 'Delete a batch deployment (not the default one)',
      tags,
      access: { action: ACTIONS.deploymentDelete, scope: 'endpoint' },
      params: DeploymentParams,
      responses: { 204: NoContent, 409: ArmError },
      handler: async (req, reply) => {
        await s.deployments.remove(req.params.endpoint, req.params.deployment);
        return reply.status(204).send();
      },
    }),
  ];
}

export function endpointRoutes(s: ApiServices): RouteSpec[] {
  return [...endpointRoutesOnly(s), ...deploymentRoutes(s)];
}
