/**
 * The BullMQ objects one task queue opens: a single Redis connection, shared by a Queue per Nightshift
 * job (opened when first used) and, for the jobs this process leases from, a Worker in manual mode,
 * which adds the blocking connection every BullMQ Worker has. A job's objects are closed when the job is
 * removed or found gone, and all of them by close(), so no handle keeps the process alive.
 */
import { Queue, RedisConnection, Worker } from 'bullmq';
import type { RedisClient, RedisOptions } from 'bullmq';
import { createLeaseScripts, type LeaseScripts } from './lease-scripts.ts';
import type { QueueKeys } from './names.ts';

/** What a BullMQ job of ours carries: the task as the contract gives it. */
export interface TaskData {
  id: string;
  job: string;
  index: number;
}

export interface QueueSetOptions {
  connection: string | RedisOptions;
  prefix: string;
  keys: QueueKeys;
  /** How long a task claimed by a Worker stays locked before it is recorded as a lease. */
  claimLockMs: number;
  onError: (error: Error) => void;
}

export interface QueueSet {
  /** The shared client, with our scripts on it. */
  readonly ready: Promise<{ client: RedisClient; scripts: LeaseScripts }>;
  queue(queueName: string): Promise<Queue<TaskData>>;
  worker(queueName: string): Promise<Worker<TaskData>>;
  /** Closes a job's Queue and Worker, if this process opened them. */
  drop(queueName: string): Promise<void>;
  close(): Promise<void>;
}

interface Opened {
  queue: Queue<TaskData>;
  worker?: Worker<TaskData>;
}

export function createQueueSet(options: QueueSetOptions): QueueSet {
  const { prefix, onError } = options;
  // maxRetriesPerRequest: null is what BullMQ requires of a connection its Workers share.
  const base = typeof options.connection === 'string' ? { url: options.connection } : options.connection;
  const connection = new RedisConnection({ ...base, maxRetriesPerRequest: null });
  // A Redis that restarts or drops the connection is reported here (ioredis reconnects by itself); an
  // 'error' nobody listens to would end the process.
  connection.on('error', onError);
  const ready = connection.client.then((client) => ({
    client,
    scripts: createLeaseScripts(client, options.keys),
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

  return {
    ready,
    async queue(queueName) {
      return openWith((await ready).client, queueName).queue;
    },
    async worker(queueName) {
      const { client } = await ready;
      const entry = openWith(client, queueName);
      // Manual mode: no processor, never run.
      entry.worker ??= new Worker<TaskData>(queueName, null, {
        connection: client,
        prefix,
        autorun: false,
        lockDuration: options.claimLockMs,
      }).on('error', onError);
      return entry.worker;
    },
    async drop(queueName) {
      const entry = opened.get(queueName);
      opened.delete(queueName);
      await entry?.worker?.close();
      await entry?.queue.close();
    },
    async close() {
      for (const queueName of [...opened.keys()]) await this.drop(queueName);
      await connection.close();
    },
  };
}
