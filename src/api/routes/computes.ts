/**
 * Computes on the management API as Azure's AmlCompute resources (`.../workspaces/{ws}/computes/{name}`:
 * PUT, GET, list, DELETE) and `listNodes`, which answers Azure's AmlComputeNodesInformation with what the
 * worker pool knows of each process besides (host, pid, mini-batches, last heartbeat); an idle node of an
 * embedded compute is listed by its warm processes, with no run. `currentNodeCount` counts nodes, not
 * processes. Also `/metrics`,
 * the Prometheus exposition, guarded by its own read action like any other route.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import type { Compute } from '../../core/computes.ts';
import { isoDuration } from '../../core/wire-values.ts';
import { ARM_TYPES, resourceIds, type WorkspaceRef } from '../../core/workspace.ts';
import { nodeCount, type ComputeNode } from '../../engine/compute-nodes.ts';
import { WS, type ApiServices } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { ArmBody, ArmError, armList, armResource, NoContent, query, WsParams, wsParams } from '../schemas.ts';
import { listView } from '../views.ts';

const ComputeSchema = armResource(
  'An AmlCompute cluster: computeType, provisioningState and properties (vmSize, scaleSettings, node counts).',
  { computeType: Type.String(), provisioningState: Type.String() },
);
const NameParams = wsParams({ name: Type.String() });
const NodesSchema = Type.Object(
  {
    computeType: Type.String(),
    nodes: Type.Array(
      Type.Object(
        {
          nodeId: Type.String(),
          nodeState: Type.String(),
          host: Type.String(),
          pid: Type.Union([Type.Integer(), Type.Null()]),
        },
        { additionalProperties: true },
      ),
    ),
    nextLink: Type.Null(),
  },
  { description: "Azure's AmlComputeNodesInformation, each node with its host, pid and mini-batches." },
);

/** Azure's node states for what the pool knows: init() running is `preparing`. */
const NODE_STATES: Record<ComputeNode['state'], string> = {
  starting: 'preparing',
  idle: 'idle',
  busy: 'running',
};

function computeView(ws: WorkspaceRef, c: Compute, currentNodeCount: number) {
  return {
    id: resourceIds.compute(ws, c.name),
    name: c.name,
    type: ARM_TYPES.compute,
    location: ws.location,
    tags: c.tags,
    properties: {
      computeType: 'AmlCompute',
      computeLocation: ws.location,
      description: c.description,
      provisioningState: c.provisioningState,
      createdOn: c.systemData.createdAt,
      modifiedOn: c.systemData.lastModifiedAt,
      isAttachedCompute: false,
      properties: {
        vmSize: c.vmSize,
        vmPriority: 'Dedicated',
        osType: 'Linux',
        scaleSettings: {
          minNodeCount: c.minNodeCount,
          maxNodeCount: c.maxNodeCount,
          nodeIdleTimeBeforeScaleDown: isoDuration(c.idleSecondsBeforeScaleDown),
        },
        allocationState: 'Steady',
        currentNodeCount,
        targetNodeCount: currentNodeCount,
      },
    },
    systemData: c.systemData,
  };
}

function nodeView(node: ComputeNode) {
  return {
    nodeId: node.name,
    privateIpAddress: null,
    publicIpAddress: null,
    port: null,
    nodeState: NODE_STATES[node.state],
    runId: node.job === '' ? null : node.job,
    host: node.host,
    pid: node.pid ?? null,
    currentMiniBatches: node.currentMiniBatches,
    lastHeartbeat: node.lastHeartbeat,
  };
}

export function computeRoutes(s: ApiServices): RouteSpec[] {
  const tags = ['computes'];
  const one = `${WS}/computes/:name`;
  const view = async (c: Compute) =>
    computeView(s.workspace, c, nodeCount(await s.computeNodes.list(c.name)));
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/computes`,
      summary: 'List computes',
      tags,
      access: { action: ACTIONS.computeRead, scope: 'workspace' },
      params: WsParams,
      responses: { 200: armList(ComputeSchema) },
      handler: async () => listView(await Promise.all((await s.computes.list()).map(view))),
    }),
    defineRoute({
      method: 'GET',
      url: one,
      summary: 'Show a compute',
      tags,
      access: { action: ACTIONS.computeRead, scope: 'workspace' },
      params: NameParams,
      responses: { 200: ComputeSchema },
      handler: async (req) => view(await s.computes.get(req.params.name)),
    }),
    defineRoute({
      method: 'PUT',
      url: one,
      summary: 'Create or update a compute (AmlCompute)',
      tags,
      access: { action: ACTIONS.computeWrite, scope: 'workspace' },
      params: NameParams,
      body: ArmBody,
      responses: { 200: ComputeSchema, 201: ComputeSchema, 409: ArmError },
      handler: async (req, reply) => {
        const { compute, created } = await s.computes.put(req.params.name, req.body);
        return reply.status(created ? 201 : 200).send(await view(compute));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: one,
      summary: 'Delete a compute no deployment uses',
      tags,
      access: { action: ACTIONS.computeDelete, scope: 'workspace' },
      params: NameParams,
      query: query({
        underlyingResourceAction: Type.Optional(
          Type.String({ description: "Azure's Delete or Detach; both delete the compute here." }),
        ),
      }),
      responses: { 204: NoContent, 409: ArmError },
      handler: async (req, reply) => {
        await s.computes.remove(req.params.name);
        return reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${one}/listNodes`,
      summary: "List a compute's nodes: the live worker processes serving its jobs",
      tags,
      access: { action: ACTIONS.computeListNodes, scope: 'workspace' },
      params: NameParams,
      responses: { 200: NodesSchema },
      handler: async (req) => {
        const compute = await s.computes.get(req.params.name);
        const nodes = await s.computeNodes.list(compute.name);
        return { computeType: 'AmlCompute', nodes: nodes.map(nodeView), nextLink: null };
      },
    }),
  ];
}

export function metricsRoutes(s: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/metrics',
      summary: 'Prometheus metrics: jobs, mini-batches, queue depth, workers and worker seconds',
      tags: ['system'],
      access: { action: ACTIONS.metricsRead, scope: 'workspace' },
      responses: {
        200: {
          description: 'The Prometheus text exposition format (version 0.0.4).',
          content: { 'text/plain': { schema: Type.String() } },
        },
      },
      handler: async (_req, reply) => {
        const { contentType, text } = await s.metrics.render();
        return reply.type(contentType).send(text);
      },
    }),
  ];
}
