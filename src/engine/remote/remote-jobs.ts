/**
 * A job whose compute's nodes are `nightshift worker` processes on other machines (scaled out, any
 * compute but `local`). The server that drives it publishes, once per job, what those workers cannot
 * read from its disk: the model and code folders go to the artifact store under their digests, and a
 * `remoteJobs` document in the shared store names the store and the digests. Workers find the job in
 * the store, fetch the folders, score, and put their parts in the artifact store; the driver polls the
 * store for progress, assembles the output from the parts and ends the job as it would its own.
 * What a worker could not do is refused here, when the job starts, with the reason and the fix.
 */
import { LOCAL_COMPUTE } from '../../core/computes.ts';
import { DomainError } from '../../core/errors.ts';
import type { JobRecord } from '../../core/jobs.ts';
import type { DatastoreBackend } from '../../storage/contract.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import type { DatastoreService } from '../../workspace/datastores.ts';
import type { JobPlan } from '../job-plan.ts';
import { REMOTE_JOBS_TOPIC, type Signals } from '../signals/contract.ts';
import { publishFolder } from './artifact-store.ts';

/** What a server that drives jobs of remote workers uses beyond its own store. */
export interface RemoteJobDeps {
  repo: ResourceRepository;
  /** The datastore of models, code and parts (--artifact-store); undefined when none is set. */
  artifactStore: string | undefined;
  /** Wakes the workers when a job is published or ends, rather than at their next look in the store. */
  signals?: Signals | undefined;
}

/** What a worker needs to know of a job beyond its record, written by the job's driver. */
export interface RemoteJobDoc {
  job: string;
  /** The datastore that holds the artifacts and the parts. */
  artifactStore: string;
  /** Digests of the model folder and the code folder in the artifact store. */
  model: string;
  code?: string;
}

/** Why a job on a compute of remote workers cannot run; the job fails with this message. */
class RemoteJobError extends DomainError {
  constructor(message: string) {
    super('PreparationFailed', 409, message);
  }
}

/** Whether workers on other machines score the job: scaled out, on any compute but the server's own. */
export function scoredRemotely(job: JobRecord, shared: boolean): boolean {
  return shared && (job.compute ?? LOCAL_COMPUTE).toLowerCase() !== LOCAL_COMPUTE;
}

function check(job: JobRecord, plan: JobPlan, artifactStore: string | undefined): string {
  const where = `Job '${job.name}' runs on compute '${job.compute ?? ''}', whose nodes are \`nightshift worker\` processes on other machines`;
  if (artifactStore === undefined) {
    throw new RemoteJobError(
      `${where}, and they get models and code through an artifact store: start the servers with ` +
        '--artifact-store NAME (a Blob, ADLS or S3 datastore every worker can reach), or use compute local.',
    );
  }
  if (!plan.input.remote) {
    throw new RemoteJobError(
      `${where}; they cannot read the input ${job.input.uri}, which is in a folder on the server. ` +
        'Upload it to a Blob, ADLS or S3 datastore, or use compute local.',
    );
  }
  return artifactStore;
}

/** Publishes the job's folders and its document; resolves with the artifact store's backend. */
export async function publishRemoteJob(
  deps: RemoteJobDeps & { datastores: DatastoreService },
  job: JobRecord,
  plan: JobPlan,
): Promise<DatastoreBackend> {
  const artifactStore = check(job, plan, deps.artifactStore);
  const backend = await deps.datastores.backend(artifactStore).catch((error: unknown) => {
    throw new RemoteJobError(
      `The artifact store '${artifactStore}' (--artifact-store) cannot be used: ${(error as Error).message}`,
    );
  });
  const { modelDir, codeDir } = plan.runtime;
  const doc: RemoteJobDoc = {
    job: job.name,
    artifactStore,
    model: await publishFolder(backend, modelDir),
    ...(codeDir ? { code: await publishFolder(backend, codeDir) } : {}),
  };
  const key = { name: job.name };
  if (!(await deps.repo.replace('remoteJobs', key, doc))) await deps.repo.insert('remoteJobs', key, doc);
  await deps.signals?.publish(REMOTE_JOBS_TOPIC);
  return backend;
}

/** The job has ended and its output is assembled: workers stop looking for it, and its parts go. */
export async function forgetRemoteJob(
  { repo, signals }: RemoteJobDeps,
  job: string,
  parts: { clear(): Promise<void> },
): Promise<void> {
  await repo.remove('remoteJobs', { name: job });
  // The workers leave it now, and their idle processes are forked again for the next job.
  await signals?.publish(REMOTE_JOBS_TOPIC);
  // The workers' seats on it (worker/job-seats.ts): one left by a worker that died would stay forever.
  await repo.removeScope('jobSeats', job.toLowerCase());
  await parts.clear();
}
