/**
 * Which server drives each active job (plans it, dispatches its mini-batches, ends it). Embedded, one
 * server owns the data dir and so every job: its driver name is fixed, so the leases a previous life of
 * the same server left are its own and a restart resumes at once. Scaled out, several servers share the
 * database: each names itself uniquely, takes a job's driver lease in the store when it submits or takes
 * the job over, renews the leases it holds, and a job whose driver stopped renewing (a server killed or
 * cut off) is taken over by whichever server claims the lapsed lease first.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobRecord } from '../core/jobs.ts';
import type { JobRepository } from '../store/contract.ts';

export interface JobDrivers {
  /** This server's name in the leases and in the task queue. */
  readonly owner: string;
  /** Takes or renews the job's lease; false when another live server holds it. */
  claim(job: string): Promise<boolean>;
  release(job: string): Promise<void>;
  /**
   * Whether a job nobody is seen driving may be taken over now. A job still being created (NotStarted)
   * has no lease yet while the server that accepted it prepares it: only one older than a lease's
   * lifetime is left over from a server that died while creating it.
   */
  mayTakeOver(job: JobRecord): boolean;
}

export function createJobDrivers(deps: {
  jobs: JobRepository;
  /** Whether other servers share the store (scaled out). */
  shared: boolean;
  ttlMs: number;
  now: () => number;
}): JobDrivers {
  const owner = deps.shared ? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}` : 'embedded';
  return {
    owner,
    claim: (job) => deps.jobs.claimDriver(job, owner, deps.ttlMs, deps.now()),
    async release(job) {
      await deps.jobs.releaseDriver(job, owner);
    },
    mayTakeOver(job) {
      if (job.status !== 'NotStarted') return true;
      const created = Date.parse(job.systemData.createdAt);
      return !Number.isFinite(created) || deps.now() - created > deps.ttlMs;
    },
  };
}
