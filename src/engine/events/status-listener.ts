/**
 * The one hook between the engine and job events: a JobRepository that tells a listener after each
 * recorded status change. Every status a job takes is written through `JobRepository.update` (guarded by
 * the statuses it may leave), so wrapping that one call sees every change the engine makes, in the order
 * the store took them, without touching the engine's code paths. The listener is called synchronously
 * after the write and must not block: it only hands the change on (see dispatcher.ts); a listener that
 * throws is logged and never fails the job.
 */
import type { JobRecord } from '../../core/jobs.ts';
import type { JobRepository } from '../../store/contract.ts';

export interface JobStatusListener {
  statusChanged(job: JobRecord): void;
}

/**
 * `jobs` with `update` reporting status changes to `listener`. A guard that lets a job "change" to the
 * status it already has (Finalizing from Finalizing) is not a change: the last status seen per job is
 * remembered until the job ends.
 */
export function observeJobStatus(
  jobs: JobRepository,
  listener: JobStatusListener,
  onError: (error: unknown) => void,
): JobRepository {
  const seen = new Map<string, string>();
  const update: JobRepository['update'] = async (name, patch, from) => {
    const updated = await jobs.update(name, patch, from);
    if (updated && patch.status !== undefined && seen.get(updated.name) !== updated.status) {
      if (['Completed', 'Failed', 'Canceled'].includes(updated.status)) seen.delete(updated.name);
      else seen.set(updated.name, updated.status);
      try {
        listener.statusChanged(updated);
      } catch (error) {
        onError(error);
      }
    }
    return updated;
  };
  // A proxy rather than a copy: every other call reaches the repository itself, whatever its shape.
  return new Proxy(jobs, {
    get: (target, property) => (property === 'update' ? update : (Reflect.get(target, property) as unknown)),
  });
}
