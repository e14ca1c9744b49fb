/**
 * A pipeline run, live: `GET .../factories/{f}/pipelineruns/{runId}/events` streams Server-Sent Events
 * (`sendSnapshots`) of the run and its activity runs whenever either changes, ends with the snapshot in
 * which the run has ended, and resumes with `Last-Event-ID` (the version is a hash of what was sent, so a
 * reconnect after no change sends nothing until something changes). The studio's run page follows it
 * instead of polling two routes. The records are the stored ones, written redacted (SecureString values
 * and credentials are `***` before they are stored), so the stream carries no more than the REST reads.
 *
 * Reading the run needs `pipelineruns/read`; the activity runs need `queryactivityruns/action` as their
 * REST route does. A caller with the first and not the second (Reader: `*\/read` matches no action) gets
 * the run alone with `activityRunsHidden` saying which action is missing, rather than a refusal of the
 * whole page.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { isAllowed } from '../../auth/rbac/authorize.ts';
import type { RoleAssignmentService } from '../../auth/role-assignments.ts';
import { workspaceId, type WorkspaceRef } from '../../core/workspace.ts';
import type { PipelineService } from '../../pipelines/service/pipeline-service.ts';
import type { StoredActivityRun, StoredPipelineRun } from '../../store/contract.ts';
import { sendSnapshots, type Snapshot } from '../event-stream.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { factoryParams } from '../schemas.ts';

const FACTORY =
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.DataFactory/factories/:factoryName';

/** Statuses after which a run never changes again. */
const ENDED: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Cancelled']);

export interface PipelineLiveServices {
  workspace: WorkspaceRef;
  pipelines: PipelineService;
  assignments: RoleAssignmentService;
  /** 'none': every caller is the local actor with every right (serve --auth none). */
  mode: 'token' | 'none';
}

/** What one event carries. */
export interface PipelineRunSnapshot {
  run: StoredPipelineRun;
  /** Absent when the caller may not query activity runs; `activityRunsHidden` then says why. */
  activityRuns?: StoredActivityRun[];
  activityRunsHidden?: string;
}

async function mayQueryActivities(s: PipelineLiveServices, request: FastifyRequest): Promise<boolean> {
  if (s.mode === 'none') return true;
  const principal = request.principal;
  if (principal === undefined) return false;
  const scope = workspaceId(s.workspace).replace(/\/+$/, '');
  const assignments = await s.assignments.forPrincipal(principal.objectId);
  return isAllowed(assignments, principal.objectId, ACTIONS.pipelineRunQueryActivities, scope);
}

/** Reads the run (and its activity runs when allowed) as one versioned snapshot. */
function reader(
  s: PipelineLiveServices,
  runId: string,
  withActivities: boolean,
): () => Promise<Snapshot<PipelineRunSnapshot>> {
  const hidden =
    `Activity runs need ${ACTIONS.pipelineRunQueryActivities} (Owner or Contributor); ` +
    'this principal may read the run only.';
  return async () => {
    const run = await s.pipelines.getRun(runId);
    const data: PipelineRunSnapshot = withActivities
      ? { run, activityRuns: await s.pipelines.activityRuns(runId) }
      : { run, activityRunsHidden: hidden };
    const version = createHash('sha256').update(JSON.stringify(data)).digest('base64url').slice(0, 22);
    return { version, data, final: ENDED.has(run.status) };
  };
}

export function pipelineLiveRoutes(s: PipelineLiveServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${FACTORY}/pipelineruns/:runId/events`,
      summary: 'Follow a pipeline run and its activity runs (Server-Sent Events)',
      tags: ['pipelines'],
      access: { action: ACTIONS.pipelineRunRead, scope: 'workspace' },
      params: factoryParams({ runId: Type.String() }),
      responses: {
        200: {
          description:
            'text/event-stream of `snapshot` events: {run, activityRuns} or {run, activityRunsHidden}.',
          content: { 'text/event-stream': { schema: Type.String() } },
        },
      },
      handler: async (req, reply) => {
        // A run that does not exist is a 404 before the stream starts, not an error event inside it.
        await s.pipelines.getRun(req.params.runId);
        const read = reader(s, req.params.runId, await mayQueryActivities(s, req));
        return sendSnapshots(req, reply, read);
      },
    }),
  ];
}
