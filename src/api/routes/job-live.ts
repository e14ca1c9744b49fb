/**
 * What the studio's job page follows while a job runs, beside the job resource itself: a Server-Sent
 * Events stream of the job's progress (status, mini-batches and items done/total/failed, rows,
 * worker-seconds, the first error), a paged table of its mini-batches, and its progress over time for
 * the throughput chart. Each is a job read at the job's own scope (`{ws}/jobs/{job}/...`, as the log tree
 * and the outputs are), own jobs only for invokers, so a role held on one endpoint reaches that
 * endpoint's jobs and no other's. The stream's version changes whenever anything it shows does, its last
 * event is the ended job's, and a reconnect with `Last-Event-ID` gets an event only if the job changed
 * meanwhile.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { isTerminal, type JobCounts, type JobRecord, type MiniBatchRecord } from '../../core/jobs.ts';
import { progressHistory } from '../../engine/progress-history.ts';
import { baseUrl, WS, type ApiServices } from '../context.ts';
import { sendSnapshots, type Snapshot } from '../event-stream.ts';
import { defineRoute, type ProtectedAccess, type RouteSpec } from '../route-table.ts';
import { integerQuery, nullable, query, valueList, wholeQuery, wsParams } from '../schemas.ts';

const tags = ['jobs'];
const readJob: ProtectedAccess = { action: ACTIONS.jobRead, scope: 'job', ownJobs: true };
const JobParams = wsParams({ job: Type.String() });

/** Mini-batches on one page of the table. */
const MINI_BATCH_PAGE_SIZE = 50;
/** The last page anyone may ask for (a job of five million mini-batches). */
const MAX_PAGE = 100_000;
const PageQuery = query({
  page: integerQuery(1, MAX_PAGE, `The page, from 1 (${MINI_BATCH_PAGE_SIZE} mini-batches a page).`),
});

/** What the stream sends: the job's status and result, its counts, and its first real error. */
type JobProgress = {
  name: string;
  status: string;
  result: string | null;
  startedAt: string | null;
  endedAt: string | null;
  error: JobRecord['error'] | null;
} & JobCounts;

const MiniBatchRow = Type.Object({
  index: Type.Number(),
  id: Type.String(),
  state: Type.String(),
  attempts: Type.Number(),
  items: Type.Number(),
  succeeded: Type.Number(),
  failed: Type.Number(),
  rows: Type.Number(),
  worker: nullable(Type.String()),
  durationMs: nullable(Type.Number()),
  errorCode: nullable(Type.String()),
  error: nullable(Type.String({ description: "The first line of the mini-batch's error." })),
});

const MiniBatchPageSchema = Type.Object({
  value: Type.Array(MiniBatchRow),
  page: Type.Number(),
  pageSize: Type.Number(),
  totalCount: Type.Number(),
  pageCount: Type.Number(),
  nextLink: nullable(Type.String()),
});

const ProgressPointSchema = Type.Object({
  time: Type.String(),
  miniBatchesDone: Type.Number(),
  miniBatchesTotal: Type.Number(),
  itemsSucceeded: Type.Number(),
  itemsFailed: Type.Number(),
  itemsTotal: Type.Number(),
  rows: nullable(Type.Number()),
});

function progressOf(job: JobRecord, counts: JobCounts): JobProgress {
  return {
    name: job.name,
    status: job.status,
    result: job.result ?? null,
    startedAt: job.startedAt ?? null,
    endedAt: job.endedAt ?? null,
    error: job.error ?? null,
    ...counts,
  };
}

/** The job's progress as one versioned state: the version is a digest of everything it shows. */
async function snapshotOf(s: ApiServices, name: string): Promise<Snapshot<JobProgress>> {
  const job = await s.jobs.get(name);
  const data = progressOf(job, await s.jobs.counts(job.name));
  const version = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
  return { version, data, final: isTerminal(job.status) };
}

function rowOf(b: MiniBatchRecord) {
  return {
    index: b.index,
    id: b.id,
    state: b.state,
    attempts: b.attempts,
    items: b.files.length,
    succeeded: b.succeeded,
    failed: b.failed,
    rows: b.rowsWritten,
    worker: b.worker ?? null,
    durationMs: b.elapsedMs ?? null,
    errorCode: b.error?.code ?? null,
    error: b.error ? (b.error.message.split('\n')[0] ?? '') : null,
  };
}

function nextLink(req: FastifyRequest, page: number, pageCount: number): string | null {
  if (page >= pageCount) return null;
  const url = new URL(req.url, baseUrl(req));
  url.searchParams.set('page', String(page + 1));
  return url.toString();
}

export function jobLiveRoutes(s: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job/events`,
      summary:
        "Follow a job's progress: Server-Sent Events, one `snapshot` event per change, ending when the job does",
      tags,
      access: readJob,
      params: JobParams,
      responses: {
        200: {
          description: 'text/event-stream of `snapshot` events (id = version; resume with Last-Event-ID).',
          content: { 'text/event-stream': { schema: Type.String() } },
        },
      },
      handler: async (req, reply) => {
        // A job that does not exist is a 404 before the stream opens, not an error event inside it.
        const job = await s.jobs.get(req.params.job);
        return sendSnapshots(req, reply, () => snapshotOf(s, job.name));
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job/miniBatches`,
      summary: "A page of the job's mini-batches: state, attempts, duration, worker, the error's first line",
      tags,
      access: readJob,
      params: JobParams,
      query: PageQuery,
      responses: { 200: MiniBatchPageSchema },
      handler: async (req) => {
        const page = wholeQuery(req.query.page, 'page', MAX_PAGE) ?? 1;
        const job = await s.jobs.get(req.params.job);
        const [counts, batches] = await Promise.all([
          s.jobs.counts(job.name),
          s.jobs.miniBatches(job.name, {
            offset: (page - 1) * MINI_BATCH_PAGE_SIZE,
            limit: MINI_BATCH_PAGE_SIZE,
          }),
        ]);
        const totalCount = counts.miniBatches.total;
        const pageCount = Math.max(1, Math.ceil(totalCount / MINI_BATCH_PAGE_SIZE));
        return {
          value: batches.map(rowOf),
          page,
          pageSize: MINI_BATCH_PAGE_SIZE,
          totalCount,
          pageCount,
          nextLink: nextLink(req, page, pageCount),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job/progressHistory`,
      summary: "The job's progress over time (items and rows), from its progress log, for a throughput chart",
      tags,
      access: readJob,
      params: JobParams,
      responses: { 200: valueList(ProgressPointSchema) },
      handler: async (req) => {
        const job = await s.jobs.get(req.params.job);
        return { value: await progressHistory(s.jobLogs, job.name) };
      },
    }),
  ];
}
