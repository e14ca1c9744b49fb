/**
 * When a rerun of only what failed starts on a server, it takes over the parts its parent's succeeded
 * mini-batches wrote, so the output assembler finds a part for every index as if this job had scored them.
 * A part is found where the parent's driver kept it: the parent's folder on this server (hard-linked, or
 * copied where links do not work), else the artifact store (parts of jobs scored by `nightshift worker`
 * processes, while they are still there). A part found nowhere (the parent ran on another server, or its
 * parts were cleared) is left missing: the driver then scores that mini-batch again (job-parts.ts
 * rescoreMissingParts), so the output is complete either way, only slower.
 */
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobRecord } from '../core/jobs.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { artifactParts, type JobParts } from './job-parts.ts';
import { jobDir, partPath } from './job-plan.ts';

export interface AdoptDeps {
  jobs: JobRepository;
  dataDir: string;
  datastores: DatastoreService;
  /** The artifact store's datastore name, when the servers are scaled out with one. */
  artifactStore?: string | undefined;
}

/** The worker a taken-over mini-batch is recorded with (processed_mini-batches.csv shows it). */
export const reusedWorker = (parent: string): string => `reused:${parent}`;

const entriesKey = (files: readonly string[]): string => files.join('\n');

/** How many parts are put in place at once. */
const PARALLEL = 16;

async function fromLocal(source: string, parts: JobParts, index: number): Promise<boolean> {
  if (!(await stat(source).catch(() => undefined))) return false;
  const target = parts.localPath?.(index);
  if (target === undefined) {
    await parts.write(index, createReadStream(source));
    return true;
  }
  await mkdir(dirname(target), { recursive: true });
  // A part is never written again once it exists, so both jobs may share its bytes.
  await link(source, target).catch(() => copyFile(source, target));
  return true;
}

async function artifactSource(deps: AdoptDeps, parent: string): Promise<JobParts | undefined> {
  if (deps.artifactStore === undefined) return undefined;
  const backend = await deps.datastores.backend(deps.artifactStore).catch(() => undefined);
  return backend ? artifactParts(backend, parent) : undefined;
}

/** Puts the parent's parts in place for the mini-batches the rerun took over; resolves with how many. */
export async function adoptParentParts(deps: AdoptDeps, job: JobRecord, parts: JobParts): Promise<number> {
  const parent = job.rerunOf?.failedOnly ? job.rerunOf.job : undefined;
  if (parent === undefined || job.settings.outputAction === 'SummaryOnly') return 0;
  const worker = reusedWorker(parent);
  const batches = (await deps.jobs.miniBatches(job.name)).filter(
    (b) => b.state === 'succeeded' && b.rowsWritten > 0 && b.worker === worker,
  );
  // A rerun numbers its mini-batches anew when it cuts a failed file into ranges (rerun-spread.ts); a
  // reused one has the entries of the parent's mini-batch whose part it takes.
  const parentIndex = new Map(
    (await deps.jobs.miniBatches(parent)).map((b) => [entriesKey(b.files), b.index]),
  );
  const parentDir = jobDir(deps.dataDir, parent);
  const remote = await artifactSource(deps, parent);
  let adopted = 0;
  const adopt = async (index: number, files: readonly string[]) => {
    if (await parts.has(index)) return;
    const from = parentIndex.get(entriesKey(files));
    if (from === undefined) return;
    if (await fromLocal(partPath(parentDir, from), parts, index)) adopted++;
    else {
      const stream = await remote?.read(from);
      if (stream) {
        await parts.write(index, stream);
        adopted++;
      }
    }
  };
  for (let i = 0; i < batches.length; i += PARALLEL) {
    await Promise.all(batches.slice(i, i + PARALLEL).map((b) => adopt(b.index, b.files)));
  }
  return adopted;
}
