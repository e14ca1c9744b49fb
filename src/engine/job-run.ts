/**
 * One job in execution on this server, from its plan to its end:
 *   1. plan it once (job-plan.ts: inputs, outputs, local folders) and open its log tree;
 *   2. start its pools, one per instance, whose slots wait for worker permits in the job's turn (a job
 *      that has none yet is Queued);
 *   3. run the loop (job-loop.ts): lease, dispatch, record each attempt (attempts.ts);
 *   4. after every attempt: append finished parts to the output, log progress, and end the job when
 *      the error threshold is passed or no mini-batch is open;
 *   5. end it (finalizer.ts) — or cancel it, or detach from it when the server stops.
 * The metadata store is updated at every step, so a restart picks the job up where it was. A job that
 * cannot be planned (its input, model or a datastore deleted, or a folder it names swapped for a link out
 * of its datastore, after the job was invoked) ends at once with the reason, whichever way it was going
 * to end: Failed, or Canceled when a cancel was asked for. It never waits for a plan forever.
 */
import type { Logger } from 'pino';
import {
  IN_PROGRESS_STATUSES,
  NON_TERMINAL_STATUSES,
  type JobRecord,
  type MiniBatchRecord,
} from '../core/jobs.ts';
import type { InputCache } from '../storage/cache/input-cache.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { thresholdBreach } from './attempts.ts';
import { endUnplanned, finalizeJob, type Ending } from './finalizer.ts';
import { LOCAL_COMPUTE } from '../core/computes.ts';
import type { ComputeCapacity, JobNodes } from './compute-capacity.ts';
import { attemptMetrics, type EngineMetrics } from './engine-metrics.ts';
import { createJobLogs } from './job-logs.ts';
import { createJobLoop, type JobLoop, type LoopPool } from './job-loop.ts';
import { planJob, type JobPlan } from './job-plan.ts';
import { createOutputAssembler, type OutputAssembler } from './output-assembler.ts';
import { artifactParts, localParts, rescoreMissingParts, type JobParts } from './job-parts.ts';
import { chargeLostAttempts } from './remote/lost-workers.ts';
import { adoptParentParts } from './rerun-parts.ts';
import {
  forgetRemoteJob,
  publishRemoteJob,
  scoredRemotely,
  type RemoteJobDeps,
} from './remote/remote-jobs.ts';
import { watchRemoteJob } from './remote/remote-watch.ts';
import { poolShape } from './pool/capacity.ts';
import type { SpareWorkers } from './pool/spare-workers.ts';
import type { WorkerLauncher } from './pool/worker-launcher.ts';
import { createWorkerPool, type WorkerProcessInfo } from './pool/worker-pool.ts';
import type { TaskQueue } from './queue/contract.ts';

export interface JobRunDeps {
  jobs: JobRepository;
  queue: TaskQueue;
  datastores: DatastoreService;
  dataDir: string;
  /** The server's cache of files read from remote datastores. */
  cache: InputCache;
  owner: string;
  leaseMs: number;
  launcher: WorkerLauncher;
  spares?: SpareWorkers;
  now: () => Date;
  logger: Logger;
  onEnded: (job: string) => void;
  metrics?: EngineMetrics;
  /** The most instances (nodes) a job on this compute may use: its max_instances; undefined for no cap. */
  maxInstances?: (compute: string) => Promise<number | undefined>;
  /**
   * Scaled out: jobs on computes other than `local` are scored by `nightshift worker` processes, which
   * get models and code through this artifact store (a datastore name; undefined when none is set).
   */
  remote?: RemoteJobDeps;
  /** The nodes of embedded computes, shared by their jobs; without it every job forks its own. */
  computeNodes?: ComputeCapacity;
}

/** A live worker process of a job, for the node list of the job's compute. */
export interface JobProcess extends WorkerProcessInfo {
  job: string;
  compute: string;
}

export interface JobRun {
  readonly name: string;
  pump(): void;
  cancel(): Promise<void>;
  finalize(): Promise<void>;
  /** Server shutdown: kill workers, leave the job's state for the next start to resume. */
  detach(): Promise<void>;
  inflight(): readonly string[];
  /** The job's live worker processes (none before its pools start, none when workers elsewhere score it). */
  processes(): JobProcess[];
  /** Whether `nightshift worker` processes on other machines score the job (the driver only watches). */
  remote(): Promise<boolean>;
  /** Charges the running attempts of these mini-batches, whose workers stopped heartbeating, as crashes. */
  chargeLost(batches: readonly MiniBatchRecord[]): Promise<void>;
}

