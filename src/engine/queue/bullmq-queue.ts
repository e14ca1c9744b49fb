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
import { ErrorCode, Job, Queue, RedisConnection, Worker } from 'bullmq';
import type { RedisClient, RedisOptions } from 'bullmq';
import type { QueuedTask, TaskQueue } from './contract.ts';
import { createLeaseScripts, type LeaseScripts, type QueuedRef } from './bullmq/lease-scripts.ts';
import { bullIdOf, queueKeysOf, queueNameOf, tokenOf } from './bullmq/names.ts';

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

interface TaskData {
  id: string;
  job: string;
  index: number;
}

interface Opened {
  queue: Queue<TaskData>;
  worker?: Worker<TaskData>;
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
  const now = options.now ?? Date.now;
  const lockGraceMs = options.lockGraceMs ?? 60_000;
  const onError = options.onError ?? (() => undefined);
  const keys = queueKeysOf(prefix);
  // One connection for every queue, worker and script of ours; each Worker adds its own blocking one.
  // maxRetriesPerRequest: null is what BullMQ requires of a connection its Workers share.
  const base = typeof options.connection === 'string' ? { url: options.connection } : options.connection;
  const connection = new RedisConnection({ ...base, maxRetriesPerRequest: null });
  const ready: Promise<{ client: RedisClient; scripts: LeaseScripts }> = connection.client.then((client) => ({
    client,
    scripts: createLeaseScripts(client, keys),
  }));
  // Every operation awaits `ready` and rejects with its error; this only keeps a queue nobody has used
  // yet from crashing the process with an unhandled rejection when Redis refuses it.
  ready.catch(() => undefined);
  const opened = new Map<string, Opened>();

  // Synchronous once the client is there, so that concurrent calls for one job share one Queue and
  // one Worker (an await between the look-up and the set would let each make its own, and leak it).
  function openWith(client: RedisClient, queueName: string): Opened {
    let entry = opened.get(queueName);
    if (entry === undefined) {
      const queue = new Queue<TaskData>(queueName, {
        connection: client,
        prefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
      });
      queue.on('error', onError);
      entry = { queue };
      opened.set(queueName, entry);
    }
    return entry;
  }

  async function open(queueName: string): Promise<Opened> {
    return openWith((await ready).client, queueName);
  }

  async function workerOf(queueName: string): Promise<Worker<TaskData>> {
    const { client } = await ready;
    const entry = openWith(client, queueName);
    // Manual mode: no processor, never run; lockDuration is how long a claimed task stays locked
    // before adopt() turns the claim into a lease, i.e. the grace of a claim whose process died.
    entry.worker ??= new Worker<TaskData>(queueName, null, {
      connection: client,
      prefix,
      autorun: false,
      lockDuration: lockGraceMs,
    }).on('error', onError);
    return entry.worker;
  }

  async function closeQueue(queueName: string): Promise<void> {
    const entry = opened.get(queueName);
    opened.delete(queueName);
    await entry?.worker?.close();
    await entry?.queue.close();
  }

  /** Where a task lives, or undefined when no queue of this prefix knows its id. */
  async function locate(id: string): Promise<QueuedRef | undefined> {
    const { client } = await ready;
    const bullId = bullIdOf(id);
    const queue = await client.hget(keys.index, bullId);
    return queue === null ? undefined : { queue, bullId };
  }

  /** Puts the nacked tasks of a queue whose time has come back in wait, through BullMQ's promote. */
  async function promoteDue(queueName: string, scripts: LeaseScripts): Promise<void> {
    const due = await scripts.due(queueName, now());
    if (due.length === 0) return;
    const { queue } = await open(queueName);
    for (const bullId of due) await unlessLost(queue.getBackend().promote(bullId));
    await scripts.unpark(queueName, due);
  }

