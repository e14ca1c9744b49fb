/**
 * The work loop of one job, in the shape of pg-boss's and BullMQ's worker loops: for every pool slot
 * that holds a worker and has no attempt, lease a mini-batch id from the queue, start the attempt in
 * the store, run it on the pool, record how it ended (attempts.ts) and ack or nack the lease. The
 * queue, the store and the pools come in from outside, so another queue or store plugs in unchanged.
 * The job's ending is not decided here: after every attempt the loop calls `onAttemptEnded`.
 */
import type { Logger } from 'pino';
import type { JobRepository } from '../store/contract.ts';
import { recordAttempt } from './attempts.ts';
import type { JobPlan } from './job-plan.ts';
import { WorkerPoolClosedError } from './pool/attempt-result.ts';
import type { WorkerPool } from './pool/worker-pool.ts';
import type { QueuedTask, TaskQueue } from './queue/contract.ts';

/** One instance of the job: its pool, the node name attempts are recorded under, attempts running. */
export interface LoopPool {
  pool: WorkerPool;
  node: string;
  busy: number;
}

export interface JobLoopDeps {
  plan: JobPlan;
  queue: TaskQueue;
  store: JobRepository;
  pools: readonly LoopPool[];
  lease: { owner: string; ms: number };
  maxRetries: number;
  /** Before the first attempt this loop starts. */
  onFirstAttempt(): Promise<void>;
  /** After every attempt, recorded or lost to a closed pool. */
  onAttemptEnded(): void;
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

export function createJobLoop(deps: JobLoopDeps): JobLoop {
  const { plan, queue, store, lease } = deps;
  const inflight = new Set<string>();
  let stopped = false;
  let pumping = false;
  let again = false;
  let first = true;
  const isStopped = () => stopped;

  async function dispatch(task: QueuedTask, slot: LoopPool): Promise<void> {
    const mb = await store.startAttempt(plan.name, task.index, slot.node);
    if (!mb) {
      await queue.ack(task.id, lease.owner);
      return;
    }
    if (first) {
      first = false;
      await deps.onFirstAttempt();
    }
    const localFiles = mb.files.map((file) => plan.input.local(file));
    const run = {
      miniBatchId: mb.id,
      files: localFiles,
      partPath: plan.partPath(mb.index),
      attempt: mb.attempts,
    };
    const result = await slot.pool.run(run).catch((error: unknown) => {
      if (error instanceof WorkerPoolClosedError) return undefined;
      throw error;
    });
    // A closed pool means the job ended or the server stops: the lease is left for removal or resume.
    if (result === undefined) return;
    const retry = await recordAttempt(store, plan, { mb, localFiles, result, maxRetries: deps.maxRetries });
    if (retry) await queue.nack(task.id, lease.owner, 0);
    else await queue.ack(task.id, lease.owner);
  }

  function start(task: QueuedTask, slot: LoopPool): void {
    slot.busy++;
    inflight.add(task.id);
    void dispatch(task, slot)
      .catch((error: unknown) => {
        deps.logger.error({ err: error, job: plan.name, task: task.id }, 'dispatch failed');
      })
      .finally(() => {
        slot.busy--;
        inflight.delete(task.id);
        deps.onAttemptEnded();
      });
  }

  async function pumpOnce(): Promise<void> {
    for (const slot of deps.pools) {
      const idle = slot.pool.workers() - slot.busy;
      if (idle <= 0 || isStopped()) continue;
      for (const task of await queue.lease(lease.owner, plan.name, idle, lease.ms)) start(task, slot);
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
    },
    inflight: () => [...inflight],
  };
}
