/**
 * Reruns of an ended job (engine/rerun.ts): `POST {workspace}/jobs/{job}/rerun` beside cancel, and the
 * data plane's `POST {scoringUri}/{job}/rerun`, with `?failedOnly=true` to score only what failed and
 * take the rest over from the parent. Starting a rerun is starting a job on the parent's endpoint, so it
 * needs what invoking needs there (the invoker's jobs/write, and the data roles on the input's and the
 * output's datastores); an invoker may rerun only the jobs it started (their outputs are all it may read).
 * The answer is the new job, as an invocation's.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { ValidationError } from '../../core/errors.ts';
import type { JobRecord } from '../../core/jobs.ts';
import { rerunBody } from '../../engine/rerun.ts';
import { baseUrl, WS, type ApiServices } from '../context.ts';
import { checkJobDataAccess } from '../job-data-access.ts';
import { JobSchema, jobView } from '../job-view.ts';
import { defineRoute, type ProtectedAccess, type RouteSpec } from '../route-table.ts';
import { wsParams } from '../schemas.ts';

const tags = ['jobs'];

const RerunQuery = Type.Object({
  failedOnly: Type.Optional(
    Type.String({
      description:
        "'true': score only the mini-batches that failed (or were canceled) and reuse the parent's other results.",
    }),
  ),
});

const rerunAccess: ProtectedAccess = { action: ACTIONS.endpointJobWrite, scope: 'job', ownJobs: true };

function failedOnlyOf(query: unknown): boolean {
  const raw = (query as { failedOnly?: string } | undefined)?.failedOnly?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ValidationError(`'failedOnly' must be true or false; got '${raw}'.`, 'failedOnly');
}

async function startRerun(s: ApiServices, req: FastifyRequest, parent: JobRecord) {
  await checkJobDataAccess(s, req, rerunBody(parent));
  const who = req.principal;
  const job = await s.rerun.rerun(
    parent.name,
    { failedOnly: failedOnlyOf(req.query) },
    who ? { name: who.actor, type: who.type, objectId: who.objectId } : undefined,
  );
  return jobView(s.workspace, job, await s.jobs.counts(job.name), baseUrl(req));
}

export function jobRerunRoutes(s: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: `${WS}/jobs/:job/rerun`,
      summary: 'Rerun an ended job as a new job (failedOnly=true: only what failed)',
      tags,
      access: rerunAccess,
      params: wsParams({ job: Type.String() }),
      query: RerunQuery,
      responses: { 200: JobSchema },
      handler: async (req) => startRerun(s, req, await s.jobs.get(req.params.job)),
    }),
    defineRoute({
      method: 'POST',
      url: '/endpoints/:endpoint/jobs/:job/rerun',
      summary: "Rerun an ended job of the endpoint as a new job (the scoring URI's rerun)",
      tags,
      access: rerunAccess,
      params: Type.Object({ endpoint: Type.String(), job: Type.String() }),
      query: RerunQuery,
      responses: { 200: JobSchema },
      handler: async (req) => {
        const { endpoint, job } = req.params;
        return startRerun(s, req, await s.jobs.getForEndpoint(endpoint, job));
      },
    }),
  ];
}
