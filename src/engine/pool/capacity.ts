/**
 * The server's worker capacity: how many worker processes may be alive at once, across every job's
 * pools and the spare reserve (`maxWorkers`). A process is forked only under a permit, and a permit goes
 * back only once its process has exited, so the count of live workers never passes the cap however
 * many jobs are invoked at once.
 *
 * Permits that free up go to waiting requests by rank, then in request order. The scheduler ranks jobs
 * in the order they arrived, so the oldest waiting job is served first (FIFO by job) and a job that
 * holds no permit yet waits, `Queued`, until others finish.
 *
 * Warm processes held in reserve for one compute's idle nodes (compute-capacity.ts) hold permits that
 * no other job can adopt; a request that has to wait tells the `onShortage` listeners, so those reserves
 * give a process up rather than starve a job of the server's workers.
 */

export interface WorkerPermit {
  /** Gives the permit back; a second call does nothing. */
  release(): void;
}

export interface PermitRequest {
  /** The permit, or undefined when the request was canceled first. */
  readonly granted: Promise<WorkerPermit | undefined>;
  /** Withdraws a request still waiting; a permit already granted is released. */
  cancel(): void;
}

export interface WorkerCapacity {
  readonly max: number;
  /** A permit now, or undefined when all are taken. */
  tryAcquire(): WorkerPermit | undefined;
  /** A permit when one is free; lower ranks are served first, equal ranks in request order. */
  request(rank: number): PermitRequest;
  /** Permits held now. */
  inUse(): number;
  /** The most permits ever held at once (for the bench and tests). */
  peak(): number;
  /** Requests waiting for a permit. */
  waiting(): number;
  /** Calls `listener` each time a request has to wait (all permits are held). */
  onShortage(listener: () => void): void;
}

interface Waiter {
  rank: number;
  grant: (permit: WorkerPermit | undefined) => void;
}

export function createWorkerCapacity(max: number): WorkerCapacity {
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`The worker capacity must be a whole number of at least 1 (got ${max}).`);
  }
  let held = 0;
  let peak = 0;
  const waiters: Waiter[] = [];
  const shortage: (() => void)[] = [];

  function permit(): WorkerPermit {
    held += 1;
    peak = Math.max(peak, held);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        held -= 1;
        const next = waiters.shift();
        if (next) next.grant(permit());
      },
    };
  }

  return {
    max,
    tryAcquire: () => (held < max ? permit() : undefined),
    request(rank) {
      if (held < max) {
        const now = permit();
        return {
          granted: Promise.resolve(now),
          cancel: () => {
            now.release();
          },
        };
      }
      let granted: WorkerPermit | undefined;
      let canceled = false;
      let settle: (permit: WorkerPermit | undefined) => void = () => undefined;
      const promise = new Promise<WorkerPermit | undefined>((resolve) => (settle = resolve));
      const waiter: Waiter = {
        rank,
        grant: (p) => {
          granted = p;
          settle(p);
        },
      };
      // After every waiter of the same or a lower rank: equal ranks keep their request order.
      const at = waiters.findIndex((w) => w.rank > rank);
      waiters.splice(at < 0 ? waiters.length : at, 0, waiter);
      for (const listener of shortage) listener();
      return {
        granted: promise,
        cancel() {
          if (canceled) return;
          canceled = true;
          const index = waiters.indexOf(waiter);
          if (index >= 0) {
            waiters.splice(index, 1);
            settle(undefined);
          }
          granted?.release();
        },
      };
    },
    inUse: () => held,
    peak: () => peak,
    waiting: () => waiters.length,
    onShortage(listener) {
      shortage.push(listener);
    },
  };
}

/**
 * How many pools (instances) a job starts and how many slots each has: as the job asks, but within the
 * server's cap (at most `cap` instances, `cap` slots in all) and never more slots than it has `open`
 * (not yet succeeded) mini-batches, so a job resumed with a few left forks only the workers it can use.
 */
export function poolShape(job: { instances: number; perInstance: number; open: number }, cap: number) {
  const open = Math.max(1, job.open);
  const instances = Math.max(1, Math.min(job.instances, cap, open));
  const size = Math.min(job.perInstance, Math.floor(cap / instances), Math.ceil(open / instances));
  return { instances, size: Math.max(1, size) };
}
