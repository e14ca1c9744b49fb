/**
 * The end of a job, once no mini-batch is open (or it failed or was canceled): the rest of the output
 * file is assembled and takes its name, the status and its one-line reason are decided, manifest.json
 * and the log tree's job_result.txt and processed_mini-batches.csv are written, and only then, when its
 * workers are gone too, does the job turn Completed, Failed or Canceled. A client that sees a terminal
 * status can therefore read the output, the manifest and every log at once. A job that could not be
 * planned has no output or log tree to finish: it records why (PreparationFailed) and turns terminal at
 * once. Both ways end through `recordEnd`, the one place a job turns terminal and says so in the log.
 */
import type { Logger } from 'pino';
import { describeError } from '../runtimes/worker-protocol.ts';
import { ENDABLE_STATUSES, type JobRecord, type JobStatus } from '../core/jobs.ts';
import type { JobRepository } from '../store/contract.ts';
import type { createJobLogs } from './job-logs.ts';
import type { JobPlan } from './job-plan.ts';
import { inputDigests, writeManifest } from './manifest.ts';
import type { OutputAssembler } from './output-assembler.ts';
import type { TaskQueue } from './queue/contract.ts';
import { createErrorScrubber } from './error-view.ts';

/** How a job ends early; a job that runs to the end decides its status from its counts. */
export interface Ending {
  status: Extract<JobStatus, 'Failed' | 'Canceled'>;
  result: string;
}

export interface FinalizerDeps {
  store: JobRepository;
  plan: JobPlan;
  assembler: OutputAssembler;
  logs: ReturnType<typeof createJobLogs>;
  now: () => Date;
  logger: Logger;
}

/**
 * Finalizes the job; `closing` resolves when its workers have exited (and flushed their last log lines),
 * which may happen while the output is assembled.
 */
export async function finalizeJob(
  deps: FinalizerDeps,
  ending: Ending | undefined,
  closing: Promise<void>,
): Promise<void> {
  const { store, plan } = deps;
  const job = await store.get(plan.name);
  if (!job) throw new Error(`job ${plan.name} vanished`);
  const batches = await store.miniBatches(plan.name);
  const counts = await store.counts(plan.name);
  const output = await deps.assembler.finish((index) => store.getMiniBatch(plan.name, index));
  let status: JobStatus = 'Completed';
  let result = `${counts.items.succeeded} of ${counts.items.total} item(s) succeeded in ${counts.miniBatches.total} mini-batch(es).`;
  if (ending) ({ status, result } = ending);
  else if (counts.items.succeeded === 0) {
    status = 'Failed';
    result = 'There is no succeeded mini batch item returned from run().';
  }
  // The script's own files reach a remote output folder before the manifest that vouches for them.
  const published = await plan.output.publish().catch((error: unknown) => {
    deps.logger.error({ err: error, job: plan.name }, 'uploading the output folder failed');
    status = 'Failed';
    result = `Uploading the files the scoring script wrote to the output folder failed: ${plan.scrub.text(describeError(error).message)}`;
    return 0;
  });
  const endedAt = deps.now().toISOString();
  const final: JobRecord = { ...job, status, result, endedAt };
  const inputs = await inputDigests(plan, batches, job.input.digests);
  await writeManifest(plan, final, { counts, inputs, output, published });
  await deps.logs.init();
  await deps.logs.result(final, batches);
  await closing;
  const { miniBatches, items, rows } = counts;
  await recordEnd(deps, plan.name, { status, result, endedAt }, { miniBatches, items, rows });
}

/** The job turns terminal (from any status it may end from) and the server's log says so, once. */
export async function recordEnd(
  deps: { store: JobRepository; logger: Logger },
  name: string,
  end: { status: JobStatus; result: string; endedAt: string },
  details: Record<string, unknown> = {},
  from: readonly JobStatus[] = ENDABLE_STATUSES,
): Promise<void> {
  if (await deps.store.update(name, end, from)) {
    deps.logger.info(
      { job: name, status: end.status, ...details },
      `job ended: ${end.status}. ${end.result}`,
    );
  }
}

/**
 * Ends a job that could not be planned (`error` says why): its open work is dropped, its first error is
 * the reason, and it turns Failed, or Canceled when a cancel was what ended it.
 */
export async function endUnplanned(
  deps: Pick<FinalizerDeps, 'store' | 'now' | 'logger'> & { queue: TaskQueue; dataDir: string },
  name: string,
  error: unknown,
  ending: Ending | undefined,
): Promise<void> {
  deps.logger.warn({ err: error, job: name }, 'job could not be planned');
  const scrub = createErrorScrubber({ dataDir: deps.dataDir, folders: [] });
  const message = scrub.text(describeError(error).message);
  await deps.queue.removeJob(name);
  await deps.store.cancelOpen(name);
  await deps.store.setFirstError(name, { code: 'PreparationFailed', message });
  const { status, result } = ending ?? { status: 'Failed', result: `The job could not start: ${message}` };
  await recordEnd(deps, name, { status, result, endedAt: deps.now().toISOString() });
}
