/**
 * Where the driver of a job finds the parts its mini-batches wrote: files in the job's folder on this
 * server when its own worker pool scores it, or objects in the artifact store when `nightshift worker`
 * processes on other machines do. The output assembler reads parts through this, and a server that
 * takes a job over asks it which succeeded parts it can still find.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { NotFoundError } from '../core/errors.ts';
import type { JobRecord } from '../core/jobs.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import type { JobRepository } from '../store/contract.ts';
import { tasksOf, type TaskQueue } from './queue/contract.ts';
import { jobPrefix, partKey } from './remote/artifact-store.ts';

export interface JobParts {
  /** The part of mini-batch `index`, or undefined when there is none (it wrote no rows, or it is lost). */
  read(index: number): Promise<Readable | undefined>;
  has(index: number): Promise<boolean>;
  /** Puts a part in place (a rerun taking its parent's over, rerun-parts.ts). */
  write(index: number, data: Readable): Promise<void>;
  /** Where part `index` is on this machine, when parts are files here. */
  localPath?: (index: number) => string;
  /** The job has ended and its output is assembled: parts kept elsewhere are removed. */
  clear(): Promise<void>;
}

/** A file the caller can read now, else undefined. */
export async function readLocalPart(path: string): Promise<Readable | undefined> {
  return (await stat(path).catch(() => undefined)) ? createReadStream(path) : undefined;
}

export function localParts(partPath: (index: number) => string): JobParts {
  return {
    read: (index) => readLocalPart(partPath(index)),
    has: async (index) => (await stat(partPath(index)).catch(() => undefined)) !== undefined,
    async write(index, data) {
      await mkdir(dirname(partPath(index)), { recursive: true });
      await pipeline(data, createWriteStream(partPath(index)));
    },
    localPath: partPath,
    // The job's folder, parts included, is the server's to keep or sweep.
    clear: () => Promise.resolve(),
  };
}

/**
 * The stream once it has data, has ended, or has failed; undefined when what it reads does not exist.
 * One request per part where a stat first took two: a remote store's requests are what the driver of a
 * big job spends its time on.
 */
export async function openedUnlessMissing(open: () => Readable): Promise<Readable | undefined> {
  let stream: Readable;
  try {
    stream = open();
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  return new Promise((resolve, reject) => {
    const settle = () => {
      stream.off('readable', ready);
      stream.off('error', failed);
    };
    const ready = () => {
      settle();
      resolve(stream);
    };
    const failed = (error: Error) => {
      settle();
      if (error instanceof NotFoundError) resolve(undefined);
      else reject(error);
    };
    stream.once('readable', ready);
    stream.once('error', failed);
  });
}

export function artifactParts(backend: DatastoreBackend, job: string): JobParts {
  return {
    read: (index) => openedUnlessMissing(() => backend.openRead(partKey(job, index))),
    has: async (index) => (await backend.stat(partKey(job, index))) !== undefined,
    write: async (index, data) => {
      await backend.write(partKey(job, index), data);
    },
    clear: () => backend.remove(jobPrefix(job), { recursive: true }),
  };
}

/**
 * Succeeded mini-batches whose part is not on this server (another server scored them and then stopped,
 * and this one took the job over) are scored again here: their rows are never lost, and the output,
 * assembled from parts in index order, has each row once.
 */
export async function rescoreMissingParts(
  deps: { jobs: JobRepository; queue: TaskQueue; logger: Logger },
  job: JobRecord,
  parts: JobParts,
): Promise<void> {
  if (job.settings.outputAction === 'SummaryOnly') return;
  const batches = await deps.jobs.miniBatches(job.name);
  const written = batches.filter((b) => b.state === 'succeeded' && b.rowsWritten > 0);
  const present = await Promise.all(written.map((b) => parts.has(b.index)));
  const missing = written.filter((_, i) => !present[i]).map((b) => b.index);
  if (missing.length === 0) return;
  await deps.jobs.rescore(job.name, missing);
  await deps.queue.enqueue(tasksOf(job.name, missing));
  deps.logger.warn(
    { job: job.name, miniBatches: missing.length },
    'scoring again the succeeded mini-batches whose parts are not on this server',
  );
}
