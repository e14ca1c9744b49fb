/**
 * Batch jobs and mini-batches as the domain sees them: statuses (Azure's names) and the resolved
 * specification a job runs with. The metadata store holds these; the engine moves them through their
 * states, each move guarded by the statuses it may leave (`JobRepository.update`'s `from`).
 */
import type { DeploymentSettings, SystemData } from './resources.ts';

export const JOB_STATUSES = [
  'NotStarted',
  'Preparing',
  'Queued',
  'Running',
  'Finalizing',
  'CancelRequested',
  'Completed',
  'Failed',
  'Canceled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES = ['Completed', 'Failed', 'Canceled'] as const satisfies readonly JobStatus[];

/** Every status a job may still leave; the one list the engine, the store and resume all read. */
export const NON_TERMINAL_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((s) => !isTerminal(s));

/** A job that is planned and not yet ended: what may end it, and what `end` may move to Finalizing. */
export const ENDABLE_STATUSES: readonly JobStatus[] = NON_TERMINAL_STATUSES.filter((s) => s !== 'NotStarted');

/** Running on this server, with no cancel asked for: the statuses the work itself moves between. */
export const IN_PROGRESS_STATUSES: readonly JobStatus[] = ENDABLE_STATUSES.filter(
  (s) => s !== 'CancelRequested',
);

export function isTerminal(status: JobStatus): boolean {
  return (TERMINAL_STATUSES as readonly JobStatus[]).includes(status);
}

export type MiniBatchState = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** The first real error of a job, surfaced on the job resource instead of buried in a log tree. */
export interface JobError {
  code: string;
  message: string;
  miniBatch?: number;
  file?: string;
  attempt?: number;
  worker?: string;
  stack?: string;
}

export interface JobInputSpec {
  type: 'UriFolder' | 'UriFile';
  /** Normalised datastore URI of the input. */
  uri: string;
  recursive: boolean;
  /** The asset the input came from, when it was a data asset. */
  asset?: string;
  /**
   * Size and sha256 of the files split into row ranges at invoke, hashed during the pass that found the
   * cuts: the workers read ranges and cannot hash them, and the manifest need not read them again.
   */
  digests?: InputFileDigest[];
}

export interface JobOutputSpec {
  /** Datastore URI of the output file. */
  uri: string;
  datastore: string;
  /** Folder (datastore path) that holds the output file; AZUREML_BI_OUTPUT_PATH. */
  folder: string;
  fileName: string;
}

/** One column of an MLflow ColSpec signature: `type` is MLflow's (long, integer, double, float, string, boolean…). */
export interface MlflowColumnSpec {
  /** Absent in a positional signature: columns are then taken in file order. */
  name?: string;
  type: string;
}

/**
 * What the Python runtime needs to score an MLflow `python_function` model without a script, read from
 * its MLmodel when the job is created (so the driver needs no YAML parser).
 */
export interface MlflowPyfuncSpec {
  /** `flavors.python_function.loader_module`, e.g. `mlflow.sklearn`. */
  loaderModule: string;
  /** `flavors.sklearn.pickled_model`, relative to the model folder, when the model has that flavor. */
  sklearnModel?: string;
  /** `flavors.sklearn.serialization_format` (pickle or cloudpickle). */
  serializationFormat?: string;
  /** The ColSpec input signature; absent when the model has none or a TensorSpec one (no casting). */
  columns?: MlflowColumnSpec[];
}

export interface JobRuntimeSpec {
  kind: 'js' | 'onnx' | 'python';
  modelId: string;
  modelName: string;
  modelVersion: string;
  modelHash: string;
  /** Datastore URI of the model's version folder (AZUREML_MODEL_DIR) and the entry inside it. */
  modelDirUri: string;
  modelEntry: string;
  codeUri?: string;
  /** The code snapshot's content hash (jobs created before it was recorded have none). */
  codeHash?: string;
  scoringScript?: string;
  /** The interpreter of a python job: the environment's `pythonExecutable`, else the server's default. */
  pythonExecutable?: string;
  /** Set when a python job scores an MLflow model without a script. */
  mlflow?: MlflowPyfuncSpec;
}

export interface JobRecord {
  name: string;
  endpointName: string;
  deploymentName: string;
  status: JobStatus;
  input: JobInputSpec;
  /** The input section exactly as the client sent it, echoed back as Azure does. */
  inputData: Record<string, unknown>;
  output: JobOutputSpec;
  settings: DeploymentSettings;
  instanceCount: number;
  runtime: JobRuntimeSpec;
  description: string;
  tags: Record<string, string>;
  error?: JobError;
  /** Why the job ended as it did, in one line (also written to logs/job_result.txt). */
  result?: string;
  startedAt?: string;
  endedAt?: string;
  /** The compute the job's deployment names (`local` when it names none), for metrics and nodes. */
  compute?: string;
  /** Set on a rerun (engine/rerun.ts): the job it reruns, and whether it scores only what failed there. */
  rerunOf?: JobRerunOf;
  systemData: SystemData;
}

export interface JobRerunOf {
  job: string;
  failedOnly: boolean;
  /** Mini-batches that succeeded in the parent and were taken over, not scored again. */
  reusedMiniBatches: number;
  /**
   * Of the reused mini-batches' input files, how many were read again to compare their sha256 (their
   * fingerprint was missing or had changed); the others were vouched for by fingerprint (rerun.ts).
   */
  inputsHashed?: number;
}

export interface MiniBatchRecord {
  job: string;
  index: number;
  /** Deterministic: the job name and the index, so a second enqueue of the same work is a no-op. */
  id: string;
  files: string[];
  state: MiniBatchState;
  attempts: number;
  succeeded: number;
  failed: number;
  rowsWritten: number;
  worker?: string;
  elapsedMs?: number;
  error?: JobError;
  /** Size and sha256 of each input, reported by the worker that scored it (for the manifest). */
  inputs?: InputFileDigest[];
}

export interface InputFileDigest {
  /** Path inside the input datastore. */
  path: string;
  size: number;
  sha256: string;
}

export interface JobCounts {
  miniBatches: {
    total: number;
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    canceled: number;
  };
  items: { total: number; succeeded: number; failed: number };
  rows: number;
  /**
   * Seconds worker processes spent on the job's mini-batches: the elapsed time of every attempt that
   * ended (failed and retried ones included), so the compute a job used is known, not only its last runs.
   * An attempt lost with its server (kill -9) counts nothing: its time was never reported.
   */
  workerSeconds: number;
}

/** A job as a status poll shows it: the record and its counts as of one moment. */
export interface JobWithCounts {
  job: JobRecord;
  counts: JobCounts;
}

export function miniBatchId(job: string, index: number): string {
  return `${job}-mb-${String(index).padStart(5, '0')}`;
}
