/**
 * Batch jobs over both of Azure's surfaces: the data plane (`POST {scoringUri}` to invoke, `GET
 * {scoringUri}/{job}` and `GET {scoringUri}` to poll and list; the `azureml-model-deployment` header
 * picks a deployment) and the management API (workspace jobs, cancel, per-endpoint and per-deployment
 * lists). Job reads are narrowed to the caller's own jobs when its only right is the invoker's. The log
 * tree and the outputs are in job-files.ts.
 */
import type { FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { JobRecord } from '../../core/jobs.ts';
import { baseUrl, WS, type ApiServices } from '../context.ts';
import { JobSchema, jobView } from '../job-view.ts';
import { visibleJobs } from '../access-control.ts';
import { checkJobDataAccess } from '../job-data-access.ts';
import { defineRoute, type ProtectedAccess, type RouteSpec } from '../route-table.ts';
import { armList, WsParams, wsParams } from '../schemas.ts';
import { JobListQuery, nextLinkFor, parseJobListQuery, type RawJobListQuery } from '../job-list-query.ts';

const tags = ['jobs'];
const Endpoint = Type.Object({ endpoint: Type.String() });
const EndpointJob = Type.Object({ endpoint: Type.String(), job: Type.String() });

const InvokeBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'Azure batch job request: {"properties": {"InputData": {...}, "OutputData": {...}}} (names in any case).',
  },
);

const invokeAccess: ProtectedAccess = {
  action: ACTIONS.endpointJobWrite,
  withDeploymentHeader: ACTIONS.deploymentJobWrite,
  scope: 'endpoint',
};
const readAt = (scope: ProtectedAccess['scope']): ProtectedAccess => ({
  action: ACTIONS.jobRead,
  scope,
  ownJobs: true,
});

interface EndpointParam {
  endpoint: string;
}

/**
 * One page of a jobs list: the query's filters (the path's endpoint and deployment win over the query's),
 * narrowed to the caller's own jobs when that is all it may read, and a nextLink when there is more.
 */
async function listPage(
  s: ApiServices,
  req: FastifyRequest,
  fixed: { endpoint?: string; deployment?: string },
): Promise<{ jobs: JobRecord[]; nextLink: string | null }> {
  const { filter, limit, after } = parseJobListQuery(req.query as RawJobListQuery);
  const principal = req.principal;
  const owner =
    req.access?.ownJobsOnly && principal
      ? { owner: { objectId: principal.objectId, name: principal.actor } }
      : {};
  const page = await s.jobs.page({
    ...filter,
    ...fixed,
    ...owner,
    limit,
    ...(after === undefined ? {} : { after }),
  });
  return { jobs: page.jobs, nextLink: nextLinkFor(baseUrl(req), req.url, page.next) };
}

export function jobRoutes(s: ApiServices): RouteSpec[] {
  const view = async (req: FastifyRequest, job: JobRecord, underDeployment = false) =>
    jobView(s.workspace, job, await s.jobs.counts(job.name), baseUrl(req), underDeployment);
  // An invoker whose job reads are own-jobs-only sees only its own jobs in every list.
  const views = async (
    req: FastifyRequest,
    page: { jobs: JobRecord[]; nextLink: string | null },
    underDeployment = false,
  ) => ({
    value: await Promise.all(visibleJobs(req, page.jobs).map((j) => view(req, j, underDeployment))),
    nextLink: page.nextLink,
  });

  // The data plane and the ARM path take the same handler; their params differ in the workspace part only.
  const invoke = (url: string, params: TSchema) =>
    defineRoute({
      method: 'POST',
      url,
      summary: 'Invoke the endpoint: start a batch job (azureml-model-deployment picks a deployment)',
      tags,
      access: invokeAccess,
      params,
      body: InvokeBody,
      responses: { 200: JobSchema },
      handler: async (req) => {
        await checkJobDataAccess(s, req);
        const header = req.headers['azureml-model-deployment'];
        const who = req.principal;
        const job = await s.jobs.invoke(
          (req.params as EndpointParam).endpoint,
          req.body,
          Array.isArray(header) ? header[0] : header,
          who ? { name: who.actor, type: who.type, objectId: who.objectId } : undefined,
        );
        return view(req, job);
      },
    });
  const show = (url: string, params: TSchema) =>
    defineRoute({
      method: 'GET',
      url,
      summary: "Show a job of the endpoint (the scoring URI's poll)",
      tags,
      access: readAt('endpoint'),
      params,
      responses: { 200: JobSchema },
      handler: async (req) => {
        const { endpoint, job } = req.params as EndpointParam & { job: string };
        return view(req, await s.jobs.getForEndpoint(endpoint, job));
      },
    });
  const list = (url: string, params: TSchema) =>
    defineRoute({
      method: 'GET',
      url,
      summary: 'List the jobs of the endpoint',
      tags,
      access: readAt('endpoint'),
      params,
      query: JobListQuery,
      responses: { 200: armList(JobSchema) },
      handler: async (req) =>
        views(req, await listPage(s, req, { endpoint: (req.params as EndpointParam).endpoint })),
    });
  const ep = `${WS}/batchEndpoints/:endpoint`;
  return [
    invoke('/endpoints/:endpoint/jobs', Endpoint),
    invoke(`${ep}/jobs`, wsParams({ endpoint: Type.String() })),
    show('/endpoints/:endpoint/jobs/:job', EndpointJob),
    show(`${ep}/jobs/:job`, wsParams({ endpoint: Type.String(), job: Type.String() })),
    list('/endpoints/:endpoint/jobs', Endpoint),
    list(`${ep}/jobs`, wsParams({ endpoint: Type.String() })),
    ...deploymentJobRoutes(s, views, view),
    ...workspaceJobRoutes(s, views, view),
  ];
}