/** What a job needs on this server, made once: its plan, logs and output file, and its open work. */
interface Context {
  job: JobRecord;
  plan: JobPlan;
  logs: ReturnType<typeof createJobLogs>;
  assembler: OutputAssembler;
  /** Mini-batches not yet ended when the job (re)started here: pools need no more slots than that. */
  open: number;
  compute: string;
  /** The job's instance_count within its compute's max_instances. */
  instances: number;
  parts: JobParts;
  /** Scored by workers on other machines: no pools here, progress is polled from the store. */
  remote: boolean;
}

/** One job's state on this server, shared by the steps below. */
interface Run {
  deps: JobRunDeps;
  name: string;
  rank: number;
  ended: boolean;
  context?: Promise<Context>;
  running?: { pools: LoopPool[]; loop: JobLoop; compute: string; nodes?: JobNodes | undefined };
}

async function prepare(deps: JobRunDeps, name: string): Promise<Context> {
  const job = await deps.jobs.get(name);
  if (!job) throw new Error(`job ${name} vanished`);
  const plan = await planJob(deps, job);
  const remote = deps.remote !== undefined && scoredRemotely(job, true);
  const parts =
    remote && deps.remote
      ? artifactParts(
          await publishRemoteJob({ ...deps.remote, datastores: deps.datastores }, job, plan),
          name,
        )
      : localParts(plan.partPath);
  // A rerun of what failed takes its parent's parts over first; what it cannot find is scored again.
  await adoptParentParts({ ...deps, artifactStore: deps.remote?.artifactStore }, job, parts);
  await rescoreMissingParts(deps, job, parts);
  const logs = createJobLogs(plan.logDir);
  await logs.init();
  const { miniBatches } = await deps.jobs.counts(name);
  const total = job.settings.outputAction === 'SummaryOnly' ? 0 : miniBatches.total;
  const { backend, target } = plan.output;
  const assembler = createOutputAssembler({ backend, target, parts, total });
  const compute = job.compute ?? LOCAL_COMPUTE;
  const cap = (await deps.maxInstances?.(compute)) ?? job.instanceCount;
  const instances = Math.max(1, Math.min(job.instanceCount, cap));
  const open = miniBatches.pending + miniBatches.running;
  return { job, plan, logs, assembler, open, compute, instances, parts, remote };
}

const prepared = (run: Run): Promise<Context> => (run.context ??= prepare(run.deps, run.name));

const failed = (run: Run, what: string) => (error: unknown) => {
  run.deps.logger.error({ err: error, job: run.name }, `${what} failed`);
};

/** The job's pool on one node, warming at once. */
function openPool(run: Run, ctx: Context, node: string, size: number, spares?: SpareWorkers): LoopPool {
  const { deps } = run;
  const settings = ctx.job.settings;
  const pool = createWorkerPool({
    size,
    settings: ctx.plan.runtime,
    timeoutMs: settings.retrySettings.timeoutSeconds * 1000,
    logDir: ctx.logs.dir,
    node,
    scrub: ctx.plan.scrub,
    launcher: deps.launcher,
    rank: run.rank,
    onWorkerStarted: () => run.running?.loop.pump(),
    ...(spares ? { spares } : {}),
  });
  void pool.warm().catch(() => undefined);
  return { pool, busy: 0, node };
}

/**
 * One pool per instance, shaped by `poolShape`: the job's settings, its open work, the server's cap. On
 * a compute (not `local`), each pool starts once the compute grants the job a node (compute-capacity.ts),
 * so `pools` grows as nodes come.
 */
