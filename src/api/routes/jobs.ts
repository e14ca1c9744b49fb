/**
 * Batch jobs over both of Azure's surfaces: the data plane (`POST {scoringUri}` to invoke, `GET
 * {scoringUri}/{job}` and `GET {scoringUri}` to poll and list; the `azureml-model-deployment` header
 * picks a deployment) and the management API (workspace jobs, cancel, per-endpoint and per-deployment
 * lists), plus the job's log tree.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../core/errors.ts';
import type { JobRecord } from '../../core/jobs.ts';
import { baseUrl, WS, type ApiServices } from '../context.ts';
import { jobView } from '../job-view.ts';
import { visibleJobs } from '../access-control.ts';
import { listView } from '../views.ts';

interface EndpointParams {
  endpoint: string;
}
interface EndpointJobParams extends EndpointParams {
  job: string;
}
interface JobParams {
  job: string;
}
interface ListQuery {
  deployment?: string;
  $top?: string;
}

const invokeBody = {
  type: 'object',
  description:
    'Azure batch job request: {"properties": {"InputData": {...}, "OutputData": {...}}} (names in any case).',
} as const;

export function registerJobRoutes(app: FastifyInstance, s: ApiServices): void {
  const tags = ['jobs'];
  const view = async (req: FastifyRequest, job: JobRecord, underDeployment = false) =>
    jobView(s.workspace, job, await s.jobs.counts(job.name), baseUrl(req), underDeployment);
  // An invoker whose job reads are own-jobs-only sees only its own jobs in every list.
  const views = async (req: FastifyRequest, jobs: JobRecord[], underDeployment = false) =>
    listView(await Promise.all(visibleJobs(req, jobs).map((j) => view(req, j, underDeployment))));
  const limit = (q: ListQuery) => (q.$top ? Number(q.$top) || undefined : undefined);

  const invoke = async (req: FastifyRequest<{ Params: EndpointParams; Body: unknown }>) => {
    const header = req.headers['azureml-model-deployment'];
    const who = req.principal;
    const job = await s.jobs.invoke(
      req.params.endpoint,
      req.body,
      Array.isArray(header) ? header[0] : header,
      who ? { name: who.actor, type: who.type } : undefined,
    );
    return view(req, job);
  };
  app.post<{ Params: EndpointParams; Body: unknown }>(
    '/endpoints/:endpoint/jobs',
    { schema: { tags, body: invokeBody } },
    invoke,
  );
  app.post<{ Params: EndpointParams; Body: unknown }>(
    `${WS}/batchEndpoints/:endpoint/jobs`,
    { schema: { tags, body: invokeBody } },
    invoke,
  );

  app.get<{ Params: EndpointJobParams }>(
    '/endpoints/:endpoint/jobs/:job',
    { schema: { tags } },
    async (req) => view(req, await s.jobs.getForEndpoint(req.params.endpoint, req.params.job)),
  );
  app.get<{ Params: EndpointJobParams }>(
    `${WS}/batchEndpoints/:endpoint/jobs/:job`,
    { schema: { tags } },
    async (req) => view(req, await s.jobs.getForEndpoint(req.params.endpoint, req.params.job)),
  );
  const listForEndpoint = async (req: FastifyRequest<{ Params: EndpointParams; Querystring: ListQuery }>) =>
    views(
      req,
      await s.jobs.list({
        endpoint: req.params.endpoint,
        ...(req.query.deployment ? { deployment: req.query.deployment } : {}),
        limit: limit(req.query),
      }),
    );
  app.get<{ Params: EndpointParams; Querystring: ListQuery }>(
    '/endpoints/:endpoint/jobs',
    { schema: { tags } },
    listForEndpoint,
  );
  app.get<{ Params: EndpointParams; Querystring: ListQuery }>(
    `${WS}/batchEndpoints/:endpoint/jobs`,
    { schema: { tags } },
    listForEndpoint,
  );
  app.get<{ Params: EndpointParams & { deployment: string }; Querystring: ListQuery }>(
    `${WS}/batchEndpoints/:endpoint/deployments/:deployment/jobs`,
    { schema: { tags } },
    async (req) => {
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
  );

  app.get<{ Params: EndpointJobParams & { deployment: string } }>(
    `${WS}/batchEndpoints/:endpoint/deployments/:deployment/jobs/:job`,
    { schema: { tags } },
    async (req) => {
      const job = await s.jobs.getForEndpoint(req.params.endpoint, req.params.job);
      if (job.deploymentName.toLowerCase() !== req.params.deployment.toLowerCase()) {
        throw new NotFoundError(
          `Job '${req.params.job}' was not found in deployment '${req.params.deployment}'.`,
        );
      }
      return view(req, job, true);
    },
  );
  app.get<{ Querystring: ListQuery }>(`${WS}/jobs`, { schema: { tags } }, async (req) =>
    views(req, await s.jobs.list({ limit: limit(req.query) })),
  );
  app.get<{ Params: JobParams }>(`${WS}/jobs/:job`, { schema: { tags } }, async (req) =>
    view(req, await s.jobs.get(req.params.job)),
  );
  app.post<{ Params: JobParams }>(`${WS}/jobs/:job/cancel`, { schema: { tags } }, async (req, reply) => {
    const job = await s.jobs.cancel(req.params.job);
    return reply.status(202).send(await view(req, job));
  });
  app.get<{ Params: JobParams }>(`${WS}/jobs/:job/logs`, { schema: { tags } }, async (req) => {
    await s.jobs.get(req.params.job);
    return { value: await s.jobLogs.list(req.params.job) };
  });
  app.get<{ Params: JobParams & { '*': string } }>(
    `${WS}/jobs/:job/logs/*`,
    { schema: { tags } },
    async (req, reply) => {
      await s.jobs.get(req.params.job);
      return reply
        .type('text/plain; charset=utf-8')
        .send(await s.jobLogs.read(req.params.job, req.params['*']));
    },
  );
}
