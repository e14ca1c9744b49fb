/**
 * The work loop of one job, in the shape of pg-boss's and BullMQ's worker loops: for every pool slot
 * that holds a worker and has no attempt, lease a mini-batch id from the queue, start the attempt in
 * the store, run it on the pool, record how it ended (attempts.ts) and ack or nack the lease. The
 * queue, the store and the pools come in from outside, so another queue or store plugs in unchanged.
 * The job's ending is not decided here: after every attempt the loop calls `onAttemptEnded`.
 */
import type { Logger } from 'pino';
import type { MiniBatchRecord } from '../core/jobs.ts';
import type { JobRepository } from '../store/contract.ts';
import { recordAttempt } from './attempts.ts';
import type { AttemptLabels, EngineMetrics } from './engine-metrics.ts';
import type { JobPlan } from './job-plan.ts';
import { describeError } from '../runtimes/worker-protocol.ts';
import { WorkerPoolClosedError, type AttemptResult } from './pool/attempt-result.ts';
import type { WorkerPool } from './pool/worker-pool.ts';
import type { QueuedTask, TaskQueue } from './queue/contract.ts';

/** One instance of the job: its pool, the node name attempts are recorded under, attempts running. */
export interface LoopPool {
  pool: WorkerPool;
  node: string;
  busy: number;
}

export interface JobLoopDeps {
  plan: Pick<JobPlan, 'name' | 'input' | 'partPath' | 'errorView'> & {
    /**
     * Stores a succeeded attempt's part where the job's driver reads it (a worker on another machine
     * uploads it to the artifact store); it runs after the slot is free for the next attempt, and an
     * attempt whose part cannot be kept fails like any other.
     */
    keepPart?: (index: number, path: string) => Promise<void>;
  };
  queue: TaskQueue;
  store: JobRepository;
  pools: readonly LoopPool[];
  lease: { owner: string; ms: number };
  maxRetries: number;
  /** Mini-batches after the one starting whose files are prefetched (remote inputs only). */
  prefetchDepth: number;
  /**
   * Tasks leased ahead of the free slots, whose files download while the slots score (remote inputs):
   * for a loop that shares its job's queue with others (a `nightshift worker`), where the next index is
   * likely someone else's and `prefetchDepth` would fetch files another worker scores.
   */
  leaseAhead?: number;
  /**
   * Tasks leased for this loop before it existed (a worker leases while it fetches the model), whose
   * files are already on their way: started first, as tasks leased ahead are.
   */
  leased?: readonly QueuedTask[];
  /** Before the first attempt this loop starts. */
  onFirstAttempt(): Promise<void>;
  /** After every attempt, recorded or lost to a closed pool. */
  onAttemptEnded(): void;
  /** Told of every attempt started and recorded, under the job's endpoint, deployment and compute. */
  metrics?: { sink: EngineMetrics; labels: AttemptLabels };
  logger: Logger;
}

export interface JobLoop {
  /** Leases and dispatches as many mini-batches as there are idle workers; calls coalesce. */
  pump(): void;
  /** No more leasing; attempts already running finish (or are killed with their pool). */
  stop(): void;
  /** Task ids leased and not yet acked or nacked (their leases need heartbeats). */
  inflight(): string[];
}

/** An attempt that was run (or failed before it could be) and the local paths it was given. */
interface Attempted {
  localFiles: string[];
  result: AttemptResult;
}

