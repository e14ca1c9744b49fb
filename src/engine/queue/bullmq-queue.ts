/**
 * The scale-out task queue: BullMQ on Redis, shared by servers and `nightshift worker` processes on any
 * number of machines. Workers lease per Nightshift job, so each job is one BullMQ queue (names in
 * bullmq/names.ts) and each task one BullMQ job whose id is the task's: Queue.addBulk with that id makes
 * enqueue idempotent, a Worker in manual mode claims with getNextJob(token) (BullMQ's atomic move to
 * active, so two owners never get the same task), and the holder's token, BullMQ's lock, is checked by
 * BullMQ's own scripts when a task is completed (ack, removed on completion so the id can be enqueued
 * again), moved back to wait (nack, reclaim) or to delayed (nack with a delay). What BullMQ cannot do is
 * end leases on the contract's clock: its locks expire on Redis's wall clock and its delayed jobs are
 * promoted on the client's Date.now(). So lease deadlines and nack ready times are kept beside BullMQ's
 * state, on the injectable clock (bullmq/lease-scripts.ts), and BullMQ's stalled-job checker is not run:
 * `reclaimExpired` is the one way a lease ends, as in the SQLite queue.
 */
import { ErrorCode, Job } from 'bullmq';
import type { RedisOptions } from 'bullmq';
import type { QueuedTask, TaskQueue } from './contract.ts';
import type { QueuedRef } from './bullmq/lease-scripts.ts';
import { bullIdOf, queueKeysOf, queueNameOf, tokenOf, type QueueKeys } from './bullmq/names.ts';
import { createQueueSet, type QueueSet, type TaskData } from './bullmq/queue-set.ts';

export interface BullmqTaskQueueOptions {
  /** A redis:// or rediss:// URL, or ioredis options as BullMQ takes them. */
  connection: string | RedisOptions;
  /** Key prefix of every queue and of our bookkeeping (BullMQ's `prefix`); `nightshift` unless told. */
  prefix?: string;
  /** The clock leases and nack delays run on (epoch ms). */
  now?: () => number;
  /**
   * How much longer than a lease BullMQ's lock lives in Redis: only a task left behind by a process that
   * died between two steps waits for it (60 s unless told). Leases themselves end on `now`.
   */
  lockGraceMs?: number;
  /** Connection errors BullMQ reports as events (operations also reject on their own). */
  onError?: (error: Error) => void;
}

export interface BullmqTaskQueue extends TaskQueue {
  /** Closes every Queue, Worker and connection it opened. */
  close(): Promise<void>;
}

interface Context {
  set: QueueSet;
  keys: QueueKeys;
  now: () => number;
  lockGraceMs: number;
}

// A nacked task waits in BullMQ's delayed set with a delay this long, so that BullMQ never promotes it
// on its own clock; lease() promotes it when its ready time (kept by us) comes. BullMQ scores delayed
// jobs as timestamp × 4096, so this must stay well short of 2^53 / 4096 ms from now.
const PARKED_MS = 365 * 24 * 3600 * 1000;

// BullMQ's answers when the task is no longer where the caller thought: gone, lock lost, moved.
const LOST = new Set<number>([
  ErrorCode.JobNotExist,
  ErrorCode.JobLockNotExist,
  ErrorCode.JobNotInState,
  ErrorCode.JobLockMismatch,
]);

async function unlessLost(operation: Promise<unknown>): Promise<boolean> {
  try {
    await operation;
    return true;
  } catch (error) {
    if (LOST.has((error as { code?: unknown }).code as number)) return false;
    throw error;
  }
}

export function createBullmqTaskQueue(options: BullmqTaskQueueOptions): BullmqTaskQueue {
  const prefix = options.prefix ?? 'nightshift';
  const keys = queueKeysOf(prefix);
  const lockGraceMs = options.lockGraceMs ?? 60_000;
  const set = createQueueSet({
    connection: options.connection,
    prefix,
    keys,
    // A claim not yet recorded as a lease is only ever that of a process that died in between.
    claimLockMs: lockGraceMs,
    onError: options.onError ?? (() => undefined),
  });
  const context: Context = { set, keys, now: options.now ?? Date.now, lockGraceMs };
  return { ...queueOperations(context), ...holderOperations(context), close: () => set.close() };
}

