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
import { armList, integerQuery, query, wholeQuery, WsParams, wsParams } from '../schemas.ts';
import { listView } from '../views.ts';

const tags = ['jobs'];
const Endpoint = Type.Object({ endpoint: Type.String() });
const EndpointJob = Type.Object({ endpoint: Type.String(), job: Type.String() });
/** The most jobs one list returns (what the store returns anyway). */
const MAX_LIST = 10_000;
const ListQuery = query({
  deployment: Type.Optional(Type.String({ description: 'Only jobs of this deployment.' })),
  $top: integerQuery(1, MAX_LIST, 'At most this many jobs, newest first.'),
});

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

type ListQueryValue = { deployment?: string; $top?: number };
interface EndpointParam {
  endpoint: string;
}
// The schema has made `$top` a number in range, or refused the call with a 400 naming it.
const limit = (q: ListQueryValue) => wholeQuery(q.$top, '$top', MAX_LIST);

export function jobRoutes(s: ApiServices): RouteSpec[] {
  const view = async (req: FastifyRequest, job: JobRecord, underDeployment = false) =>
    jobView(s.workspace, job, await s.jobs.counts(job.name), baseUrl(req), underDeployment);
  // An invoker whose job reads are own-jobs-only sees only its own jobs in every list.
  const views = async (req: FastifyRequest, jobs: JobRecord[], underDeployment = false) =>
    listView(await Promise.all(visibleJobs(req, jobs).map((j) => view(req, j, underDeployment))));

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
      query: ListQuery,
      responses: { 200: armList(JobSchema) },
      handler: async (req) =>
        views(
          req,
          await s.jobs.list({
            endpoint: (req.params as EndpointParam).endpoint,
            ...(req.query.deployment ? { deployment: req.query.deployment } : {}),
            limit: limit(req.query),
          }),
        ),
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
type Views = (req: FastifyRequest, jobs: JobRecord[], underDeployment?: boolean) => Promise<unknown>;

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
      query: ListQuery,
      responses: { 200: armList(JobSchema) },
      handler: async (req) => {
        await s.deployments.get(req.params.endpoint, req.params.deployment);
        return views(
          req,
          await s.jobs.list({
            endpoint: req.params.endpoint,
            deployment: req.params.deployment,
            limit: limit(req.query),
          }),
          true,
        );
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
      query: ListQuery,
      responses: { 200: armList(JobSchema) },
      handler: async (req) => views(req, await s.jobs.list({ limit: limit(req.query) })),
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job`,
      summary: 'Show a job',
      tags,
      access: readAt('job'),
      params: JobParams,
      responses: { 200: JobSchema },
      handler: async (req) => view(req, await s.jobs.get(req.params.job)),
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
