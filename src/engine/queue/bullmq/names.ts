/**
 * How Nightshift names map onto BullMQ's: one BullMQ queue per Nightshift job, and one BullMQ job per
 * task. BullMQ refuses a ':' in queue names and job ids (it separates key segments) and an integer as a
 * custom job id, while job and task ids here are free text, so both are percent-encoded (a bijection, so
 * a BullMQ job id always decodes back to its task id). The bookkeeping keys of ours live under
 * `<prefix>:nightshift:`, which no encoded queue name (always `job.…`) can reach.
 */

/** The BullMQ queue that holds a Nightshift job's tasks. */
export function queueNameOf(job: string): string {
  return `job.${encodeURIComponent(job)}`;
}

/** The BullMQ job id of a task: its id, encoded, with an `id=` mark when that would read as an integer. */
export function bullIdOf(taskId: string): string {
  const encoded = encodeURIComponent(taskId);
  return `${parseInt(encoded, 10)}` === encoded ? `id=${encoded}` : encoded;
}

/** The lock token that says `owner` holds a task (never BullMQ's "0", which means no lock at all). */
export function tokenOf(owner: string): string {
  return `lease:${owner}`;
}

/** The Redis keys of one queue layout under a prefix. */
export interface QueueKeys {
  /** `<prefix>:`, what BullMQ puts before every queue name. */
  readonly base: string;
  /** Hash: BullMQ job id → queue name, so that heartbeat, ack and nack find a task's queue by id. */
  readonly index: string;
  /** Set: the queue names that hold tasks, for the reclaim sweep. */
  readonly queues: string;
  /** Sorted set: BullMQ job id of a leased task → lease deadline, on the queue's injectable clock. */
  readonly leases: string;
  /** Set: every BullMQ job id ever enqueued on a queue, so removing the job clears the index. */
  ids(queue: string): string;
  /** Sorted set: BullMQ job id of a nacked task → when it is ready again, on the injectable clock. */
  parked(queue: string): string;
  /** BullMQ's lock of one job; its value is the holder's token. */
  lock(queue: string, bullId: string): string;
}

export function queueKeysOf(prefix: string): QueueKeys {
  const base = `${prefix}:`;
  const own = `${prefix}:nightshift:`;
  return {
    base,
    index: `${own}index`,
    queues: `${own}queues`,
    leases: `${own}leases`,
    ids: (queue) => `${own}ids:${queue}`,
    parked: (queue) => `${own}parked:${queue}`,
    lock: (queue, bullId) => `${base}${queue}:${bullId}:lock`,
  };
}