type View = (req: FastifyRequest, job: JobRecord, underDeployment?: boolean) => Promise<unknown>;
type Views = (
  req: FastifyRequest,
  page: { jobs: JobRecord[]; nextLink: string | null },
  underDeployment?: boolean,
) => Promise<unknown>;

function deploymentJobRoutes(s: ApiServices, views: Views, view: View): RouteSpec[] {
  const dp = `${WS}/batchEndpoints/:endpoint/deployments/:deployment`;
  return [
    defineRoute({
      method: 'GET',
      url: `${dp}/jobs`,
      summary: 'List the jobs of a deployment',
      tags,
      access: readAt('endpoint'),
      params: wsParams({ endpoint: Type.String(), deployment: Type.String() }),
      query: JobListQuery,
      responses: { 200: armList(JobSchema) },
      handler: async (req) => {
        await s.deployments.get(req.params.endpoint, req.params.deployment);
        const { endpoint, deployment } = req.params;
        return views(req, await listPage(s, req, { endpoint, deployment }), true);
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${dp}/jobs/:job`,
      summary: 'Show a job of a deployment',
      tags,
      access: readAt('endpoint'),
      params: wsParams({ endpoint: Type.String(), deployment: Type.String(), job: Type.String() }),
      responses: { 200: JobSchema },
      handler: async (req) => {
        const job = await s.jobs.getForEndpoint(req.params.endpoint, req.params.job);
        if (job.deploymentName.toLowerCase() !== req.params.deployment.toLowerCase()) {
          throw new NotFoundError(
            `Job '${req.params.job}' was not found in deployment '${req.params.deployment}'.`,
          );
        }
        return view(req, job, true);
      },
    }),
  ];
}

function workspaceJobRoutes(s: ApiServices, views: Views, view: View): RouteSpec[] {
  const JobParams = wsParams({ job: Type.String() });
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs`,
      summary: 'List the jobs of the workspace',
      tags,
      access: readAt('workspace'),
      params: WsParams,
      query: JobListQuery,
      responses: { 200: armList(JobSchema) },
      handler: async (req) => views(req, await listPage(s, req, {})),
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job`,
      summary: 'Show a job',
      tags,
      access: readAt('job'),
      params: JobParams,
      responses: { 200: JobSchema },
      // The access check has read the job and its counts already: a status poll costs one read, not two.
      handler: async (req) => {
        const read = req.access?.job;
        if (read === undefined) return view(req, await s.jobs.get(req.params.job));
        return jobView(s.workspace, read.job, read.counts, baseUrl(req), false);
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${WS}/jobs/:job/cancel`,
      summary: 'Cancel a job',
      tags,
      access: { action: ACTIONS.jobCancel, scope: 'job' },
      params: JobParams,
      responses: { 202: JobSchema },
      handler: async (req, reply) => {
        const job = await s.jobs.cancel(req.params.job);
        return reply.status(202).send(await view(req, job));
      },
    }),
  ];
}
