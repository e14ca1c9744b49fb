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
 * cannot be planned (a datastore deleted, or a folder it names swapped for a link out of its datastore,
 * after the job was invoked) fails at once with the reason, rather than waiting for a plan forever.
 */
import type { Logger } from 'pino';
import { IN_PROGRESS_STATUSES, NON_TERMINAL_STATUSES, type JobRecord } from '../core/jobs.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { describeError } from '../runtimes/worker-protocol.ts';
import { thresholdBreach } from './attempts.ts';
import { createErrorScrubber } from './error-view.ts';
import { finalizeJob, type Ending } from './finalizer.ts';
import { createJobLogs } from './job-logs.ts';
import { createJobLoop, type JobLoop, type LoopPool } from './job-loop.ts';
import { planJob, type JobPlan } from './job-plan.ts';
import { createOutputAssembler, type OutputAssembler } from './output-assembler.ts';
import type { SpareWorkers } from './pool/spare-workers.ts';
import type { WorkerLauncher } from './pool/worker-launcher.ts';
import { createWorkerPool } from './pool/worker-pool.ts';
import type { TaskQueue } from './queue/contract.ts';

export interface JobRunDeps {
  jobs: JobRepository;
  queue: TaskQueue;
  datastores: DatastoreService;
  dataDir: string;
  owner: string;
  leaseMs: number;
  launcher: WorkerLauncher;
  spares?: SpareWorkers;
  now: () => Date;
  logger: Logger;
  onEnded: (job: string) => void;
}

export interface JobRun {
  readonly name: string;
  pump(): void;
  cancel(): Promise<void>;
  finalize(): Promise<void>;
  /** Server shutdown: kill workers, leave the job's state for the next start to resume. */
  detach(): Promise<void>;
  inflight(): readonly string[];
}

/** What a job needs on this server, made once: its plan, settings, logs and output file. */
interface Context {
  job: JobRecord;
  plan: JobPlan;
  logs: ReturnType<typeof createJobLogs>;
  assembler: OutputAssembler;
}

async function prepare(deps: JobRunDeps, name: string): Promise<Context> {
  const job = await deps.jobs.get(name);
  if (!job) throw new Error(`job ${name} vanished`);
  const plan = await planJob(deps, job);
  const logs = createJobLogs(plan.logDir);
  await logs.init();
  const summaryOnly = job.settings.outputAction === 'SummaryOnly';
  const total = summaryOnly ? 0 : (await deps.jobs.counts(name)).miniBatches.total;
  const { backend, target } = plan.output;
  const assembler = createOutputAssembler({ backend, target, partPath: plan.partPath, total });
  return { job, plan, logs, assembler };
}

/** One pool per instance, within the server's cap: at most `cap` instances, `cap` slots in all. */
function startPools(deps: JobRunDeps, ctx: Context, rank: number, onWorker: () => void): LoopPool[] {
  const cap = deps.launcher.capacity.max;
  const instances = Math.max(1, Math.min(ctx.job.instanceCount, cap));
  const size = Math.max(1, Math.min(ctx.job.settings.maxConcurrencyPerInstance, Math.floor(cap / instances)));
  return Array.from({ length: instances }, (_, i) => {
    const node = `node-${i}`;
    const pool = createWorkerPool({
      size,
      settings: ctx.plan.runtime,
      timeoutMs: ctx.job.settings.retrySettings.timeoutSeconds * 1000,
      logDir: ctx.logs.dir,
      node,
      scrub: ctx.plan.scrub,
      launcher: deps.launcher,
      rank,
      onWorkerStarted: onWorker,
      ...(deps.spares ? { spares: deps.spares } : {}),
    });
    void pool.warm().catch(() => undefined);
    return { pool, busy: 0, node };
  });
}

