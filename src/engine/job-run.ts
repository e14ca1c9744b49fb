/**
 * One job in execution on this server: its worker pools (one per instance, each of
 * max_concurrency_per_instance processes), the loop that leases its mini-batch ids and hands them to
 * free workers, Azure's accounting of each attempt (retries, items succeeded and failed, the first real
 * error, the error threshold), and the end of the job (finalize, fail, cancel). The metadata store is
 * updated at every step, so a restart can pick the job up where it was.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JobError, JobRecord, JobStatus, MiniBatchRecord } from '../core/jobs.ts';
import type { RuntimeSettings } from '../runtimes/contract.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { inputDigests, partPath, writeManifest } from './finalizer.ts';
import { createOutputAssembler, type OutputAssembler } from './output-assembler.ts';
import { createJobLogs } from './job-logs.ts';
import {
  createWorkerPool,
  WorkerPoolClosedError,
  type AttemptResult,
  type WorkerPool,
} from './pool/worker-pool.ts';
import type { SpareWorkers } from './pool/spare-workers.ts';
import type { QueuedTask, TaskQueue } from './queue/contract.ts';

export interface JobRunDeps {
  jobs: JobRepository;
  queue: TaskQueue;
  datastores: DatastoreService;
  dataDir: string;
  owner: string;
  leaseMs: number;
  maxWorkers: number;
  spares?: SpareWorkers;
  logger: Logger;
  onEnded: (job: string) => void;
}

export interface JobRun {
  readonly name: string;
  pump(): void;
  cancel(): Promise<void>;
  finalize(): Promise<void>;
  /** Server shutdown: kill workers, leave the job's state for the next start to resume. */
  detach(): Promise<void>;
  inflight(): readonly string[];
}

type Ending = { status: Extract<JobStatus, 'Failed' | 'Canceled'>; result: string } | undefined;

async function runtimeSettings(deps: JobRunDeps, job: JobRecord): Promise<RuntimeSettings> {
  const local = async (uri: string, field: string) => {
    const loc = await deps.datastores.resolve(uri, field);
    return loc.backend.localPath(loc.path) ?? loc.path;
  };
  const modelDir = await local(job.runtime.modelDirUri, 'model');
  const outputDir = await local(
    `azureml://datastores/${job.output.datastore}/paths/${job.output.folder}`,
    'output',
  );
  await mkdir(outputDir, { recursive: true });
  return {
    kind: job.runtime.kind,
    modelDir,
    modelPath: join(modelDir, job.runtime.modelEntry),
    ...(job.runtime.codeUri ? { codeDir: await local(job.runtime.codeUri, 'code') } : {}),
    ...(job.runtime.scoringScript ? { scoringScript: job.runtime.scoringScript } : {}),
    ...(job.runtime.pythonExecutable ? { pythonExecutable: job.runtime.pythonExecutable } : {}),
    ...(job.runtime.mlflow ? { mlflow: job.runtime.mlflow } : {}),
    outputDir,
    outputAction: job.settings.outputAction === 'SummaryOnly' ? 'summary_only' : 'append_row',
    loggingLevel: job.settings.loggingLevel.toLowerCase() as RuntimeSettings['loggingLevel'],
    environmentVariables: job.settings.environmentVariables,
  };
}

function attemptError(mb: MiniBatchRecord, result: Extract<AttemptResult, { ok: false }>): JobError {
  const code = {
    exception: 'UserScriptError',
    timeout: 'MiniBatchTimeout',
    crash: 'WorkerCrashed',
    init: 'InitFailed',
  }[result.kind];
  return {
    code,
    message: result.message,
    miniBatch: mb.index,
    ...(mb.files[0] ? { file: mb.files[0] } : {}),
    attempt: mb.attempts,
    worker: result.worker,
    ...(result.stack ? { stack: result.stack } : {}),
  };
}

