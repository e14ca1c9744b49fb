/**
 * One job as a `nightshift worker` scores it: the same job loop and worker pool as a server's own (lease a
 * mini-batch id, start the attempt in the store, run it, record it, ack), on this machine's folders. The
 * model and code come from the artifact store by digest (fetched once into the worker's cache), inputs
 * through their datastore (the input cache), and each part the pool writes goes up to the artifact store
 * before the attempt is recorded, so a succeeded mini-batch always has its part where the driver looks.
 * The worker never ends a job: the driver watches the store and does that.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JobRecord } from '../core/jobs.ts';
import { createErrorScrubber, createErrorView } from '../engine/error-view.ts';
import { inputAccess, type InputAccess } from '../engine/job-data.ts';
import { createJobLoop, type JobLoop } from '../engine/job-loop.ts';
import { partPath, runtimeSettings } from '../engine/job-plan.ts';
import type { SpareWorkers } from '../engine/pool/spare-workers.ts';
import type { WorkerLauncher } from '../engine/pool/worker-launcher.ts';
import { createWorkerPool } from '../engine/pool/worker-pool.ts';
import { tasksOf, type TaskQueue } from '../engine/queue/contract.ts';
import { fetchFolder, uploadPart } from '../engine/remote/artifact-store.ts';
import type { RemoteJobDoc } from '../engine/remote/remote-jobs.ts';
import { jobTopic, type Signals } from '../engine/signals/contract.ts';
import type { InputCache } from '../storage/cache/input-cache.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';

export interface WorkerJobDeps {
  jobs: JobRepository;
  queue: TaskQueue;
  datastores: DatastoreService;
  cache: InputCache;
  launcher: WorkerLauncher;
  spares: SpareWorkers;
  /** This worker's own folder: artifacts, the jobs' logs, staging and parts. */
  workDir: string;
  /** This worker's name: its lease owner, its node name in the records, its heartbeat's name. */
  name: string;
  leaseMs: number;
  /** Scoring processes this worker runs at once (across its jobs). */
  concurrency: number;
  /** Tells the job's driver that an attempt ended, so it need not wait for its next poll. */
  signals?: Signals | undefined;
  logger: Logger;
}

export interface WorkerJob {
  readonly name: string;
  pump(): void;
  inflight(): string[];
  /** Mini-batches running here now (for the heartbeat). */
  running(): string[];
  /**
   * Mini-batches the store says this worker runs that it does not (an attempt whose end could not be
   * recorded while the store was cut off) go back to pending and into the queue: nobody else would know
   * they are orphans, since this worker is alive and heartbeating.
   */
  reconcile(): Promise<void>;
  /** `kill`: the job was canceled or failed, its attempts are worth nothing; else they finish first. */
  stop(kill: boolean): Promise<void>;
}

/**
 * The first tasks of the job on this worker, leased before the model is here and their files set
 * downloading, so the first attempts do not wait for the model fetch and then for their files in turn.
 */
async function leaseFirst(deps: WorkerJobDeps, job: JobRecord, input: InputAccess, count: number) {
  const tasks = await deps.queue.lease(deps.name, job.name, count, deps.leaseMs);
  for (const task of tasks) {
    void deps.jobs
      .getMiniBatch(job.name, task.index)
      .then((mb) => {
        if (mb?.state === 'pending') input.prefetch(mb.files);
      })
      .catch(() => undefined);
  }
  return tasks;
}

async function workerPlan(deps: WorkerJobDeps, job: JobRecord, doc: RemoteJobDoc, first: number) {
  const input = inputAccess(await deps.datastores.resolveSource(job.input.uri, 'input'), deps.cache);
  const artifacts = join(deps.workDir, 'artifacts');
  const fetching = (async () => {
    const backend = await deps.datastores.backend(doc.artifactStore);
    const [modelPath, codePath] = await Promise.all([
      fetchFolder(backend, doc.model, artifacts),
      doc.code ? fetchFolder(backend, doc.code, artifacts) : undefined,
    ]);
    return { backend, modelPath, codePath };
  })();
  const [leasing, fetched] = await Promise.allSettled([leaseFirst(deps, job, input, first), fetching]);
  if (fetched.status === 'rejected') {
    // Not scored here after all: back to the queue for another worker, not when the leases lapse.
    const leased = leasing.status === 'fulfilled' ? leasing.value : [];
    for (const task of leased) await deps.queue.nack(task.id, deps.name, 0).catch(() => undefined);
    throw fetched.reason;
  }
  if (leasing.status === 'rejected') throw leasing.reason;
  const { backend, modelPath, codePath } = fetched.value;
  return { ...planOf(deps, job, backend, input, modelPath, codePath), leased: leasing.value };
}

