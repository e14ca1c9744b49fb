/**
 * Pipelines over Data Factory's REST paths (2018-06-01 shapes), with the workspace as the factory:
 * `PUT/GET/DELETE .../factories/{f}/pipelines/{name}`, `POST .../pipelines/{name}/createRun` (the body is
 * the parameters object; `?textParameters=true` converts text values to the declared types, as the CLI's
 * `--param k=v` needs), `GET .../pipelineruns/{runId}`, `POST .../pipelineruns/{runId}/queryActivityruns`,
 * `POST .../pipelineruns/{runId}/cancel` and `POST .../queryPipelineRuns`.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../core/errors.ts';
import type { PipelineService, StoredPipeline } from '../../pipelines/service/pipeline-service.ts';
import type { WorkspaceRef } from '../../core/workspace.ts';

export const FACTORY =
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
  for (const f of filters as { operand?: unknown; operator?: unknown; values?: unknown }[]) {
    const value = Array.isArray(f.values) && typeof f.values[0] === 'string' ? f.values[0] : undefined;
    const operand = typeof f.operand === 'string' ? f.operand.toLowerCase() : '';
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

export function registerPipelineRoutes(app: FastifyInstance, s: PipelineRouteServices): void {
  const tags = ['pipelines'];
  type Named = { Params: { name: string } };
  type RunParams = { Params: { runId: string } };

  app.get(`${FACTORY}/pipelines`, { schema: { tags } }, async () => ({
    value: (await s.pipelines.list()).map((p) => pipelineView(s.workspace, p)),
  }));
  app.put<Named & { Body: unknown }>(`${FACTORY}/pipelines/:name`, { schema: { tags } }, async (req) =>
    pipelineView(s.workspace, await s.pipelines.put(req.params.name, req.body, req.principal?.actor ?? '')),
  );
  app.get<Named>(`${FACTORY}/pipelines/:name`, { schema: { tags } }, async (req) =>
    pipelineView(s.workspace, await s.pipelines.get(req.params.name)),
  );
  app.delete<Named>(`${FACTORY}/pipelines/:name`, { schema: { tags } }, async (req, reply) => {
    await s.pipelines.delete(req.params.name);
    return reply.status(200).send();
  });
  app.post<Named & { Body: unknown; Querystring: { textParameters?: string } }>(
    `${FACTORY}/pipelines/:name/createRun`,
    { schema: { tags } },
    async (req) => {
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
  );
  app.get<RunParams>(`${FACTORY}/pipelineruns/:runId`, { schema: { tags } }, (req) =>
    s.pipelines.getRun(req.params.runId),
  );
  app.post<RunParams>(
    `${FACTORY}/pipelineruns/:runId/queryActivityruns`,
    { schema: { tags } },
    async (req) => ({
      value: await s.pipelines.activityRuns(req.params.runId),
      continuationToken: null,
    }),
  );
  app.post<RunParams>(`${FACTORY}/pipelineruns/:runId/cancel`, { schema: { tags } }, async (req, reply) => {
    await s.pipelines.cancel(req.params.runId);
    return reply.status(200).send();
  });
  app.post<{ Body: unknown }>(`${FACTORY}/queryPipelineRuns`, { schema: { tags } }, async (req) => ({
    value: await s.pipelines.listRuns(runFilter(req.body)),
    continuationToken: null,
  }));
}
