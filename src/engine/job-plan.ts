/**
 * A job's plan: where it reads, where it writes, and where its files live on this server, resolved once
 * when the job starts running here and handed to everything that runs it (the loop, the attempt
 * accounting, the finalizer). The invocation checked the same locations and the JobRecord keeps them
 * (input URI, output datastore, folder and file name), so a server that restarts plans again from the
 * record; nothing else resolves a job's URIs.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../core/errors.ts';
import { datastoreUri, pathInFolder } from '../core/references.ts';
import type { JobRecord } from '../core/jobs.ts';
import type { RuntimeSettings } from '../runtimes/contract.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import type { InputCache } from '../storage/cache/input-cache.ts';
import type { DatastoreService, ResolvedLocation } from '../workspace/datastores.ts';
import type { SourceLocation } from '../workspace/public-files.ts';
import { createErrorScrubber, createErrorView, type ErrorScrubber, type ErrorView } from './error-view.ts';
import { inputAccess, publishStaged, type InputAccess } from './job-data.ts';

export interface JobPlan {
  name: string;
  /** `<dataDir>/jobs/<name>/logs`: the job's log tree. */
  logDir: string;
  /** Where workers read the input's files (downloaded into the cache from a remote store). */
  input: InputAccess;
  output: {
    backend: DatastoreBackend;
    /** The output file and the manifest, as datastore paths. */
    target: string;
    manifest: string;
    /**
     * Uploads what the workers wrote into a staging folder (outputs on a remote store) to the output
     * folder; resolves with the number of files. Nothing to do when the workers wrote in place.
     */
    publish: () => Promise<number>;
  };
  /** What the workers are started with (model, code and output folders on this machine). */
  runtime: RuntimeSettings;
  partPath: (index: number) => string;
  /** Turns an error into what the job may show: datastore URIs for local paths, no frames of ours. */
  errorView: ErrorView;
  /** The same rewrites for the errors the worker pool writes to the job's log tree. */
  scrub: ErrorScrubber;
}

export function jobDir(dataDir: string, name: string): string {
  return join(dataDir, 'jobs', name);
}

/** Where a mini-batch's part is written under a job's folder. */
export function partPath(dir: string, index: number): string {
  return join(dir, 'parts', `${String(index).padStart(6, '0')}.part`);
}

/**
 * Why a job cannot be planned on this server: something its record names (its input, its model or code
 * snapshot, a datastore) is gone or refused since it was invoked. The job then fails with this message.
 */
class JobPlanError extends DomainError {
  constructor(message: string) {
    super('PreparationFailed', 409, message);
  }
}

type Local = { path: string; uri: string };

/** A folder the job needs, which must still exist: `what` names it in the error. */
async function local(datastores: DatastoreService, uri: string, field: string, what = field): Promise<Local> {
  const location = await datastores.resolve(uri, field);
  if (!(await location.backend.stat(location.path))) {
    throw new JobPlanError(`The ${what} (${uri}) does not exist any more.`);
  }
  return { path: await onThisMachine(location, what, uri), uri };
}

/**
 * Where a model or code folder is on this machine. Models and code are snapshotted into the local
 * artifact store when they are registered, from whatever datastore they came from, so a job's folders
 * are always local; a record that names a remote folder anyway (written by hand, or by a future kind of
 * registration) fails the job by name rather than handing a worker a path that is not there.
 */
async function onThisMachine(
  location: ResolvedLocation | Omit<SourceLocation, 'uri'>,
  what: string,
  uri: string,
): Promise<string> {
  const path = await location.backend.localPath(location.path);
  if (path === undefined) {
    const where = location.datastore
      ? `on ${location.datastore.datastoreType} datastore '${location.datastore.name}'`
      : 'a public URL';
    throw new JobPlanError(
      `The ${what} (${uri}) is ${where}; ` +
        'jobs read models and code from the artifact store (register them again to snapshot them there).',
    );
  }
  return path;
}

/** What a job's workers are started with, given where its folders are on the machine they run on. */
export function runtimeSettings(
  job: JobRecord,
  folders: Record<'model' | 'output', Pick<Local, 'path'>> & { code?: Pick<Local, 'path'> },
): RuntimeSettings {
  const settings: RuntimeSettings = {
    kind: job.runtime.kind,
    modelDir: folders.model.path,
    modelPath: join(folders.model.path, job.runtime.modelEntry),
    ...(folders.code ? { codeDir: folders.code.path } : {}),
    ...(job.runtime.scoringScript ? { scoringScript: job.runtime.scoringScript } : {}),
    ...(job.runtime.pythonExecutable ? { pythonExecutable: job.runtime.pythonExecutable } : {}),
    ...(job.runtime.mlflow ? { mlflow: job.runtime.mlflow } : {}),
    outputDir: folders.output.path,
    outputAction: job.settings.outputAction === 'SummaryOnly' ? 'summary_only' : 'append_row',
    loggingLevel: job.settings.loggingLevel.toLowerCase() as RuntimeSettings['loggingLevel'],
    environmentVariables: job.settings.environmentVariables,
  };
  return settings;
}

/**
 * The folder the workers write their own files to: the output folder itself on a local store, else a
 * staging folder under the job's dir whose files `publish` uploads at the end.
 */
async function outputFolder(location: ResolvedLocation, dir: string) {
  const inPlace = await location.backend.localPath(location.path);
  const path = inPlace ?? join(dir, 'outputs');
  await mkdir(path, { recursive: true });
  return { path, staged: inPlace === undefined };
}

export async function planJob(
  deps: { datastores: DatastoreService; dataDir: string; cache: InputCache },
  job: JobRecord,
): Promise<JobPlan> {
  const { datastores, dataDir } = deps;
  const dir = jobDir(dataDir, job.name);
  // A datastore URI, or a public file URL (the record keeps the URL, so a restart reads it again).
  const input = await datastores.resolveSource(job.input.uri, 'input');
  if (!(await input.backend.stat(input.path))) {
    throw new JobPlanError(`The input ${job.input.uri} does not exist any more.`);
  }
  const output = job.output;
  const outputUri = datastoreUri({ datastore: output.datastore, path: output.folder });
  const outputLocation = await datastores.resolve(outputUri, 'output');
  const written = await outputFolder(outputLocation, dir);
  const { runtime } = job;
  const folders = {
    model: await local(
      datastores,
      runtime.modelDirUri,
      'model',
      `model '${runtime.modelName}:${runtime.modelVersion}'`,
    ),
    output: { path: written.path, uri: outputUri },
    ...(runtime.codeUri ? { code: await local(datastores, runtime.codeUri, 'code') } : {}),
  };
  const inputRoot = await input.backend.localPath(input.path);
  const scrub = createErrorScrubber({
    dataDir,
    folders: [...(inputRoot ? [{ path: inputRoot, uri: job.input.uri }] : []), ...Object.values(folders)],
  });
  const target = pathInFolder(output.folder, output.fileName);
  const manifest = pathInFolder(output.folder, 'manifest.json');
  const backend = outputLocation.backend;
  return {
    name: job.name,
    logDir: join(dir, 'logs'),
    input: inputAccess(input, deps.cache),
    output: {
      backend,
      target,
      manifest,
      publish: async () =>
        written.staged
          ? publishStaged(written.path, {
              backend,
              folder: output.folder,
              reserved: [output.fileName, 'manifest.json'],
            })
          : 0,
    },
    runtime: runtimeSettings(job, folders),
    partPath: (index) => partPath(dir, index),
    errorView: createErrorView(scrub),
    scrub,
  };
}
