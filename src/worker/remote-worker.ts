/**
 * `nightshift worker`: a node of a compute on any machine that reaches the deployment's PostgreSQL, Redis
 * and datastores. It needs none of a server's disk: four times a second it looks in the store for the active
 * jobs of its compute that their drivers published for workers (remote-jobs.ts), and at once when a driver
 * signals that it published or ended one; it joins those with a free
 * seat among their instance_count nodes (within the compute's max_instances; job-seats.ts), and scores their
 * mini-batches (worker-job.ts). It heartbeats a snapshot of itself into the store, which is how servers
 * list it in `compute list-nodes` and how they know it is alive: a worker that stops heartbeating has its
 * running attempts charged as crashes and its mini-batches run elsewhere. It renews the queue leases of
 * the attempts it runs; when it stops cleanly it lets running attempts finish first.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openBackends, type Backends } from '../backends.ts';
import { readSecretBox } from '../auth/secrets/secret-box.ts';
import type { StorageIdentityConfig } from '../config-storage-identity.ts';
import { LOCAL_COMPUTE, type Compute } from '../core/computes.ts';
import type { JobRecord, JobStatus } from '../core/jobs.ts';
import { createWorkerCapacity } from '../engine/pool/capacity.ts';
import { createSpareWorkers } from '../engine/pool/spare-workers.ts';
import { createWorkerLauncher } from '../engine/pool/worker-launcher.ts';
import type { RemoteJobDoc } from '../engine/remote/remote-jobs.ts';
import { ANY_COMPUTE, type NodeSnapshot } from '../engine/shared-compute-nodes.ts';
import { REMOTE_JOBS_TOPIC, type Subscription } from '../engine/signals/contract.ts';
import { createInputCache } from '../storage/cache/input-cache.ts';
import { createDatastoreService } from '../workspace/datastores.ts';
import { createJobSeats } from './job-seats.ts';
import { startWorkerJob, type WorkerJob, type WorkerJobDeps } from './worker-job.ts';

export interface RemoteWorkerConfig {
  database: string;
  queue: string;
  /** Holds the servers' secret-box key, which opens the datastores' credentials. */
  keysDir: string;
  /** This worker's own folder (artifact cache, input cache, scratch). */
  workDir: string;
  /** The compute it joins; undefined for every compute but `local`. */
  compute?: string;
  concurrency: number;
  leaseMs: number;
  cacheMaxBytes: number;
  /** The storage identity of this machine (AZURE_* environment), for datastores without credentials. */
  identity: StorageIdentityConfig;
  /** Defaults to HOST-PID-RANDOM. */
  name?: string;
}

