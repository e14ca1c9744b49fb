/**
 * Runs the jobs of this server: starts a JobRun when a job is submitted, resumes unfinished jobs at start
 * (a crash or kill -9 loses at most the attempts that were running; their mini-batches go back to the
 * queue without being charged a retry), keeps leases alive for running attempts, and forwards cancel.
 * Each job it runs it drives under a lease in the store (job-drivers.ts): scaled out, it renews those,
 * takes over the jobs of servers that stopped renewing theirs, and acts on cancels other servers record.
 * It owns what jobs share: the worker capacity (at most `maxWorkers` live worker processes, handed out
 * in the order jobs arrived), the launcher, the spare reserve and the scratch folder it sweeps at start,
 * and, embedded, the nodes of the computes (compute-capacity.ts), which their jobs share.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { miniBatchId, NON_TERMINAL_STATUSES, type JobRecord } from '../core/jobs.ts';
import { createInputCache, type InputCache } from '../storage/cache/input-cache.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { recordEnd } from './finalizer.ts';
import type { EngineMetrics } from './engine-metrics.ts';
import { createComputeCapacity, type ComputeScale, type IdleNode } from './compute-capacity.ts';
import { createJobRun, type JobProcess, type JobRun } from './job-run.ts';
import { createWorkerCapacity, type WorkerCapacity } from './pool/capacity.ts';
import { createSpareWorkers } from './pool/spare-workers.ts';
import { createWorkerLauncher } from './pool/worker-launcher.ts';
import { tasksOf, type TaskQueue } from './queue/contract.ts';
import { createJobDrivers } from './job-drivers.ts';
import { lostAttempts } from './remote/lost-workers.ts';
import type { RemoteJobDeps } from './remote/remote-jobs.ts';

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
  /** Whether other servers share the store and the queue (scaled out). */
  shared?: boolean;
  logger: Logger;
  now?: () => Date;
  /** Told of every attempt (metrics). */
  metrics?: EngineMetrics;
  /** A compute's max_instances, which caps the instances of each job bound to it. */
  maxInstances?: (compute: string) => Promise<number | undefined>;
  /**
   * Scaled out: jobs on computes other than `local` go to `nightshift worker` processes through this
   * artifact store; `liveWorkers` names the workers heartbeating now (the others' attempts are lost).
   */
  remote?: RemoteJobDeps & { liveWorkers: () => Promise<Set<string>> };
  /** The workspace's computes: embedded, their jobs share their nodes (at most max_instances). */
  computes?: () => Promise<ComputeScale[]>;
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
  /** The idle nodes of the computes (embedded): warm processes no job holds yet. */
  idleNodes(): IdleNode[];
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
  const shared = deps.shared ?? false;
  // Scaled out, a compute's nodes are the `nightshift worker` processes that join it, not this server's.
  const computeNodes =
    deps.computes && !shared
      ? createComputeCapacity({ launcher, spares, computes: deps.computes, logger: deps.logger })
      : undefined;
  const clock = deps.now ?? (() => new Date());
  const drivers = createJobDrivers({
    jobs: deps.jobs,
    shared,
    ttlMs: deps.leaseMs,
    now: () => clock().getTime(),
  });
  let sweeping = false;

  /** The job is not this server's to run any more: whoever waits on it is told. */
  function settle(job: string): void {
    runs.delete(job);
    if (!stopped && runs.size === 0) spares.refill();
    for (const resolve of waiters.get(job) ?? []) resolve();
    waiters.delete(job);
  }

  function onEnded(job: string): void {
    void drivers.release(job).catch((error: unknown) => {
      deps.logger.warn({ err: error, job }, 'releasing the job lease failed');
    });
    settle(job);
  }

  /** Another server drives the job (it took the lease): stop running it here, leaving its state as is. */
  async function letGo(job: string, run: JobRun): Promise<void> {
    deps.logger.warn({ job }, 'another server drives the job now; letting it go');
    settle(job);
    await run.detach();
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
        now: clock,
        logger: deps.logger,
        onEnded,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        ...(deps.maxInstances ? { maxInstances: deps.maxInstances } : {}),
        ...(deps.remote ? { remote: deps.remote } : {}),
        ...(computeNodes ? { computeNodes } : {}),
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
    const run = attach(job.name);
    // Attempts running on workers elsewhere go on when their driver changes; the others died with it.
    const reset = (await run.remote()) ? 0 : await deps.jobs.resetRunning(job.name);
    const pending = (await deps.jobs.miniBatches(job.name)).filter((b) => b.state === 'pending');
    await deps.queue.enqueue(
      tasksOf(
        job.name,
        pending.map((b) => b.index),
      ),
    );
    deps.logger.info(
      { job: job.name, status: job.status, reset, pending: pending.length },
      'job resumed after a restart',
    );
    const failed = (error: unknown) => {
      deps.logger.error({ err: error, job: job.name }, 'resume failed');
    };
    if (job.status === 'CancelRequested') void run.cancel().catch(failed);
    else if (job.status === 'Finalizing' || pending.length === 0) void run.finalize().catch(failed);
    else run.pump();
  }

  async function resume(): Promise<void> {
    // Embedded, one server owns the data dir (the lock), so every lease in the queue is from a previous
    // life; scaled out, only lapsed ones are nobody's.
    await deps.queue.reclaimExpired(shared ? clock().getTime() : Number.MAX_SAFE_INTEGER);
    for (const job of await deps.jobs.listActive()) {
      if (drivers.mayTakeOver(job) && (await drivers.claim(job.name))) await resumeJob(job);
    }
  }

  /**
   * The database is the source of truth; the queue and this server's memory can lose work. Mini-batches
   * the store says are running that this server no longer runs (an attempt whose record was lost to a
   * database outage) go back to pending, and pending ones the queue lost (Redis restarted empty) are
   * queued again (enqueueing is idempotent). Then the job's loop leases again.
   */
  async function reconcile(job: string, run: JobRun): Promise<void> {
    const { miniBatches: counts } = await deps.jobs.counts(job);
    const queued = await deps.queue.pending(job);
    // The usual case, in two small queries: nothing is missing, so the mini-batches are not read.
    const whole = queued.ready + queued.leased >= counts.pending + counts.running;
    const remote = deps.remote !== undefined && (await run.remote());
    // Every running attempt holds a lease: this server's own in its loop, a remote worker's in the queue.
    const tracked = remote ? queued.leased : run.inflight().length;
    if (whole && counts.running <= tracked) {
      run.pump();
      return;
    }
    if (remote && deps.remote) {
      await chargeLostWorkers(job, run, deps.remote.liveWorkers);
      return;
    }
    const batches = await deps.jobs.miniBatches(job);
    // Read after the store: an attempt that ended in between is no longer running there either, and
    // the reset only moves mini-batches that are still running.
    const inflight = new Set(run.inflight());
    const orphans = new Set(
      batches
        .filter((b) => b.state === 'running' && !inflight.has(miniBatchId(job, b.index)))
        .map((b) => b.index),
    );
    if (orphans.size > 0) await deps.jobs.resetRunning(job, [...orphans]);
    const pending = batches.filter((b) => b.state === 'pending' || orphans.has(b.index));
    await deps.queue.enqueue(
      tasksOf(
        job,
        pending.map((b) => b.index),
      ),
    );
    run.pump();
  }

  /**
   * A job scored by remote workers: the attempts of workers that stopped heartbeating end as crashes,
   * and what is pending but missing from the queue (lost to a Redis restart, or acked by a worker that
   * found its mini-batch still marked running) is queued again.
   */
  async function chargeLostWorkers(
    job: string,
    run: JobRun,
    liveWorkers: () => Promise<Set<string>>,
  ): Promise<void> {
    const lost = lostAttempts(await deps.jobs.miniBatches(job), await liveWorkers());
    if (lost.length > 0) {
      deps.logger.warn(
        { job, miniBatches: lost.length },
        'workers stopped heartbeating; their attempts count as crashes',
      );
      await run.chargeLost(lost);
    }
    const pending = (await deps.jobs.miniBatches(job)).filter((b) => b.state === 'pending');
    await deps.queue.enqueue(
      tasksOf(
        job,
        pending.map((b) => b.index),
      ),
    );
  }

  /**
   * Scaled out, every lease period: renew the jobs this server drives (one whose lease another server
   * took after a stall is let go), act on cancels recorded by other servers, and take over the jobs whose
   * driver stopped renewing.
   */
  async function sweep(): Promise<void> {
    const active = await deps.jobs.listActive();
    for (const job of active) {
      const run = runs.get(job.name);
      if (run) {
        if (!(await drivers.claim(job.name))) await letGo(job.name, run);
        else if (job.status === 'CancelRequested') await run.cancel();
        else await reconcile(job.name, run);
      } else if (!stopped && drivers.mayTakeOver(job) && (await drivers.claim(job.name))) {
        deps.logger.info({ job: job.name, status: job.status }, 'taking over a job whose server stopped');
        await resumeJob(job);
      }
    }
    await deps.queue.reclaimExpired(clock().getTime());
  }

  function startTimers(): void {
    heartbeat = setInterval(
      () => {
        for (const run of runs.values()) {
          for (const id of run.inflight()) {
            // A queue that is down loses nothing here: the lease lapses and the task is delivered again.
            deps.queue.heartbeat(id, owner, deps.leaseMs).catch((error: unknown) => {
              deps.logger.debug({ err: error, task: id }, 'a lease heartbeat failed');
            });
          }
        }
        if (!shared || sweeping || stopped) return;
        sweeping = true;
        void sweep()
          .catch((error: unknown) => {
            deps.logger.error({ err: error }, 'the job lease sweep failed');
          })
          .finally(() => {
            sweeping = false;
          });
      },
      Math.max(1000, Math.floor(deps.leaseMs / 3)),
    );
    heartbeat.unref();
  }

  return {
    capacity,
    cache,
    processes: () => [...runs.values()].flatMap((run) => run.processes()),
    idleNodes: () => computeNodes?.idle() ?? [],
    async start() {
      // One server per data dir (the lock): what a previous run left in the scratch folder is litter.
      await launcher.sweep();
      await resume();
      if (runs.size === 0) spares.refill();
      await computeNodes?.start();
      startTimers();
    },
    submit(job) {
      if (stopped) return;
      // Attached at once, so whoever waits on the job waits for its end; it runs once the lease is ours.
      const run = attach(job);
      void drivers.claim(job).then(
        (mine) => {
          if (mine) run.pump();
          else void letGo(job, run);
        },
        (error: unknown) => {
          deps.logger.error(
            { err: error, job },
            'taking the job lease failed; another server will take it over',
          );
          void letGo(job, run);
        },
      );
    },
    async cancel(job) {
      const run = runs.get(job);
      if (run) await run.cancel();
      else if (await drivers.claim(job)) await attach(job).cancel();
      // Another server drives it: the cancel is recorded, and that server acts on it at its next sweep.
      else await deps.jobs.update(job, { status: 'CancelRequested' }, NON_TERMINAL_STATUSES);
    },
    async stop() {
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      // First, so the nodes the detached jobs give back are not warmed again on the way out.
      await computeNodes?.close();
      const detached = [...runs.entries()];
      await Promise.all(detached.map(([, run]) => run.detach()));
      runs.clear();
      // Another server need not wait for the leases to lapse to carry on with these jobs.
      await Promise.all(detached.map(([job]) => drivers.release(job).catch(() => undefined)));
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
