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
import type { DatastoreService, ResolvedLocation } from '../workspace/datastores.ts';
import type { SourceLocation } from '../workspace/public-files.ts';
import { createErrorScrubber, createErrorView, type ErrorScrubber, type ErrorView } from './error-view.ts';

export interface JobPlan {
  name: string;
  /** `<dataDir>/jobs/<name>/logs`: the job's log tree. */
  logDir: string;
  input: {
    /** Where workers read a datastore path (the path itself when the datastore is not local). */
    local: (path: string) => Promise<string>;
  };
  output: {
    backend: DatastoreBackend;
    /** The output file and the manifest, as datastore paths. */
    target: string;
    manifest: string;
  };
  /** What the workers are started with (model, code and output folders on this machine). */
  runtime: RuntimeSettings;
  partPath: (index: number) => string;
  /** Turns an error into what the job may show: datastore URIs for local paths, no frames of ours. */
  errorView: ErrorView;
  /** The same rewrites for the errors the worker pool writes to the job's log tree. */
  scrub: ErrorScrubber;
}

function jobDir(dataDir: string, name: string): string {
  return join(dataDir, 'jobs', name);
}

function partPath(dir: string, index: number): string {
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
 * Where a location is on this machine. Workers get paths, so a location on a remote store (a model or code
 * registered from an Azure Blob datastore) cannot be used until the engine downloads such data; it fails
 * the job by name rather than handing a worker a path relative to the server's working folder.
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
        'jobs read models, code and inputs from local-folder datastores only for now.',
    );
  }
  return path;
}

function runtimeSettings(job: JobRecord, folders: Record<'model' | 'output', Local> & { code?: Local }) {
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

export async function planJob(
  deps: { datastores: DatastoreService; dataDir: string },
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
  const outputPath = await onThisMachine(outputLocation, 'output', outputUri);
  await mkdir(outputPath, { recursive: true });
  const { runtime } = job;
  const folders = {
    model: await local(
      datastores,
      runtime.modelDirUri,
      'model',
      `model '${runtime.modelName}:${runtime.modelVersion}'`,
    ),
    output: { path: outputPath, uri: outputUri },
    ...(runtime.codeUri ? { code: await local(datastores, runtime.codeUri, 'code') } : {}),
  };
  const inputRoot = await onThisMachine(input, 'input', job.input.uri);
  const scrub = createErrorScrubber({
    dataDir,
    folders: [{ path: inputRoot, uri: job.input.uri }, ...Object.values(folders)],
  });
  return {
    name: job.name,
    logDir: join(dir, 'logs'),
    input: {
      local: async (path) => (await input.backend.localPath(path)) ?? path,
    },
    output: {
      backend: await datastores.backend(output.datastore),
      target: pathInFolder(output.folder, output.fileName),
      manifest: pathInFolder(output.folder, 'manifest.json'),
    },
    runtime: runtimeSettings(job, folders),
    partPath: (index) => partPath(dir, index),
    errorView: createErrorView(scrub),
    scrub,
  };
}
