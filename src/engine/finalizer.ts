/**
 * The end of a job, once no mini-batch is open (or it failed or was canceled): the rest of the output
 * file is assembled and takes its name, the status and its one-line reason are decided, manifest.json
 * and the log tree's job_result.txt and processed_mini-batches.csv are written, and only then, when its
 * workers are gone too, does the job turn Completed, Failed or Canceled. A client that sees a terminal
 * status can therefore read the output, the manifest and every log at once.
 */
import type { Logger } from 'pino';
import { ENDABLE_STATUSES, type JobRecord, type JobStatus } from '../core/jobs.ts';
import type { JobRepository } from '../store/contract.ts';
import type { createJobLogs } from './job-logs.ts';
import type { JobPlan } from './job-plan.ts';
import { inputDigests, writeManifest } from './manifest.ts';
import type { OutputAssembler } from './output-assembler.ts';

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
  const final: JobRecord = { ...job, status, result, endedAt: deps.now().toISOString() };
  await writeManifest(plan, final, { counts, inputs: await inputDigests(plan, batches), output });
  await deps.logs.init();
  await deps.logs.result(final, batches);
  await closing;
  await store.update(plan.name, { status, result, endedAt: final.endedAt }, ENDABLE_STATUSES);
  deps.logger.info(
    { job: plan.name, status, miniBatches: counts.miniBatches, items: counts.items, rows: counts.rows },
    `job ended: ${status}. ${result}`,
  );
}