function startPools(run: Run, ctx: Context): { pools: LoopPool[]; nodes?: JobNodes } {
  const { deps } = run;
  const shape = poolShape(
    { instances: ctx.instances, perInstance: ctx.job.settings.maxConcurrencyPerInstance, open: ctx.open },
    deps.launcher.capacity.max,
  );
  if (deps.computeNodes === undefined || ctx.compute === LOCAL_COMPUTE) {
    const pools = Array.from({ length: shape.instances }, (_, i) =>
      openPool(run, ctx, `node-${i}`, shape.size, deps.spares),
    );
    return { pools };
  }
  const pools: LoopPool[] = [];
  const nodes = deps.computeNodes.requestNodes({
    compute: ctx.compute,
    rank: run.rank,
    count: shape.instances,
    size: shape.size,
    open: (lease) => {
      pools.push(openPool(run, ctx, lease.node, shape.size, lease.spares));
      run.running?.loop.pump();
    },
  });
  return { pools, nodes };
}

/** Workers elsewhere score the job: the driver follows it in the store (remote-watch.ts). */
function watch(run: Run, ctx: Context): NonNullable<Run['running']> {
  const { deps } = run;
  const loop = watchRemoteJob({
    jobs: deps.jobs,
    job: run.name,
    compute: ctx.compute,
    logger: deps.logger,
    poll: () => afterAttempt(run, ctx),
    onError: failed(run, 'watching the remote workers'),
    signals: deps.remote?.signals,
    ...metricsOf(deps, ctx),
  });
  return { pools: [], loop, compute: ctx.compute };
}

/** The metrics and the labels of the job's attempts, when the server keeps metrics. */
const metricsOf = (deps: JobRunDeps, ctx: Context) =>
  attemptMetrics(deps.metrics, { ...ctx.job, compute: ctx.compute });

function start(run: Run, ctx: Context): NonNullable<Run['running']> {
  const { deps } = run;
  // Mini-batches that ended before this start (a rerun's taken-over ones, a job resumed after a restart)
  // are appended while the rest is scored, not all after the last attempt.
  void ctx.assembler
    .advance((i) => deps.jobs.getMiniBatch(run.name, i))
    .catch(failed(run, 'appending to the output'));
  if (ctx.remote) return watch(run, ctx);
  const { pools, nodes } = startPools(run, ctx);
  const loop = createJobLoop({
    plan: ctx.plan,
    queue: deps.queue,
    store: deps.jobs,
    pools,
    lease: { owner: deps.owner, ms: deps.leaseMs },
    maxRetries: ctx.job.settings.retrySettings.maxRetries,
    // As many mini-batches ahead as the job runs at once (bounded): each slot has its next one ready.
    prefetchDepth: Math.min(8, ctx.job.instanceCount * ctx.job.settings.maxConcurrencyPerInstance),
    onFirstAttempt: () => markRunning(run),
    onAttemptEnded: () => void afterAttempt(run, ctx).catch(failed(run, 'after attempt')),
    ...metricsOf(deps, ctx),
    logger: deps.logger,
  });
  if (pools.every((p) => p.pool.workers() === 0)) {
    // No pool yet: the compute has not given a node; pools without workers: the server has no permit.
    const why = pools.length === 0 ? `waiting for a node of compute ${ctx.compute}` : undefined;
    void markQueued(run, why).catch(failed(run, 'queueing'));
  }
  return { pools, loop, compute: ctx.compute, nodes };
}

async function markQueued({ deps, name }: Run, why?: string): Promise<void> {
  if (await deps.jobs.update(name, { status: 'Queued' }, ['Preparing'])) {
    const { max } = deps.launcher.capacity;
    const reason = why ?? `all ${max} worker(s) are busy`;
    deps.logger.info({ job: name, maxWorkers: max }, `job queued: ${reason}`);
  }
}

async function markRunning({ deps, name }: Run): Promise<void> {
  const startedAt = deps.now().toISOString();
  if (await deps.jobs.update(name, { status: 'Running', startedAt }, ['Preparing', 'Queued'])) {
    deps.logger.info({ job: name }, 'job started');
  }
}

async function afterAttempt(run: Run, ctx: Context): Promise<void> {
  if (run.ended) return;
  const { deps, name } = run;
  const counts = await deps.jobs.counts(name);
  // In the background: appending a part must never delay handing out the next mini-batch.
  void ctx.assembler
    .advance((i) => deps.jobs.getMiniBatch(name, i))
    .catch(failed(run, 'appending to the output'));
  await ctx.logs.progress(counts);
  const breach = thresholdBreach(counts, ctx.job.settings);
  if (breach) await end(run, { status: 'Failed', result: breach });
  else if (counts.miniBatches.pending + counts.miniBatches.running === 0) await end(run, undefined);
  else run.running?.loop.pump();
}