  async function take(queueName: string, token: string, max: number): Promise<Job<TaskData>[]> {
    const worker = await workerOf(queueName);
    const taken: Job<TaskData>[] = [];
    while (taken.length < max) {
      const job = (await worker.getNextJob(token, { block: false })) as Job<TaskData> | undefined;
      if (job === undefined) break;
      taken.push(job);
    }
    return taken;
  }

  return {
    async enqueue(tasks) {
      const { scripts } = await ready;
      const byJob = Map.groupBy(tasks, (t) => t.job);
      for (const [job, own] of byJob) {
        const queueName = queueNameOf(job);
        const bullIds = own.map((t) => bullIdOf(t.id));
        // The index first: a task BullMQ holds is always one heartbeat, ack and nack can find.
        await scripts.register(queueName, bullIds);
        const { queue } = await open(queueName);
        await queue.addBulk(
          own.map((t, i) => ({
            name: 'mini-batch',
            data: { id: t.id, job: t.job, index: t.index },
            opts: { jobId: bullIds[i] },
          })),
        );
      }
    },

    async lease(owner, job, max, leaseMs) {
      if (max <= 0) return [];
      const { scripts } = await ready;
      const queueName = queueNameOf(job);
      await promoteDue(queueName, scripts);
      const token = tokenOf(owner);
      const taken = await take(queueName, token, max);
      if (taken.length === 0) return [];
      const ids = taken.map((j) => j.id ?? '');
      const adopted = new Set(
        await scripts.adopt(queueName, token, ids, now() + leaseMs, leaseMs + lockGraceMs),
      );
      return taken
        .filter((j) => adopted.has(j.id ?? ''))
        .map((j): QueuedTask => ({ id: j.data.id, job: j.data.job, index: j.data.index }))
        .sort((a, b) => a.index - b.index);
    },

    async heartbeat(id, owner, leaseMs) {
      const { scripts } = await ready;
      const ref = await locate(id);
      if (ref === undefined) return false;
      return scripts.heartbeat(ref, tokenOf(owner), now() + leaseMs, leaseMs + lockGraceMs);
    },

    async ack(id, owner) {
      const { scripts } = await ready;
      const ref = await locate(id);
      const token = tokenOf(owner);
      if (ref === undefined || !(await scripts.release(ref, token))) return;
      const { queue } = await open(ref.queue);
      const job = await Job.fromId<TaskData>(queue, ref.bullId);
      if (job !== undefined) await unlessLost(job.moveToCompleted(null, token, false));
    },

    async nack(id, owner, delayMs) {
      const { scripts } = await ready;
      const ref = await locate(id);
      const token = tokenOf(owner);
      const parked = delayMs > 0;
      if (ref === undefined || !(await scripts.release(ref, token, parked ? now() + delayMs : undefined)))
        return;
      const backend = (await open(ref.queue)).queue.getBackend();
      if (!parked) await unlessLost(backend.moveJobFromActiveToWait(ref.bullId, token));
      else
        await unlessLost(
          backend.moveToDelayed(ref.bullId, Date.now(), PARKED_MS, token, { skipAttempt: true }),
        );
    },

    async removeJob(job) {
      const { scripts } = await ready;
      const queueName = queueNameOf(job);
      const { queue } = await open(queueName);
      const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
      await queue.obliterate({ force: true });
      await scripts.forget(queueName);
      await closeQueue(queueName);
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },

    async reclaimExpired(asOf) {
      const { scripts } = await ready;
      const expired = await scripts.expire(asOf);
      // Back to wait from the far end, so the first to expire is the first leased again.
      for (const ref of expired.toReversed()) {
        const { queue } = await open(ref.queue);
        await unlessLost(queue.getBackend().moveJobFromActiveToWait(ref.bullId, '0'));
      }
      return expired.length;
    },

    async pending(job) {
      const { queue } = await open(queueNameOf(job));
      const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
      const ready = (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
      return { ready, leased: counts.active ?? 0 };
    },

    async close() {
      for (const queueName of [...opened.keys()]) await closeQueue(queueName);
      await connection.close();
    },
  };
}