function planOf(
  deps: WorkerJobDeps,
  job: JobRecord,
  backend: DatastoreBackend,
  input: InputAccess,
  modelPath: string,
  codePath: string | undefined,
) {
  const model = { path: modelPath };
  const code = codePath === undefined ? undefined : { path: codePath };
  const dir = join(deps.workDir, 'jobs', job.name);
  const output = { path: join(dir, 'outputs') };
  const scrub = createErrorScrubber({
    dataDir: deps.workDir,
    folders: [
      { path: model.path, uri: job.runtime.modelDirUri },
      ...(code && job.runtime.codeUri ? [{ path: code.path, uri: job.runtime.codeUri }] : []),
    ],
  });
  return {
    dir,
    scrub,
    runtime: runtimeSettings(job, { model, output, ...(code ? { code } : {}) }),
    plan: {
      name: job.name,
      input,
      partPath: (index: number) => partPath(dir, index),
      errorView: createErrorView(scrub),
      // The driver assembles the output from the artifact store; the local copy is not needed after.
      keepPart: async (index: number, path: string) => {
        try {
          await uploadPart(backend, job.name, index, path);
        } finally {
          await rm(path, { force: true });
        }
      },
    },
  };
}

export async function startWorkerJob(
  deps: WorkerJobDeps,
  job: JobRecord,
  doc: RemoteJobDoc,
  rank: number,
): Promise<WorkerJob> {
  const { settings } = job;
  const size = Math.max(1, Math.min(settings.maxConcurrencyPerInstance, deps.concurrency));
  // As many as the loop would lease at its first pump: one per process and one ahead of each.
  const prepared = await workerPlan(deps, job, doc, 2 * size);
  const holder: { loop?: JobLoop } = {};
  const pool = createWorkerPool({
    size,
    settings: prepared.runtime,
    timeoutMs: settings.retrySettings.timeoutSeconds * 1000,
    logDir: join(prepared.dir, 'logs'),
    node: deps.name,
    scrub: prepared.scrub,
    launcher: deps.launcher,
    rank,
    onWorkerStarted: () => holder.loop?.pump(),
    spares: deps.spares,
  });
  const slot = { pool, node: deps.name, busy: 0 };
  const loop = createJobLoop({
    plan: prepared.plan,
    queue: deps.queue,
    store: deps.jobs,
    pools: [slot],
    lease: { owner: deps.name, ms: deps.leaseMs },
    maxRetries: settings.retrySettings.maxRetries,
    // Other workers lease the next indexes: this one downloads the files of tasks it leased ahead.
    prefetchDepth: 0,
    leaseAhead: size,
    leased: prepared.leased,
    onFirstAttempt: async () => {
      const startedAt = new Date().toISOString();
      await deps.jobs.update(job.name, { status: 'Running', startedAt }, ['Preparing', 'Queued']);
    },
    onAttemptEnded: () => {
      holder.loop?.pump();
      void deps.signals?.publish(jobTopic(job.name));
    },
    logger: deps.logger,
  });
  holder.loop = loop;
  void pool.warm().catch(() => undefined);
  return {
    name: job.name,
    pump: () => {
      loop.pump();
    },
    inflight: () => loop.inflight(),
    running: () => pool.processes().flatMap((p) => (p.miniBatch === undefined ? [] : [p.miniBatch])),
    async reconcile() {
      const batches = await deps.jobs.miniBatches(job.name);
      // Read after the store: an attempt that ended in between is not running there either.
      const inflight = new Set(loop.inflight());
      const orphans = batches
        .filter((b) => b.state === 'running' && b.worker === deps.name && !inflight.has(b.id))
        .map((b) => b.index);
      if (orphans.length === 0) return;
      await deps.jobs.resetRunning(job.name, orphans);
      await deps.queue.enqueue(tasksOf(job.name, orphans));
      deps.logger.warn(
        { job: job.name, miniBatches: orphans.length },
        'attempts this worker lost track of go back to the queue',
      );
    },
    async stop(kill) {
      loop.stop();
      await (kill ? pool.kill('the job has ended') : pool.close());
      await rm(prepared.dir, { recursive: true, force: true });
    },
  };
}
