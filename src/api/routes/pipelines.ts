/**
 * Pipelines over Data Factory's REST paths (2018-06-01 shapes), with the workspace as the factory:
 * `PUT/GET/DELETE .../factories/{f}/pipelines/{name}`, `POST .../pipelines/{name}/createRun` (the body is
 * the parameters object; `?textParameters=true` converts text values to the declared types, as the CLI's
 * `--param k=v` needs), `GET .../pipelineruns/{runId}`, `POST .../pipelineruns/{runId}/queryActivityruns`,
 * `POST .../pipelineruns/{runId}/cancel` and `POST .../queryPipelineRuns`. Every route is checked at the
 * workspace's scope with Data Factory's own actions.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { ValidationError } from '../../core/errors.ts';
import type { PipelineService, StoredPipeline } from '../../pipelines/service/pipeline-service.ts';
import type { WorkspaceRef } from '../../core/workspace.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { factoryParams, NoContent, open, query, valueList } from '../schemas.ts';

const FACTORY =
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.DataFactory/factories/:factoryName';

export interface PipelineRouteServices {
  workspace: WorkspaceRef;
  pipelines: PipelineService;
}

function factoryId(ws: WorkspaceRef): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.DataFactory/factories/${ws.workspace}`;
}

function pipelineView(ws: WorkspaceRef, p: StoredPipeline) {
  return {
    id: `${factoryId(ws)}/pipelines/${p.name}`,
    name: p.name,
    type: 'Microsoft.DataFactory/factories/pipelines',
    etag: p.etag,
    properties: p.properties,
  };
}

/** Data Factory's RunQueryFilter list: PipelineName and Status with Equals/In are understood. */
function runFilter(body: unknown): { pipelineName?: string; status?: string } {
  const filters = (body as { filters?: unknown } | null)?.filters;
  const out: { pipelineName?: string; status?: string } = {};
  if (!Array.isArray(filters)) return out;
  // An entry may be anything JSON holds (`[null]` was a 500): only an object's fields are read.
  for (const f of filters as ({ operand?: unknown; operator?: unknown; values?: unknown } | null)[]) {
    const value = Array.isArray(f?.values) && typeof f.values[0] === 'string' ? f.values[0] : undefined;
    const operand = typeof f?.operand === 'string' ? f.operand.toLowerCase() : '';
    if (value === undefined || (operand !== 'pipelinename' && operand !== 'status')) {
      throw new ValidationError(
        'queryPipelineRuns understands filters on PipelineName and Status with one value each.',
        'filters',
      );
    }
    if (operand === 'pipelinename') out.pipelineName = value;
    else out.status = value;
  }
  return out;
}

const tags = ['pipelines'];
/** Pipeline definitions may be large (many activities, inline expressions): 4 MiB rather than 1. */
const DEFINITION_LIMIT = 4 * 1024 * 1024;

const Pipeline = open("A pipeline in Data Factory's shape.", {
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  properties: open('The pipeline definition: activities, parameters, variables...'),
});
const Run = open("A pipeline run in Data Factory's shape (runId, status, parameters, message...).");
const RunList = Type.Object({ value: Type.Array(open('A run.')), continuationToken: Type.Null() });
const PipelineParams = factoryParams({ name: Type.String() });
const RunParams = factoryParams({ runId: Type.String() });
const at = (action: string) => ({ action, scope: 'workspace' }) as const;

