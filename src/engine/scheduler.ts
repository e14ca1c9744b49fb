/**
 * Runs the jobs of this server: starts a JobRun when a job is submitted, resumes unfinished jobs at start
 * (a crash or kill -9 loses at most the attempts that were running; their mini-batches go back to the
 * queue without being charged a retry), keeps leases alive for running attempts, and forwards cancel.
 * It owns what jobs share: the worker capacity (at most `maxWorkers` live worker processes, handed out
 * in the order jobs arrived), the launcher, the spare reserve and the scratch folder it sweeps at start.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { miniBatchId, type JobRecord } from '../core/jobs.ts';
import { createInputCache, type InputCache } from '../storage/cache/input-cache.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { recordEnd } from './finalizer.ts';
import type { EngineMetrics } from './engine-metrics.ts';
import { createJobRun, type JobProcess, type JobRun } from './job-run.ts';
import { createWorkerCapacity, type WorkerCapacity } from './pool/capacity.ts';
import { createSpareWorkers } from './pool/spare-workers.ts';
import { createWorkerLauncher } from './pool/worker-launcher.ts';
import type { TaskQueue } from './queue/contract.ts';

export interface SchedulerDeps {
  jobs: JobRepository;
  queue: TaskQueue;
  datastores: DatastoreService;
  dataDir: string;
  leaseMs: number;
  /** Live worker processes allowed at once, across every job and the spares. */
  maxWorkers: number;
  /** Warm processes kept in reserve; 0 forks workers only when a job needs them. */
  spareWorkers: number;
  /** The size cap of the input cache under `<dataDir>/cache` (files read from remote datastores). */
  cacheMaxBytes: number;
  logger: Logger;
  now?: () => Date;
  /** Told of every attempt (metrics). */
  metrics?: EngineMetrics;
  /** A compute's max_instances, which caps the instances of each job bound to it. */
  maxInstances?: (compute: string) => Promise<number | undefined>;
}

export interface Scheduler {
  start(): Promise<void>;
  submit(job: string): void;
  cancel(job: string): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the job has ended on this server (tests and the demo wait on it). */
  ended(job: string): Promise<void>;
  /** The worker capacity, for diagnostics, the bench and tests. */
  readonly capacity: WorkerCapacity;
  /** The input cache, whose totals say how much the server downloaded (the bench and tests). */
  readonly cache: InputCache;
  /** The live worker processes of every job running here (the computes' node lists). */
  processes(): JobProcess[];
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const runs = new Map<string, JobRun>();
  const waiters = new Map<string, (() => void)[]>();
  let heartbeat: NodeJS.Timeout | undefined;
  let stopped = false;
  // Jobs take their turn for workers in the order they came to this server.
  let arrivals = 0;
  const capacity = createWorkerCapacity(deps.maxWorkers);
  const launcher = createWorkerLauncher({ dataDir: deps.dataDir, capacity });
  const spares = createSpareWorkers(deps.spareWorkers, launcher);
  const cache = createInputCache({
    dir: join(deps.dataDir, 'cache'),
    maxBytes: deps.cacheMaxBytes,
  });

  function onEnded(job: string): void {
    runs.delete(job);
    if (!stopped && runs.size === 0) spares.refill();
    for (const resolve of waiters.get(job) ?? []) resolve();
    waiters.delete(job);
  }

  function attach(job: string): JobRun {
    const existing = runs.get(job);
    if (existing) return existing;
    const run = createJobRun(
      {
        jobs: deps.jobs,
        queue: deps.queue,
        datastores: deps.datastores,
        dataDir: deps.dataDir,
        cache,
        owner,
        leaseMs: deps.leaseMs,
        launcher,
        spares,
        now: deps.now ?? (() => new Date()),
        logger: deps.logger,
        onEnded,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        ...(deps.maxInstances ? { maxInstances: deps.maxInstances } : {}),
      },
      job,
      (arrivals += 1),
    );
    runs.set(job, run);
    return run;
  }

  /** Picks one job up where the last server left it; every way out ends in a terminal status. */
  async function resumeJob(job: JobRecord): Promise<void> {
    if (job.status === 'NotStarted') {
      const result = 'The server stopped while the job was being created; invoke it again.';
      const end = { status: 'Failed' as const, result, endedAt: new Date().toISOString() };
      await recordEnd({ store: deps.jobs, logger: deps.logger }, job.name, end, {}, ['NotStarted']);
      return;
    }
    const reset = await deps.jobs.resetRunning(job.name);
    const pending = (await deps.jobs.miniBatches(job.name)).filter((b) => b.state === 'pending');
    await deps.queue.enqueue(
      pending.map((b) => ({ id: miniBatchId(job.name, b.index), job: job.name, index: b.index })),
    );
    deps.logger.info(
      { job: job.name, status: job.status, reset, pending: pending.length },
      'job resumed after a restart',
    );
    const run = attach(job.name);
    const failed = (error: unknown) => {
      deps.logger.error({ err: error, job: job.name }, 'resume failed');
    };
    if (job.status === 'CancelRequested') void run.cancel().catch(failed);
    else if (job.status === 'Finalizing' || pending.length === 0) void run.finalize().catch(failed);
    else run.pump();
  }

  async function resume(): Promise<void> {
    // One server owns the data dir (the lock), so every lease in the queue is from a previous life.
    await deps.queue.reclaimExpired(Number.MAX_SAFE_INTEGER);
    for (const job of await deps.jobs.listActive()) await resumeJob(job);
  }

  return {
    capacity,
    cache,
    processes: () => [...runs.values()].flatMap((run) => run.processes()),
    async start() {
      // One server per data dir (the lock): what a previous run left in the scratch folder is litter.
      await launcher.sweep();
      await resume();
      if (runs.size === 0) spares.refill();
      heartbeat = setInterval(
        () => {
          for (const run of runs.values()) {
            for (const id of run.inflight()) void deps.queue.heartbeat(id, owner, deps.leaseMs);
          }
        },
        Math.max(1000, Math.floor(deps.leaseMs / 3)),
      );
      heartbeat.unref();
    },
    submit(job) {
      if (stopped) return;
      attach(job).pump();
    },
    async cancel(job) {
      await attach(job).cancel();
    },
    async stop() {
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      await Promise.all([...runs.values()].map((run) => run.detach()));
      runs.clear();
      await spares.close();
      await launcher.settled();
    },
    ended(job) {
      return new Promise((resolve) => {
        if (!runs.has(job)) {
          resolve();
          return;
        }
        waiters.set(job, [...(waiters.get(job) ?? []), resolve]);
      });
    },
  };
}
