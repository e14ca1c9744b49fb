/**
 * The shapes the job page reads from the REST API: the job resource, the live progress the events stream
 * sends, a page of mini-batches, progress points over time, and the manifest a job writes beside its
 * output. Only the fields the page shows are declared.
 */

export interface JobError {
  code: string;
  message: string;
  miniBatch?: number;
  file?: string;
  attempt?: number;
  worker?: string;
  stack?: string;
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
  workerSeconds: number;
}

export interface JobView {
  name: string;
  properties: {
    status: string;
    description?: string;
    outputFileName: string;
    outputData: { score: { uri: string } };
    inputData: Record<string, { path?: string; uri?: string; Uri?: string } | undefined>;
    /** A count of files, or a size ("64MB") or row count ("1000 rows") that splits big tables. */
    miniBatchSize: number | string;
    errorThreshold: number;
    compute: { instanceCount: number; target?: string };
    properties: Record<string, string>;
    progress: JobCounts;
    error: JobError | null;
    result: string | null;
    startTime: string | null;
    endTime: string | null;
  };
  systemData: { createdAt: string; createdBy: string };
}

/** One event of `{ws}/jobs/{job}/events`. */
export interface JobProgress extends JobCounts {
  name: string;
  status: string;
  result: string | null;
  startedAt: string | null;
  endedAt: string | null;
  error: JobError | null;
}

export interface MiniBatchRow {
  index: number;
  id: string;
  state: string;
  attempts: number;
  items: number;
  succeeded: number;
  failed: number;
  rows: number;
  worker: string | null;
  durationMs: number | null;
  errorCode: string | null;
  error: string | null;
}

export interface MiniBatchPage {
  value: MiniBatchRow[];
  page: number;
  pageSize: number;
  totalCount: number;
  pageCount: number;
}

export interface ProgressPoint {
  time: string;
  itemsSucceeded: number;
  itemsFailed: number;
  itemsTotal: number;
  rows: number | null;
}

export interface Manifest {
  job: string;
  status: string;
  model: { name: string; version: string; contentHash: string };
  input: {
    uri: string;
    type: string;
    asset: string | null;
    files: { path: string; size: number; sha256: string }[];
  };
  output: { uri: string; written: boolean; bytes: number; format?: string };
}

export interface FileEntry {
  path: string;
  size: number;
}

const ENDED = ['Completed', 'Failed', 'Canceled'];

export function hasEnded(status: string | undefined): boolean {
  return status !== undefined && ENDED.includes(status);
}

/** The workspace path of the job's own routes: `/jobs/NAME` plus `rest`. */
export function jobPath(job: string, rest = ''): string {
  return `/jobs/${encodeURIComponent(job)}${rest}`;
}