/** The operations on a job's tasks as a whole: enqueue, count, remove, reclaim. */
function queueOperations({ set }: Context) {
  return {
    async enqueue(tasks: readonly QueuedTask[]): Promise<void> {
      const { scripts } = await set.ready;
      for (const [job, own] of Map.groupBy(tasks, (t) => t.job)) {
        const queueName = queueNameOf(job);
        const bullIds = own.map((t) => bullIdOf(t.id));
        // The index first: a task BullMQ holds is always one heartbeat, ack and nack can find.
        await scripts.register(queueName, bullIds);
        const queue = await set.queue(queueName);
        await queue.addBulk(
          own.map((t, i) => ({
            name: 'mini-batch',
            data: { id: t.id, job: t.job, index: t.index },
            opts: { jobId: bullIds[i] },
          })),
        );
      }
    },

    async removeJob(job: string): Promise<number> {
      const { scripts } = await set.ready;
      const queueName = queueNameOf(job);
      const queue = await set.queue(queueName);
      const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
      await queue.obliterate({ force: true });
      await scripts.forget(queueName);
      await set.drop(queueName);
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },

    async reclaimExpired(asOf: number): Promise<number> {
      const { scripts } = await set.ready;
      const expired = await scripts.expire(asOf);
      // Back to wait from the far end, so the first to expire is the first leased again.
      for (const ref of expired.toReversed()) {
        const queue = await set.queue(ref.queue);
        await unlessLost(queue.getBackend().moveJobFromActiveToWait(ref.bullId, '0'));
      }
      return expired.length;
    },

    async pending(job: string): Promise<{ ready: number; leased: number }> {
      const queueName = queueNameOf(job);
      const queue = await set.queue(queueName);
      const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
      const ready = (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
      const leased = counts.active ?? 0;
      if (ready + leased === 0) await dropIfGone(set, queueName);
      return { ready, leased };
    },
  };
}

/** The operations of an owner on the tasks it leases. */
function holderOperations({ set, keys, now, lockGraceMs }: Context) {
  /** Where a task lives, or undefined when no queue of this prefix knows its id. */
  async function locate(id: string): Promise<QueuedRef | undefined> {
    const { client } = await set.ready;
    const bullId = bullIdOf(id);
    const queue = await client.hget(keys.index, bullId);
    return queue === null ? undefined : { queue, bullId };
  }

  return {
    async lease(owner: string, job: string, max: number, leaseMs: number): Promise<QueuedTask[]> {
      if (max <= 0) return [];
      const { scripts } = await set.ready;
      const queueName = queueNameOf(job);
      await promoteDue(set, queueName, now());
      const token = tokenOf(owner);
      const taken = await claim(set, queueName, token, max);
      if (taken.length === 0) {
        await dropIfGone(set, queueName);
        return [];
      }
      const ids = taken.map((j) => j.id ?? '');
      const deadline = now() + leaseMs;
      const adopted = new Set(await scripts.adopt(queueName, token, ids, deadline, leaseMs + lockGraceMs));
      return taken
        .filter((j) => adopted.has(j.id ?? ''))
        .map((j): QueuedTask => ({ id: j.data.id, job: j.data.job, index: j.data.index }))
        .sort((a, b) => a.index - b.index);
    },

    async heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean> {
      const { scripts } = await set.ready;
      const ref = await locate(id);
      if (ref === undefined) return false;
      return scripts.heartbeat(ref, tokenOf(owner), now() + leaseMs, leaseMs + lockGraceMs);
    },

    async ack(id: string, owner: string): Promise<void> {
      const { scripts } = await set.ready;
      const ref = await locate(id);
      const token = tokenOf(owner);
      if (ref === undefined || !(await scripts.release(ref, token))) return;
      const job = await Job.fromId<TaskData>(await set.queue(ref.queue), ref.bullId);
      if (job !== undefined) await unlessLost(job.moveToCompleted(null, token, false));
    },

    async nack(id: string, owner: string, delayMs: number): Promise<void> {
      const { scripts } = await set.ready;
      const ref = await locate(id);
      const token = tokenOf(owner);
      const parked = delayMs > 0;
      const readyAt = parked ? now() + delayMs : undefined;
      if (ref === undefined || !(await scripts.release(ref, token, readyAt))) return;
      const backend = (await set.queue(ref.queue)).getBackend();
      const opts = { skipAttempt: true };
      await unlessLost(
        parked
          ? backend.moveToDelayed(ref.bullId, Date.now(), PARKED_MS, token, opts)
          : backend.moveJobFromActiveToWait(ref.bullId, token),
      );
    },
  };
}

/** Puts the nacked tasks of a queue whose time has come back in wait, through BullMQ's promote. */
async function promoteDue(set: QueueSet, queueName: string, now: number): Promise<void> {
  const { scripts } = await set.ready;
  const due = await scripts.due(queueName, now);
  if (due.length === 0) return;
  const backend = (await set.queue(queueName)).getBackend();
  for (const bullId of due) await unlessLost(backend.promote(bullId));
  await scripts.unpark(queueName, due);
}

/** BullMQ's claims, one getNextJob at a time, up to `max` (fewer when the queue runs dry). */
async function claim(set: QueueSet, queueName: string, token: string, max: number): Promise<Job<TaskData>[]> {
  const worker = await set.worker(queueName);
  const taken: Job<TaskData>[] = [];
  while (taken.length < max) {
    const job = (await worker.getNextJob(token, { block: false })) as Job<TaskData> | undefined;
    if (job === undefined) break;
    taken.push(job);
  }
  return taken;
}

/**
 * A job another process removed leaves this one's Queue and Worker for it open; an empty queue whose
 * job no longer has tasks anywhere is closed here, so a long-lived worker does not collect them.
 */
async function dropIfGone(set: QueueSet, queueName: string): Promise<void> {
  const { scripts } = await set.ready;
  if (!(await scripts.known(queueName))) await set.drop(queueName);
}