export interface RemoteWorker {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const DISCOVER_MS = 250;
const RETRY_JOIN_MS = 30_000;
// A job in these states has mini-batches to score; past them (canceling, finalizing, ended) it has none.
const SCORING: readonly JobStatus[] = ['Preparing', 'Queued', 'Running'];

export async function createRemoteWorker(config: RemoteWorkerConfig, logger: Logger): Promise<RemoteWorker> {
  const name = config.name ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const secrets = await readSecretBox(config.keysDir);
  const backends: Backends = await openBackends(
    {
      dataDir: config.workDir,
      scaleOut: { database: config.database, queue: config.queue },
      leaseMs: config.leaseMs,
    },
    logger,
  );
  const { store, queue } = backends;
  const repo = store.resources;
  const datastores = createDatastoreService({
    repo,
    dataDir: config.workDir,
    // Built-in datastores are folders on the servers' disk, which a worker does not have.
    builtinDir: join(config.workDir, 'no-builtin-datastores'),
    actor: name,
    allowedRoots: [],
    secrets,
    identity: config.identity,
  });
  const capacity = createWorkerCapacity(config.concurrency);
  const launcher = createWorkerLauncher({ dataDir: config.workDir, capacity });
  // Runtime processes forked while no job runs here, so a job's first attempts skip the fork and import.
  const spares = createSpareWorkers(config.concurrency, launcher);
  const deps: WorkerJobDeps = {
    jobs: store.jobs,
    queue,
    datastores,
    cache: createInputCache({ dir: join(config.workDir, 'cache'), maxBytes: config.cacheMaxBytes }),
    launcher,
    spares,
    workDir: config.workDir,
    name,
    leaseMs: config.leaseMs,
    concurrency: config.concurrency,
    signals: backends.signals,
    logger,
  };
  const jobs = new Map<string, Promise<WorkerJob | undefined>>();
  const seats = createJobSeats({ repo, owner: name, leaseMs: config.leaseMs });
  // Jobs this worker failed to join (artifacts or inputs it cannot reach): tried again after a while.
  const retryAt = new Map<string, number>();
  const timers: NodeJS.Timeout[] = [];
  let arrivals = 0;
  let beats = 0;
  // Stopped: no more jobs are joined; done: every job was left, nothing more to heartbeat.
  let stopped = false;
  let done = false;
  let published: Subscription | undefined;

  const mine = (job: JobRecord) => {
    const compute = (job.compute ?? LOCAL_COMPUTE).toLowerCase();
    if (compute === LOCAL_COMPUTE) return false;
    return config.compute === undefined || config.compute.toLowerCase() === compute;
  };

  async function heartbeat(): Promise<void> {
    const live = (await Promise.all(jobs.values())).filter((j) => j !== undefined);
    // The leases first: Redis may be up while PostgreSQL is not, and a lapsed lease reruns an attempt.
    for (const job of live) {
      for (const id of job.inflight()) {
        queue.heartbeat(id, name, config.leaseMs).catch((error: unknown) => {
          logger.debug({ err: error, task: id }, 'a lease heartbeat failed');
        });
      }
    }
    const running = live.flatMap((j) => j.running());
    const at = new Date();
    const snapshot: NodeSnapshot & { jobs: string[] } = {
      owner: name,
      host: hostname(),
      publishedAt: at.getTime(),
      jobs: live.map((j) => j.name),
      nodes: [
        {
          name,
          host: hostname(),
          pid: process.pid,
          state: running.length > 0 ? 'busy' : 'idle',
          job: live.map((j) => j.name).join(','),
          compute: config.compute ?? ANY_COMPUTE,
          currentMiniBatches: running,
          lastHeartbeat: at.toISOString(),
        },
      ],
    };
    if (!(await repo.replace('serverNodes', { name }, snapshot))) {
      await repo.insert('serverNodes', { name }, snapshot);
    }
    beats += 1;
    // Every third beat (a lease): cheap enough for jobs of many mini-batches, soon enough to matter.
    if (beats % 3 === 0) for (const job of live) await job.reconcile();
  }

  /** A seat among the nodes the job may use: instance_count, within the compute's max_instances. */
  async function takeSeat(job: JobRecord): Promise<boolean> {
    const compute = await repo.get<Compute>('compute', { name: job.compute ?? '' });
    return seats.take(job.name, Math.min(job.instanceCount, compute?.maxNodeCount ?? job.instanceCount));
  }

  async function enter(job: JobRecord): Promise<WorkerJob | undefined> {
    const doc = await repo.get<RemoteJobDoc>('remoteJobs', { name: job.name });
    if (stopped || !doc || !(await takeSeat(job))) return undefined;
    logger.info({ job: job.name, compute: job.compute }, 'joining the job');
    return startWorkerJob(deps, job, doc, (arrivals += 1));
  }

  async function leave(jobName: string, kill: boolean): Promise<void> {
    const job = await jobs.get(jobName);
    jobs.delete(jobName);
    if (job) {
      logger.info({ job: jobName }, 'leaving the job');
      await job.stop(kill);
      await seats.release(jobName).catch((error: unknown) => {
        logger.debug({ err: error, job: jobName }, 'could not give back the seat; it lapses');
      });
    }
    if (jobs.size === 0 && !stopped) spares.refill();
  }

  async function discover(): Promise<void> {
    const active = new Map((await store.jobs.listActive()).filter(mine).map((j) => [j.name, j]));
    for (const name of jobs.keys()) {
      const job = active.get(name);
      const status = job?.status;
      // Cancel or a failure on the error threshold: what runs here is worth nothing any more.
      if (!job || !SCORING.includes(job.status)) await leave(name, status !== 'Finalizing');
    }
    for (const job of active.values()) {
      if (jobs.has(job.name) || (retryAt.get(job.name) ?? 0) > Date.now()) {
        void jobs.get(job.name)?.then((j) => j?.pump());
        continue;
      }
      if (!SCORING.includes(job.status)) continue;
      const joining = enter(job).catch((error: unknown) => {
        logger.error({ err: error, job: job.name }, 'this worker cannot score the job');
        retryAt.set(job.name, Date.now() + RETRY_JOIN_MS);
        return undefined;
      });
      jobs.set(job.name, joining);
      // A job it could not join yet (no room, or not published) is looked at again next time.
      void joining.then((j) => {
        if (!j && jobs.get(job.name) === joining) jobs.delete(job.name);
      });
    }
  }

  /**
   * Runs `step` every `ms` until `until()` says stop, never two at once; the returned function runs it
   * now (or right after the one under way), for a signal that something changed.
   */
  function every(ms: number, what: string, step: () => Promise<void>, until: () => boolean): () => void {
    let busy = false;
    let again = false;
    // `signaled`: asked for by a signal, so a step under way is followed by another; a tick is dropped.
    const run = (signaled = true) => {
      if (until()) return;
      if (busy) {
        again ||= signaled;
        return;
      }
      busy = true;
      void step()
        .catch((error: unknown) => {
          logger.warn({ err: error }, `${what} failed`);
        })
        .finally(() => {
          busy = false;
          if (again) {
            again = false;
            run();
          }
        });
    };
    timers.push(
      setInterval(() => {
        run(false);
      }, ms),
    );
    return run;
  }

  return {
    name,
    async start() {
      await deps.launcher.sweep();
      spares.refill();
      await heartbeat();
      // Heartbeats go on while a stopping worker finishes its attempts, so their leases hold.
      every(Math.max(1000, Math.floor(config.leaseMs / 3)), 'the heartbeat', heartbeat, () => done);
      const discoverNow = every(DISCOVER_MS, 'looking for jobs', discover, () => stopped);
      // A job published (or ended) is looked at at once, not at the next look in the store.
      published = backends.signals?.subscribe(REMOTE_JOBS_TOPIC, discoverNow);
    },
    async stop() {
      stopped = true;
      published?.close();
      await Promise.all([...jobs.keys()].map((job) => leave(job, false)));
      done = true;
      for (const timer of timers) clearInterval(timer);
      await spares.close();
      await repo.remove('serverNodes', { name }).catch(() => undefined);
      await deps.launcher.settled();
      await backends.close();
    },
  };
}