/** `kill` names why the workers are killed (for the node logs); without it they wind down. */
async function stopPools(run: Run, kill?: string): Promise<void> {
  run.running?.loop.stop();
  run.running?.nodes?.stop();
  await Promise.all((run.running?.pools ?? []).map((p) => (kill ? p.pool.kill(kill) : p.pool.close())));
  // Only once their processes are gone, so a node's next job never runs beside this one's workers.
  run.running?.nodes?.release();
}

/**
 * Ends the job once, whatever asked first: its last attempt, the error threshold, a cancel (`canceling`),
 * or a plan that cannot be made. Without a plan there are no pools, output or log tree to finish.
 */
async function end(run: Run, ending: Ending | undefined, canceling = false): Promise<void> {
  if (run.ended) return;
  run.ended = true;
  const { deps, name } = run;
  try {
    const planned = await prepared(run).then(
      (ctx) => ({ ctx }),
      (error: unknown) => ({ error }),
    );
    if ('error' in planned) {
      await endUnplanned({ ...deps, store: deps.jobs }, name, planned.error, ending);
      return;
    }
    const early = ending !== undefined || canceling;
    if (early) {
      await deps.queue.removeJob(name);
      await stopPools(run, ending?.status === 'Canceled' ? 'the job was canceled' : 'the job has failed');
      await deps.jobs.cancelOpen(name);
    }
    // Every mini-batch is done, so the workers can wind down while the output is assembled; the job
    // turns terminal only once they have exited and their last log lines are flushed.
    const closing = early ? Promise.resolve() : stopPools(run);
    if (!canceling) await deps.jobs.update(name, { status: 'Finalizing' }, IN_PROGRESS_STATUSES);
    await finalizeJob(
      { ...planned.ctx, store: deps.jobs, now: deps.now, logger: deps.logger },
      ending,
      closing,
    );
    // Nothing of a job that ran to its end is left queued, but a queue may keep its bookkeeping (BullMQ's
    // per-job queue and index entries) until it is told the job is gone.
    if (!early) await deps.queue.removeJob(name);
    if (planned.ctx.remote && deps.remote) {
      await forgetRemoteJob(deps.remote, name, planned.ctx.parts).catch(failed(run, 'forgetting'));
    }
  } finally {
    deps.onEnded(name);
  }
}

const CANCELED: Ending = {
  status: 'Canceled',
  result: 'Canceled by request; finished mini-batches were kept.',
};

export function createJobRun(deps: JobRunDeps, name: string, rank: number): JobRun {
  const run: Run = { deps, name, rank, ended: false };
  return {
    name,
    pump() {
      if (run.ended) return;
      void prepared(run)
        .then(
          (ctx) => {
            // A cancel during the awaits has stopped "all" pools, which were none: none may start now.
            if (run.ended) return;
            run.running ??= start(run, ctx);
            run.running.loop.pump();
          },
          () => end(run, undefined),
        )
        .catch(failed(run, 'pump'));
    },
    inflight: () => run.running?.loop.inflight() ?? [],
    processes() {
      const running = run.running;
      if (!running) return [];
      return running.pools.flatMap((p) =>
        p.pool.processes().map((info) => ({ ...info, job: name, compute: running.compute })),
      );
    },
    remote: () =>
      prepared(run).then(
        (ctx) => ctx.remote,
        () => false,
      ),
    async chargeLost(batches) {
      const ctx = await prepared(run);
      await chargeLostAttempts(deps.jobs, ctx.plan, batches, ctx.job.settings.retrySettings.maxRetries);
      await afterAttempt(run, ctx);
    },
    async cancel() {
      if (!(await deps.jobs.update(name, { status: 'CancelRequested' }, NON_TERMINAL_STATUSES))) return;
      await end(run, CANCELED, true);
    },
    finalize: () => end(run, undefined),
    async detach() {
      run.ended = true;
      // A preparation under way would write the job's folder after the server has stopped.
      await run.context?.catch(() => undefined);
      await stopPools(run, 'the server is stopping; the job resumes at its next start');
    },
  };
}