export function createJobRun(deps: JobRunDeps, name: string, rank: number): JobRun {
  const log = deps.logger;
  let context: Promise<Context> | undefined;
  let running: { pools: LoopPool[]; loop: JobLoop } | undefined;
  let ended = false;
  const prepared = () => (context ??= prepare(deps, name));
  const failed = (what: string) => (error: unknown) => {
    log.error({ err: error, job: name }, `${what} failed`);
  };

  function run(ctx: Context): NonNullable<typeof running> {
    const pools = startPools(deps, ctx, rank, () => running?.loop.pump());
    const loop = createJobLoop({
      plan: ctx.plan,
      queue: deps.queue,
      store: deps.jobs,
      pools,
      lease: { owner: deps.owner, ms: deps.leaseMs },
      maxRetries: ctx.job.settings.retrySettings.maxRetries,
      onFirstAttempt: () => markRunning(),
      onAttemptEnded: () => void afterAttempt(ctx).catch(failed('after attempt')),
      logger: log,
    });
    if (pools.every((p) => p.pool.workers() === 0)) void markQueued().catch(failed('queueing'));
    return { pools, loop };
  }

  async function markQueued(): Promise<void> {
    if (await deps.jobs.update(name, { status: 'Queued' }, ['Preparing'])) {
      const { max } = deps.launcher.capacity;
      log.info({ job: name, maxWorkers: max }, `job queued: all ${max} worker(s) are busy`);
    }
  }

  async function markRunning(): Promise<void> {
    const startedAt = deps.now().toISOString();
    if (await deps.jobs.update(name, { status: 'Running', startedAt }, ['Preparing', 'Queued'])) {
      log.info({ job: name }, 'job started');
    }
  }

  async function afterAttempt(ctx: Context): Promise<void> {
    if (ended) return;
    const counts = await deps.jobs.counts(name);
    // In the background: appending a part must never delay handing out the next mini-batch.
    void ctx.assembler
      .advance((i) => deps.jobs.getMiniBatch(name, i))
      .catch(failed('appending to the output'));
    await ctx.logs.progress(counts);
    const breach = thresholdBreach(counts, ctx.job.settings);
    if (breach) await end({ status: 'Failed', result: breach });
    else if (counts.miniBatches.pending + counts.miniBatches.running === 0) await end(undefined);
    else running?.loop.pump();
  }

  /** `kill` names why the workers are killed (for the node logs); without it they wind down. */
  async function stopPools(kill?: string): Promise<void> {
    running?.loop.stop();
    await Promise.all((running?.pools ?? []).map((p) => (kill ? p.pool.kill(kill) : p.pool.close())));
  }

  /** Without a plan there is no log tree or output: the job records why, and ends. */
  async function failUnplanned(error: unknown): Promise<void> {
    if (ended) return;
    ended = true;
    log.warn({ err: error, job: name }, 'job could not be planned');
    const message = createErrorScrubber({ dataDir: deps.dataDir, folders: [] }).text(
      describeError(error).message,
    );
    await deps.queue.removeJob(name);
    await deps.jobs.cancelOpen(name);
    await deps.jobs.setFirstError(name, { code: 'PreparationFailed', message });
    const result = `The job could not start: ${message}`;
    const endedAt = deps.now().toISOString();
    if (await deps.jobs.update(name, { status: 'Failed', result, endedAt }, IN_PROGRESS_STATUSES)) {
      log.info({ job: name, status: 'Failed' }, `job ended: Failed. ${result}`);
    }
    deps.onEnded(name);
  }

  async function end(ending: Ending | undefined, canceling = false): Promise<void> {
    if (ended) return;
    ended = true;
    const early = ending !== undefined || canceling;
    if (early) {
      await deps.queue.removeJob(name);
      await stopPools(ending?.status === 'Canceled' ? 'the job was canceled' : 'the job has failed');
      await deps.jobs.cancelOpen(name);
    }
    // Every mini-batch is done, so the workers can wind down while the output is assembled; the job
    // turns terminal only once they have exited and their last log lines are flushed.
    const closing = early ? Promise.resolve() : stopPools();
    if (!canceling) await deps.jobs.update(name, { status: 'Finalizing' }, IN_PROGRESS_STATUSES);
    const ctx = await prepared();
    await finalizeJob({ ...ctx, store: deps.jobs, now: deps.now, logger: log }, ending, closing);
    deps.onEnded(name);
  }

  return {
    name,
    pump() {
      if (ended) return;
      void prepared()
        .then(
          (ctx) => {
            // A cancel during the awaits has stopped "all" pools, which were none: none may start now.
            if (ended) return;
            running ??= run(ctx);
            running.loop.pump();
          },
          (error: unknown) => failUnplanned(error),
        )
        .catch(failed('pump'));
    },
    inflight: () => running?.loop.inflight() ?? [],
    async cancel() {
      if (!(await deps.jobs.update(name, { status: 'CancelRequested' }, NON_TERMINAL_STATUSES))) return;
      await end(
        { status: 'Canceled', result: 'Canceled by request; finished mini-batches were kept.' },
        true,
      );
    },
    finalize: () => end(undefined),
    async detach() {
      ended = true;
      await stopPools('the server is stopping; the job resumes at its next start');
    },
  };
}