export function createJobRun(deps: JobRunDeps, name: string): JobRun {
  const jobDir = join(deps.dataDir, 'jobs', name);
  const logs = createJobLogs(join(jobDir, 'logs'));
  let pools: { pool: WorkerPool; busy: number; size: number; node: string }[] | undefined;
  const inflight = new Set<string>();
  let ending = false;
  let pumping = false;
  let again = false;
  let output: OutputAssembler | undefined;
  const lookup = (index: number) => deps.jobs.getMiniBatch(name, index);

  /** The job's output file, built as mini-batches end (append_row only). */
  async function assembler(job: JobRecord): Promise<OutputAssembler> {
    if (output) return output;
    const summaryOnly = job.settings.outputAction === 'SummaryOnly';
    const total = summaryOnly ? 0 : (await deps.jobs.counts(name)).miniBatches.total;
    const backend = await deps.datastores.backend(job.output.datastore);
    const target = job.output.folder ? `${job.output.folder}/${job.output.fileName}` : job.output.fileName;
    output = createOutputAssembler({ backend, target, partPath: (i) => partPath(jobDir, i), total });
    return output;
  }

  async function load(): Promise<JobRecord> {
    const job = await deps.jobs.get(name);
    if (!job) throw new Error(`job ${name} vanished`);
    return job;
  }

  /** Read through a call, so a check after an await is not narrowed away by one before it. */
  const hasEnded = () => ending;

  async function ensurePools(job: JobRecord): Promise<NonNullable<typeof pools>> {
    if (pools) return pools;
    await logs.init();
    const settings = await runtimeSettings(deps, job);
    // A cancel that came in during the awaits above has already stopped "all" pools, which were none:
    // creating them now would leave workers running for a job that has ended.
    if (hasEnded()) return [];
    const perInstance = Math.max(1, Math.min(job.settings.maxConcurrencyPerInstance, deps.maxWorkers));
    const instances = Math.max(
      1,
      Math.min(job.instanceCount, Math.floor(deps.maxWorkers / perInstance) || 1),
    );
    pools = Array.from({ length: instances }, (_, i) => {
      const node = `node-${i}`;
      const pool = createWorkerPool({
        size: perInstance,
        settings,
        timeoutMs: job.settings.retrySettings.timeoutSeconds * 1000,
        logDir: logs.dir,
        node,
        ...(deps.spares ? { spares: deps.spares } : {}),
      });
      void pool.warm().catch(() => undefined);
      return { pool, busy: 0, size: perInstance, node };
    });
    return pools;
  }

  async function record(
    mb: MiniBatchRecord,
    result: AttemptResult,
    job: JobRecord,
    localFiles: readonly string[],
  ): Promise<void> {
    if (result.ok) {
      const { outcome } = result;
      // Workers report digests by the local path they read; the manifest names datastore paths.
      const byLocal = new Map(localFiles.map((local, i) => [local, mb.files[i] ?? local]));
      const inputs = (outcome.inputs ?? []).map((d) => ({
        path: byLocal.get(d.file) ?? d.file,
        size: d.size,
        sha256: d.sha256,
      }));
      await deps.jobs.finishAttempt(name, mb.index, {
        state: 'succeeded',
        ...outcome,
        inputs,
        worker: result.worker,
        elapsedMs: Math.round(result.elapsedMs),
      });
      const failure = outcome.itemFailures[0];
      if (failure) {
        await deps.jobs.setFirstError(name, {
          code: 'ItemFailed',
          message: failure.message,
          miniBatch: mb.index,
          file: failure.file,
          attempt: mb.attempts,
          worker: result.worker,
          ...(failure.stack ? { stack: failure.stack } : {}),
        });
      } else if (outcome.failed > 0) {
        await deps.jobs.setFirstError(name, {
          code: 'TooFewResults',
          message: `run() returned ${outcome.succeeded} result(s) for ${mb.files.length} input file(s); the other ${outcome.failed} count as failed.`,
          miniBatch: mb.index,
          attempt: mb.attempts,
          worker: result.worker,
        });
      }
      return;
    }
    const error = attemptError(mb, result);
    await deps.jobs.setFirstError(name, error);
    const retry = mb.attempts <= job.settings.retrySettings.maxRetries;
    await deps.jobs.finishAttempt(name, mb.index, {
      state: retry ? 'pending' : 'failed',
      succeeded: 0,
      failed: retry ? 0 : mb.files.length,
      rowsWritten: 0,
      worker: result.worker,
      elapsedMs: Math.round(result.elapsedMs),
      error,
    });
  }

  async function dispatch(
    task: QueuedTask,
    job: JobRecord,
    slot: NonNullable<typeof pools>[number],
  ): Promise<void> {
    const mb = await deps.jobs.startAttempt(name, task.index, slot.node);
    if (!mb) {
      await deps.queue.ack(task.id, deps.owner);
      return;
    }
    if (job.status === 'Preparing') {
      await deps.jobs.update(name, { status: 'Running', startedAt: new Date().toISOString() }, ['Preparing']);
    }
    const input = await deps.datastores.resolve(job.input.uri, 'input');
    const files = mb.files.map((f) => input.backend.localPath(f) ?? f);
    let result: AttemptResult;
    try {
      result = await slot.pool.run({
        miniBatchId: mb.id,
        files,
        partPath: partPath(jobDir, mb.index),
        attempt: mb.attempts,
      });
    } catch (error) {
      if (error instanceof WorkerPoolClosedError) return;
      throw error;
    }
    await record(mb, result, job, files);
    const retried = !result.ok && mb.attempts <= job.settings.retrySettings.maxRetries;
    if (retried) await deps.queue.nack(task.id, deps.owner, 0);
    else await deps.queue.ack(task.id, deps.owner);
  }

  async function afterAttempt(): Promise<void> {
    if (ending) return;
    const [job, counts] = await Promise.all([load(), deps.jobs.counts(name)]);
    // In the background: appending a part must never delay handing out the next mini-batch.
    void (await assembler(job)).advance(lookup).catch((error: unknown) => {
      deps.logger.error({ err: error, job: name }, 'appending to the output failed');
    });
    await logs.progress(counts);
    const threshold = job.settings.errorThreshold;
    if (threshold >= 0 && counts.items.failed > threshold) {
      await end({
        status: 'Failed',
        result: `Exceeded error threshold: ${counts.items.failed} failed item(s), error_threshold is ${threshold}.`,
      });
    } else if (counts.miniBatches.pending + counts.miniBatches.running === 0) {
      await end(undefined);
    } else {
      pump();
    }
  }

  async function pumpOnce(): Promise<void> {
    const job = await load();
    if (hasEnded()) return;
    const slots = await ensurePools(job);
    for (const slot of slots) {
      const free = slot.size - slot.busy;
      if (free <= 0 || ending) continue;
      const tasks = await deps.queue.lease(deps.owner, name, free, deps.leaseMs);
      for (const task of tasks) {
        slot.busy++;
        inflight.add(task.id);
        void dispatch(task, job, slot)
          .catch((error: unknown) => {
            deps.logger.error({ err: error, job: name, task: task.id }, 'dispatch failed');
          })
          .finally(() => {
            slot.busy--;
            inflight.delete(task.id);
            void afterAttempt().catch((error: unknown) => {
              deps.logger.error({ err: error, job: name }, 'after attempt failed');
            });
          });
      }
    }
  }

  function pump(): void {
    if (ending) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    void pumpOnce()
      .catch((error: unknown) => {
        deps.logger.error({ err: error, job: name }, 'pump failed');
      })
      .finally(() => {
        pumping = false;
        if (again) {
          again = false;
          pump();
        }
      });
  }

  async function stopPools(kill: boolean): Promise<void> {
    const current = pools ?? [];
    await Promise.all(current.map((p) => (kill ? p.pool.kill() : p.pool.close())));
  }

  async function end(ending_: Ending, alreadyCanceling = false): Promise<void> {
    if (ending) return;
    ending = true;
    if (ending_ || alreadyCanceling) {
      await deps.queue.removeJob(name);
      await stopPools(true);
      await deps.jobs.cancelOpen(name);
    }
    // Every mini-batch is done, so the workers can wind down while the output is assembled; the job
    // turns terminal only once they have exited and their last log lines are flushed.
    const closing = ending_ || alreadyCanceling ? Promise.resolve() : stopPools(false);
    if (!alreadyCanceling)
      await deps.jobs.update(name, { status: 'Finalizing' }, ['Preparing', 'Running', 'Finalizing']);
    await finish(ending_, closing);
  }

  async function finish(ending_: Ending, closing: Promise<void> = Promise.resolve()): Promise<void> {
    const job = await load();
    const batches = await deps.jobs.miniBatches(name);
    const counts = await deps.jobs.counts(name);
    const output = await (await assembler(job)).finish(lookup);
    let status: JobStatus = 'Completed';
    let result = `${counts.items.succeeded} of ${counts.items.total} item(s) succeeded in ${counts.miniBatches.total} mini-batch(es).`;
    if (ending_) ({ status, result } = ending_);
    else if (counts.items.succeeded === 0) {
      status = 'Failed';
      result = 'There is no succeeded mini batch item returned from run().';
    }
    // Manifest and logs are written before the status turns terminal, so a client that sees
    // Completed/Failed/Canceled can download both at once.
    const final: JobRecord = {
      ...job,
      status,
      result,
      endedAt: new Date().toISOString(),
    };
    const inputs = await inputDigests(deps.datastores, job.input.uri, batches);
    await writeManifest(deps, final, { counts, inputs, output });
    await logs.init();
    await logs.result(final, batches);
    await closing;
    await deps.jobs.update(name, { status, result, endedAt: final.endedAt }, [
      'Finalizing',
      'CancelRequested',
      'Running',
      'Preparing',
    ]);
    deps.onEnded(name);
  }

  return {
    name,
    pump,
    inflight: () => [...inflight],
    async cancel() {
      const updated = await deps.jobs.update(name, { status: 'CancelRequested' }, [
        'NotStarted',
        'Preparing',
        'Running',
        'Finalizing',
        'CancelRequested',
      ]);
      if (!updated) return;
      await end(
        { status: 'Canceled', result: 'Canceled by request; finished mini-batches were kept.' },
        true,
      );
    },
    finalize: () => end(undefined),
    async detach() {
      ending = true;
      await stopPools(true);
    },
  };
}
