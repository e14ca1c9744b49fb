/**
 * The task queue contract. A queue only delivers mini-batch ids to workers; the metadata store stays the
 * source of truth for state, attempts and counts. Task ids are deterministic (job + mini-batch index), so
 * enqueueing the same task twice (e.g. on resume after a crash) is a no-op. Implemented by a leased
 * SQLite table (embedded) and by BullMQ on Redis (scale-out, bullmq-queue.ts); both end leases on the
 * clock they are given, only through reclaimExpired, so delivery is at least once.
 */

import { miniBatchId } from '../../core/jobs.ts';

export interface QueuedTask {
  id: string;
  job: string;
  index: number;
}

export interface TaskQueue {
  /** Adds tasks; ids already in the queue are left as they are. */
  enqueue(tasks: readonly QueuedTask[]): Promise<void>;
  /** Leases up to `max` ready tasks of a job to `owner` for `leaseMs`, oldest first. */
  lease(owner: string, job: string, max: number, leaseMs: number): Promise<QueuedTask[]>;
  /** Extends a lease the owner still holds; false when it was lost. */
  heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /** The task is done (whatever its outcome): removes it. */
  ack(id: string, owner: string): Promise<void>;
  /** Puts a leased task back, ready again after `delayMs`. */
  nack(id: string, owner: string, delayMs: number): Promise<void>;
  /** Removes every task of a job (cancel, or a job that failed on its error threshold). */
  removeJob(job: string): Promise<number>;
  /** Leases that ended before `asOf` (epoch ms) go back to ready; returns how many. */
  reclaimExpired(asOf: number): Promise<number>;
  /** Tasks of a job still in the queue, ready or leased. */
  pending(job: string): Promise<{ ready: number; leased: number }>;
}

/** The tasks of these mini-batches of a job (ids are deterministic, so queueing them twice is a no-op). */
export function tasksOf(job: string, indexes: readonly number[]): QueuedTask[] {
  return indexes.map((index) => ({ id: miniBatchId(job, index), job, index }));
}