function definitionRoutes(s: PipelineRouteServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${FACTORY}/pipelines`,
      summary: 'List pipelines',
      tags,
      access: at(ACTIONS.pipelineRead),
      params: factoryParams({}),
      responses: { 200: valueList(Pipeline) },
      handler: async () => ({ value: (await s.pipelines.list()).map((p) => pipelineView(s.workspace, p)) }),
    }),
    defineRoute({
      method: 'PUT',
      url: `${FACTORY}/pipelines/:name`,
      summary: 'Create or update a pipeline',
      tags,
      access: at(ACTIONS.pipelineWrite),
      params: PipelineParams,
      body: Type.Unknown({ description: 'The pipeline: {"properties": {"activities": [...], ...}}.' }),
      bodyLimit: DEFINITION_LIMIT,
      responses: { 200: Pipeline },
      handler: async (req) =>
        pipelineView(
          s.workspace,
          await s.pipelines.put(req.params.name, req.body, req.principal?.actor ?? ''),
        ),
    }),
    defineRoute({
      method: 'GET',
      url: `${FACTORY}/pipelines/:name`,
      summary: 'Show a pipeline',
      tags,
      access: at(ACTIONS.pipelineRead),
      params: PipelineParams,
      responses: { 200: Pipeline },
      handler: async (req) => pipelineView(s.workspace, await s.pipelines.get(req.params.name)),
    }),
    defineRoute({
      method: 'DELETE',
      url: `${FACTORY}/pipelines/:name`,
      summary: 'Delete a pipeline',
      tags,
      access: at(ACTIONS.pipelineDelete),
      params: PipelineParams,
      responses: { 200: NoContent },
      handler: async (req, reply) => {
        await s.pipelines.delete(req.params.name);
        return reply.status(200).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${FACTORY}/pipelines/:name/createRun`,
      summary: 'Run a pipeline (the body is the parameters object)',
      tags,
      access: at(ACTIONS.pipelineCreateRun),
      params: PipelineParams,
      query: query({
        textParameters: Type.Optional(
          Type.String({ description: "'true': convert text values to the declared parameter types." }),
        ),
      }),
      body: Type.Unknown({ description: 'The parameters object: {"name": value, ...} (optional).' }),
      responses: { 200: open('The new run: {runId}.', { runId: Type.String() }) },
      handler: async (req) => {
        const body = req.body ?? {};
        if (typeof body !== 'object' || Array.isArray(body)) {
          throw new ValidationError(
            'The body of createRun is the parameters object: {"name": value, ...}.',
            'body',
          );
        }
        return s.pipelines.createRun(req.params.name, body as Record<string, unknown>, {
          parametersAreText: req.query.textParameters === 'true',
          invokedBy: req.principal?.actor ?? 'Manual',
        });
      },
    }),
  ];
}

function runRoutes(s: PipelineRouteServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${FACTORY}/pipelineruns/:runId`,
      summary: 'Show a pipeline run',
      tags,
      access: at(ACTIONS.pipelineRunRead),
      params: RunParams,
      responses: { 200: Run },
      handler: (req) => s.pipelines.getRun(req.params.runId),
    }),
    defineRoute({
      method: 'POST',
      url: `${FACTORY}/pipelineruns/:runId/queryActivityruns`,
      summary: 'List the activity runs of a pipeline run',
      tags,
      access: at(ACTIONS.pipelineRunQueryActivities),
      params: RunParams,
      body: Type.Unknown({ description: "Data Factory's RunFilterParameters (accepted, not applied)." }),
      responses: { 200: RunList },
      handler: async (req) => ({
        value: await s.pipelines.activityRuns(req.params.runId),
        continuationToken: null,
      }),
    }),
    defineRoute({
      method: 'POST',
      url: `${FACTORY}/pipelineruns/:runId/cancel`,
      summary: 'Cancel a pipeline run',
      tags,
      access: at(ACTIONS.pipelineRunCancel),
      params: RunParams,
      responses: { 200: NoContent },
      handler: async (req, reply) => {
        await s.pipelines.cancel(req.params.runId);
        return reply.status(200).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${FACTORY}/queryPipelineRuns`,
      summary: 'List pipeline runs (filters on PipelineName and Status)',
      tags,
      access: at(ACTIONS.pipelineRunQuery),
      params: factoryParams({}),
      body: Type.Unknown({
        description: "Data Factory's RunFilterParameters: {filters: [{operand, operator, values}]}.",
      }),
      responses: { 200: RunList },
      handler: async (req) => ({
        value: await s.pipelines.listRuns(runFilter(req.body)),
        continuationToken: null,
      }),
    }),
  ];
}

export function pipelineRoutes(s: PipelineRouteServices): RouteSpec[] {
  return [...definitionRoutes(s), ...runRoutes(s)];
}