export function createJobLoop(deps: JobLoopDeps): JobLoop {
  const { plan, queue, store, lease } = deps;
  const inflight = new Set<string>();
  // Leased ahead, not started: their files are downloading; the next free slot takes the oldest.
  const ahead: QueuedTask[] = [...(deps.leased ?? [])];
  let stopped = false;
  let pumping = false;
  let again = false;
  let first = true;
  const prefetched = new Set<number>();
  // Settles once the attempt last started has its files here (or will not need them): a task leased ahead
  // downloads after them, not beside them, so the first attempt of a worker that just joined gets its
  // files at the store's full speed.
  let starting: Promise<void> = Promise.resolve();
  const isStopped = () => stopped;

  /**
   * Runs a started attempt on the pool. Whatever fails on the way there (an input the datastore now
   * refuses to hand out, say) is the attempt's failure, recorded and retried like any other, so one
   * mini-batch can never leave its job stuck. Undefined when the pool is closed: the job ended or the
   * server stops, and the lease is left for removal or resume.
   */
  async function attempt(
    mb: MiniBatchRecord,
    slot: LoopPool,
    filesHere: () => void,
  ): Promise<Attempted | undefined> {
    const started = performance.now();
    let localFiles: string[] = [];
    // Every file fetched is released when the attempt is over, even when another one failed to come.
    const fetched: string[] = [];
    const fetch = async (file: string) => {
      const local = await plan.input.local(file);
      fetched.push(local);
      return local;
    };
    try {
      localFiles = await Promise.all(mb.files.map(fetch)).finally(filesHere);
      const partPath = plan.partPath(mb.index);
      const run = { miniBatchId: mb.id, files: localFiles, partPath, attempt: mb.attempts };
      return { localFiles, result: await slot.pool.run(run) };
    } catch (error) {
      if (error instanceof WorkerPoolClosedError) return undefined;
      const where = { err: error, job: plan.name, miniBatch: mb.index };
      deps.logger.warn(where, 'a mini-batch attempt could not be dispatched');
      const elapsedMs = performance.now() - started;
      const result: AttemptResult = {
        ok: false,
        kind: 'dispatch',
        ...describeError(error),
        worker: slot.node,
        elapsedMs,
      };
      return { localFiles, result };
    } finally {
      plan.input.release(fetched);
    }
  }

  /**
   * The files of mini-batches `from`..`to` (by index, the queue's order) start downloading into the cache.
   * Each index is asked for once; what is not pending any more is skipped.
   */
  async function prefetchRange(from: number, to: number): Promise<void> {
    if (!plan.input.remote) return;
    for (let next = from; next <= to; next++) {
      if (prefetched.has(next)) continue;
      prefetched.add(next);
      const mb = await store.getMiniBatch(plan.name, next);
      if (!mb) return;
      if (mb.state === 'pending') plan.input.prefetch(mb.files);
    }
  }

  const prefetchFailed = (error: unknown) => {
    deps.logger.debug({ err: error, job: plan.name }, 'prefetch lookup failed');
  };
  // While the workers start and load the model, the first mini-batches of every slot, and the ones
  // after them, are already downloading: a remote job's first attempts need not wait for their files.
  void prefetchRange(0, 2 * deps.prefetchDepth - 1).catch(prefetchFailed);

  /** The attempt as it counts once its part is kept (keepPart), or as a failure when it cannot be. */
  async function keep(index: number, ran: Attempted, slot: LoopPool): Promise<Attempted> {
    const { result } = ran;
    if (!plan.keepPart || !result.ok || result.outcome.rowsWritten === 0) return ran;
    try {
      await plan.keepPart(index, plan.partPath(index));
      return ran;
    } catch (error) {
      const { message } = describeError(error);
      const failure: AttemptResult = {
        ok: false,
        kind: 'dispatch',
        message: `The part of this mini-batch could not be stored: ${message}`,
        worker: slot.node,
        elapsedMs: result.elapsedMs,
      };
      return { ...ran, result: failure };
    }
  }

  async function dispatch(
    task: QueuedTask,
    slot: LoopPool,
    free: () => void,
    filesHere: () => void,
  ): Promise<void> {
    const mb = await store.startAttempt(plan.name, task.index, slot.node);
    if (!mb) {
      await queue.ack(task.id, lease.owner);
      return;
    }
    if (first) {
      first = false;
      // The job's own step, not this attempt's: its failure is logged as such and the attempt still runs.
      await deps.onFirstAttempt().catch((error: unknown) => {
        deps.logger.error({ err: error, job: plan.name }, 'marking the job Running failed');
      });
    }
    // While this mini-batch scores, the files of the next ones are downloaded into the cache.
    void prefetchRange(mb.index + 1, mb.index + deps.prefetchDepth).catch(prefetchFailed);
    deps.metrics?.sink.attemptStarted(deps.metrics.labels);
    const ran = await attempt(mb, slot, filesHere);
    if (ran === undefined) return;
    // The worker process is free: the slot takes its next mini-batch while this one is recorded.
    free();
    pump();
    const attempted = await keep(mb.index, ran, slot);
    const retry = await recordAttempt(store, plan, { mb, ...attempted, maxRetries: deps.maxRetries });
    const { ok, elapsedMs } = attempted.result;
    const outcome = ok ? 'succeeded' : retry ? 'retried' : 'failed';
    deps.metrics?.sink.attemptEnded(deps.metrics.labels, outcome, elapsedMs);
    if (retry) await queue.nack(task.id, lease.owner, 0);
    else await queue.ack(task.id, lease.owner);
  }

  function start(task: QueuedTask, slot: LoopPool): void {
    slot.busy++;
    inflight.add(task.id);
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      slot.busy--;
    };
    let filesHere: () => void = () => undefined;
    starting = new Promise<void>((resolve) => (filesHere = resolve));
    void dispatch(task, slot, free, filesHere)
      .catch((error: unknown) => {
        deps.logger.error({ err: error, job: plan.name, task: task.id }, 'dispatch failed');
      })
      .finally(() => {
        // An attempt that never got as far as its files (not started, say) holds nothing back either.
        filesHere();
        free();
        inflight.delete(task.id);
        deps.onAttemptEnded();
      });
  }

  /** Starts downloading the files of a task leased ahead (its lookup failing only loses the head start). */
  function prefetchTask(task: QueuedTask): void {
    void Promise.all([store.getMiniBatch(plan.name, task.index), starting])
      .then(([mb]) => {
        if (mb?.state === 'pending') plan.input.prefetch(mb.files);
      })
      .catch(prefetchFailed);
  }

  async function pumpOnce(): Promise<void> {
    const extra = plan.input.remote ? (deps.leaseAhead ?? 0) : 0;
    for (const slot of deps.pools) {
      let idle = slot.pool.workers() - slot.busy;
      if (isStopped()) return;
      for (; idle > 0 && ahead.length > 0; idle--) start(ahead.shift() as QueuedTask, slot);
      const wanted = idle + Math.max(0, extra - ahead.length);
      if (wanted <= 0) continue;
      const leased = await queue.lease(lease.owner, plan.name, wanted, lease.ms);
      for (const task of leased) {
        if (isStopped()) {
          // Stopped while the lease was on its way: back to the queue, as stop() does with the rest.
          queue.nack(task.id, lease.owner, 0).catch(prefetchFailed);
        } else if (idle > 0) {
          idle--;
          start(task, slot);
        } else {
          ahead.push(task);
          prefetchTask(task);
        }
      }
    }
  }

  function pump(): void {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    void pumpOnce()
      .catch((error: unknown) => {
        deps.logger.error({ err: error, job: plan.name }, 'pump failed');
      })
      .finally(() => {
        pumping = false;
        if (again) {
          again = false;
          pump();
        }
      });
  }

  return {
    pump,
    stop() {
      stopped = true;
      // Never started: back to the queue at once, for another worker, rather than when the lease lapses.
      for (const task of ahead.splice(0)) {
        queue.nack(task.id, lease.owner, 0).catch(prefetchFailed);
      }
    },
    inflight: () => [...inflight, ...ahead.map((t) => t.id)],
  };
}
