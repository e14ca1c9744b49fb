/**
 * What becomes of the mini-batches a `nightshift worker` was running when it stopped heartbeating
 * (killed, its machine gone, or cut off from the store): each attempt ends as a crash, as a worker
 * process that dies under the server's own pool does, so it counts against max_retries and its
 * mini-batch goes back to pending for another worker (or fails when no retry is left). Its queue lease
 * lapses on its own; the driver's reconcile queues the pending mini-batch again if the queue dropped it.
 * Workers are named in the mini-batch records by their node name, which is the name they heartbeat
 * under, so a lost worker is one whose name has no fresh snapshot in the store.
 */
import type { MiniBatchRecord } from '../../core/jobs.ts';
import type { JobRepository } from '../../store/contract.ts';
import { recordAttempt } from '../attempts.ts';
import type { JobPlan } from '../job-plan.ts';

/** Mini-batches the store says are running on a worker that is not in `live` (names of live workers). */
export function lostAttempts(
  batches: readonly MiniBatchRecord[],
  live: ReadonlySet<string>,
): MiniBatchRecord[] {
  return batches.filter((b) => b.state === 'running' && b.worker !== undefined && !live.has(b.worker));
}

export async function chargeLostAttempts(
  store: JobRepository,
  plan: Pick<JobPlan, 'name' | 'errorView'>,
  batches: readonly MiniBatchRecord[],
  maxRetries: number,
): Promise<void> {
  for (const mb of batches) {
    const worker = mb.worker ?? 'unknown';
    const message =
      `Worker '${worker}' stopped heartbeating while it ran this mini-batch (it was killed, or cut off ` +
      'from the store); the attempt counts as a crash and the mini-batch runs again on another worker.';
    const result = { ok: false as const, kind: 'crash' as const, message, worker, elapsedMs: 0 };
    await recordAttempt(store, plan, { mb, localFiles: [], result, maxRetries });
  }
}
