/**
 * Azure's accounting of one mini-batch attempt, recorded in the store: a finished run() counts
 * min(returned, files) items as succeeded and the rest as failed; a failed attempt (exception, timeout,
 * crash, init) goes back for a retry while `max_retries` allows, else all its items fail. The job keeps
 * its first real error (never replaced), in the form its callers may see (error-view.ts). The error
 * threshold is judged on item counts across the job.
 */
import type { JobCounts, JobError, MiniBatchRecord } from '../core/jobs.ts';
import type { DeploymentSettings } from '../core/resources.ts';
import type { JobRepository } from '../store/contract.ts';
import type { JobPlan } from './job-plan.ts';
import type { AttemptResult } from './pool/attempt-result.ts';

type Failure = Extract<AttemptResult, { ok: false }>;
type Success = Extract<AttemptResult, { ok: true }>;

const FAILURE_CODES: Record<Failure['kind'], string> = {
  exception: 'UserScriptError',
  timeout: 'MiniBatchTimeout',
  crash: 'WorkerCrashed',
  init: 'InitFailed',
  dispatch: 'DispatchFailed',
};

function failureError(mb: MiniBatchRecord, result: Failure): JobError {
  return {
    code: FAILURE_CODES[result.kind],
    message: result.message,
    miniBatch: mb.index,
    ...(mb.files[0] ? { file: mb.files[0] } : {}),
    attempt: mb.attempts,
    worker: result.worker,
    ...(result.stack ? { stack: result.stack } : {}),
  };
}

/** The job-level error a finished run() implies: its first failed item, or too few results. */
function successError(mb: MiniBatchRecord, result: Success, datastorePath: (local: string) => string) {
  const { outcome, worker } = result;
  const failure = outcome.itemFailures[0];
  if (failure) {
    return {
      code: 'ItemFailed',
      message: failure.message,
      miniBatch: mb.index,
      file: datastorePath(failure.file),
      attempt: mb.attempts,
      worker,
      ...(failure.stack ? { stack: failure.stack } : {}),
    };
  }
  if (outcome.failed === 0) return undefined;
  return {
    code: 'TooFewResults',
    message: `run() returned ${outcome.succeeded} result(s) for ${mb.files.length} input file(s); the other ${outcome.failed} count as failed.`,
    miniBatch: mb.index,
    attempt: mb.attempts,
    worker,
  };
}

/**
 * Records how an attempt ended; resolves true when the mini-batch goes back for a retry. `localFiles`
 * are the paths the worker was given for `mb.files`, in the same order.
 */
export async function recordAttempt(
  store: JobRepository,
  plan: Pick<JobPlan, 'name' | 'errorView'>,
  attempt: { mb: MiniBatchRecord; localFiles: readonly string[]; result: AttemptResult; maxRetries: number },
): Promise<boolean> {
  const { mb, localFiles, result } = attempt;
  const elapsedMs = Math.round(result.elapsedMs);
  // Workers name the local paths they read; the store names datastore paths.
  const byLocal = new Map(localFiles.map((local, i) => [local, mb.files[i] ?? local]));
  const datastorePath = (local: string) => byLocal.get(local) ?? local;
  if (result.ok) {
    const { outcome } = result;
    const inputs = (outcome.inputs ?? []).map((d) => ({
      path: datastorePath(d.file),
      size: d.size,
      sha256: d.sha256,
    }));
    await store.finishAttempt(plan.name, mb.index, {
      state: 'succeeded',
      ...outcome,
      inputs,
      worker: result.worker,
      elapsedMs,
    });
    const error = successError(mb, result, datastorePath);
    if (error) await store.setFirstError(plan.name, plan.errorView(error));
    return false;
  }
  const error = plan.errorView(failureError(mb, result));
  await store.setFirstError(plan.name, error);
  const retry = mb.attempts <= attempt.maxRetries;
  await store.finishAttempt(plan.name, mb.index, {
    state: retry ? 'pending' : 'failed',
    succeeded: 0,
    failed: retry ? 0 : mb.files.length,
    rowsWritten: 0,
    worker: result.worker,
    elapsedMs,
    error,
  });
  return retry;
}

/** Why the job must fail now on its error threshold, or undefined while it may go on. */
export function thresholdBreach(counts: JobCounts, settings: DeploymentSettings): string | undefined {
  const threshold = settings.errorThreshold;
  if (threshold < 0 || counts.items.failed <= threshold) return undefined;
  return `Exceeded error threshold: ${counts.items.failed} failed item(s), error_threshold is ${threshold}.`;
}
