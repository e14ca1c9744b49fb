/**
 * What a finished job leaves beside its output file (which output-assembler.ts builds): a manifest.json
 * that says what produced it (job, deployment, model and hash, inputs with sizes and sha256, counts,
 * timings), and the digests of inputs no worker reported. Also where part files live.
 */
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { InputFileDigest, JobCounts, JobRecord, MiniBatchRecord } from '../core/jobs.ts';
import type { DatastoreService } from '../workspace/datastores.ts';

export function partPath(jobDir: string, index: number): string {
  return join(jobDir, 'parts', `${String(index).padStart(6, '0')}.part`);
}

/**
 * Size and sha256 of every input, in mini-batch order. Workers report them for the mini-batches they
 * scored (hashed from the bytes they read); the files of failed or canceled mini-batches are hashed
 * here, in a worker thread.
 */
export async function inputDigests(
  datastores: DatastoreService,
  inputUri: string,
  batches: readonly MiniBatchRecord[],
): Promise<InputFileDigest[]> {
  const known = new Map(batches.flatMap((b) => b.inputs ?? []).map((d) => [d.path, d]));
  const files = batches.flatMap((b) => b.files);
  const missing = files.filter((f) => !known.has(f));
  if (missing.length > 0) {
    for (const digest of await hashInputs(datastores, inputUri, missing).catch(() => []))
      known.set(digest.path, digest);
  }
  return files.map((path) => known.get(path) ?? { path, size: 0, sha256: '' });
}

/** Size and sha256 of each input file, computed in a worker thread (see input-hash-thread.ts). */
async function hashInputs(
  datastores: DatastoreService,
  inputUri: string,
  files: readonly string[],
): Promise<{ path: string; size: number; sha256: string }[]> {
  const datastore = /^azureml:\/\/datastores\/([^/]+)/.exec(inputUri)?.[1] ?? '';
  const backend = await datastores.backend(datastore);
  const local = files.map((path) => backend.localPath(path) ?? path);
  const thread = new Worker(new URL('./input-hash-thread.ts', import.meta.url), { workerData: local });
  const [results] = (await once(thread, 'message')) as [{ size: number; sha256: string }[]];
  return files.map((path, i) => ({ path, size: results[i]?.size ?? 0, sha256: results[i]?.sha256 ?? '' }));
}

export async function writeManifest(
  deps: { datastores: DatastoreService },
  job: JobRecord,
  details: {
    counts: JobCounts;
    inputs: { path: string; size: number; sha256: string }[];
    output: { written: boolean; bytes: number };
  },
): Promise<void> {
  const started = job.startedAt ? Date.parse(job.startedAt) : undefined;
  const ended = job.endedAt ? Date.parse(job.endedAt) : Date.now();
  const manifest = {
    job: job.name,
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
    },
    output: {
      uri: job.output.uri,
      written: details.output.written,
      bytes: details.output.bytes,
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
  const backend = await deps.datastores.backend(job.output.datastore);
  const target = job.output.folder ? `${job.output.folder}/manifest.json` : 'manifest.json';
  await backend.write(target, `${JSON.stringify(manifest, null, 2)}\n`);
}
