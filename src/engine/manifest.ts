/**
 * The manifest.json a finished job leaves beside its output file: what produced it (job, deployment,
 * model and hash, inputs with sizes and sha256, counts, timings, status). Workers report the digests of
 * the inputs they scored, hashed from the bytes they read anyway; the files of failed or canceled
 * mini-batches are hashed here, in a worker thread, so the server's event loop never hashes.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { InputFileDigest, JobCounts, JobRecord, MiniBatchRecord } from '../core/jobs.ts';
import { parseRangeRef } from '../core/row-ranges.ts';
import type { JobPlan } from './job-plan.ts';

/** Size and sha256 of every input, in mini-batch order. */
export async function inputDigests(
  plan: JobPlan,
  batches: readonly MiniBatchRecord[],
  /** Digests known before the job ran (files split at invoke). */
  before: readonly InputFileDigest[] = [],
): Promise<InputFileDigest[]> {
  const known = new Map([...before, ...batches.flatMap((b) => b.inputs ?? [])].map((d) => [d.path, d]));
  // A file split into ranges is one input, listed once.
  const files = [...new Set(batches.flatMap((b) => b.files).map((entry) => parseRangeRef(entry).path))];
  const missing = files.filter((f) => !known.has(f));
  // A remote store's files are not fetched again only to hash them (the store may be what failed them).
  if (missing.length > 0 && !plan.input.remote) {
    for (const digest of await hashInputs(plan, missing).catch(() => [])) known.set(digest.path, digest);
  }
  return files.map((path) => known.get(path) ?? { path, size: 0, sha256: '' });
}

/** Size and sha256 of each input file, computed in a worker thread (see input-hash-thread.ts). */
export async function hashInputs(
  plan: Pick<JobPlan, 'input'>,
  files: readonly string[],
): Promise<InputFileDigest[]> {
  const local = await Promise.all(files.map((path) => plan.input.local(path)));
  try {
    const thread = new Worker(new URL('./input-hash-thread.ts', import.meta.url), { workerData: local });
    const [results] = (await once(thread, 'message')) as [{ size: number; sha256: string }[]];
    return files.map((path, i) => ({ path, size: results[i]?.size ?? 0, sha256: results[i]?.sha256 ?? '' }));
  } finally {
    plan.input.release(local);
  }
}

export async function writeManifest(
  plan: JobPlan,
  job: JobRecord,
  details: {
    counts: JobCounts;
    inputs: InputFileDigest[];
    output: { written: boolean; bytes: number };
    /** Files the scoring script wrote that were uploaded from a staging folder (remote outputs). */
    published: number;
  },
): Promise<void> {
  const started = job.startedAt ? Date.parse(job.startedAt) : undefined;
  const ended = job.endedAt ? Date.parse(job.endedAt) : Date.now();
  const manifest = {
    job: job.name,
    // A rerun names its parent job and how many of the parent's mini-batches it took over (rerun.ts).
    rerunOf: job.rerunOf ?? null,
    status: job.status,
    result: job.result ?? null,
    endpoint: job.endpointName,
    deployment: job.deploymentName,
    model: {
      name: job.runtime.modelName,
      version: job.runtime.modelVersion,
      contentHash: job.runtime.modelHash,
    },
    input: {
      uri: job.input.uri,
      type: job.input.type,
      asset: job.input.asset ?? null,
      files: details.inputs,
      // What this job fetched from a remote store (zero for a local folder): a rerun over the same data
      // downloads nothing, the input cache serves it.
      downloads: { ...plan.input.downloads },
    },
    output: {
      uri: job.output.uri,
      written: details.output.written,
      bytes: details.output.bytes,
      filesUploaded: details.published,
      format: job.runtime.kind === 'onnx' || job.runtime.mlflow ? 'row,prediction,file_name' : 'append_row',
    },
    counts: details.counts,
    settings: job.settings,
    instanceCount: job.instanceCount,
    timings: {
      createdAt: job.systemData.createdAt,
      startedAt: job.startedAt ?? null,
      endedAt: job.endedAt ?? null,
      runMs: started !== undefined ? ended - started : null,
    },
    error: job.error ?? null,
  };
  await plan.output.backend.write(plan.output.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
}
