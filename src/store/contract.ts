/**
 * The metadata store contract: the source of truth for workspace resources (and, through the jobs
 * repository, for jobs and mini-batches). Written in domain terms only, so the embedded SQLite store and a
 * later PostgreSQL store can sit behind it; the contract test suite in test/contracts runs against each.
 */
import type {
  InputFileDigest,
  JobCounts,
  JobWithCounts,
  JobError,
  JobRecord,
  JobStatus,
  MiniBatchRecord,
  MiniBatchState,
} from '../core/jobs.ts';

export const RESOURCE_KINDS = [
  'datastore',
  'data',
  'models',
  'environments',
  'codes',
  'endpoint',
  'deployment',
  'servicePrincipal',
  'managedIdentity',
  'roleAssignment',
  'pipeline',
  'linkedService',
  'dataset',
  'compute',
  // What each scaled-out server last published of its worker processes (engine/shared-compute-nodes.ts).
  'serverNodes',
  // What the driver of a job scored by remote workers published for them (engine/remote/remote-jobs.ts).
  'remoteJobs',
  // Which worker holds which of a job's node slots (worker/job-seats.ts).
  'jobSeats',
  // Webhook subscriptions on job changes, their pending deliveries, attempt claims and dead letters (engine/events/).
  'eventSubscription',
  'eventDelivery',
  'eventDeliveryClaim',
  'eventDeadLetter',
  // Data Factory triggers and their runs (pipelines/triggers): a run's insert is the exactly-once claim.
  'trigger',
  'triggerRun',
  // Endpoint schedules, and one document per claimed occurrence (engine/schedules/).
  'schedule',
  'scheduleFiring',
  // The cheap fingerprints of a job's input files, read by a rerun of what failed (engine/rerun-fingerprints.ts).
  'jobInputFingerprints',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/**
 * Identifies one stored document. `scope` groups children under a parent (a deployment's endpoint), ''
 * otherwise; `version` is '' for unversioned resources. Names compare case-insensitively, as ARM does.
 */
export interface ResourceKey {
  scope?: string;
  name: string;
  version?: string;
}

export interface ResourceRepository {
  get<T>(kind: ResourceKind, key: ResourceKey): Promise<T | undefined>;
  /** Documents of a kind, oldest first; narrowed to a scope and/or a name (all versions of it). */
  list<T>(kind: ResourceKind, filter?: { scope?: string; name?: string }): Promise<T[]>;
  /** Inserts a new document; returns false (and writes nothing) when the key already exists. */
  insert(kind: ResourceKind, key: ResourceKey, doc: unknown): Promise<boolean>;
  /** Replaces an existing document; returns false when there is none. */
  replace(kind: ResourceKind, key: ResourceKey, doc: unknown): Promise<boolean>;
  remove(kind: ResourceKind, key: ResourceKey): Promise<boolean>;
  /** Removes every document of a kind in a scope (an endpoint's deployments); returns how many. */
  removeScope(kind: ResourceKind, scope: string): Promise<number>;
}

/** A window of a job's mini-batches, by position in index order. */
export interface MiniBatchPage {
  offset: number;
  limit: number;
}

/** What the store keeps of a finished attempt (the pool reports it as an AttemptResult). */
export interface AttemptRecord {
  /** `pending` puts the mini-batch back for a retry. */
  state: Exclude<MiniBatchState, 'running' | 'canceled'>;
  succeeded: number;
  failed: number;
  rowsWritten: number;
  worker: string;
  elapsedMs: number;
  error?: JobError;
  inputs?: InputFileDigest[];
}

/** The server driving an active job (planning it, dispatching its mini-batches, ending it), and until when. */
export interface JobDriver {
  /** The server holding the lease, as it names itself. */
  owner: string;
  /** Epoch milliseconds at which the lease lapses unless its owner renews it. */
  expiresAt: number;
}

/**
 * What a page of the jobs list narrows to; every field is optional and they all hold at once. Names
 * compare case-insensitively, as ARM names do.
 */
export interface JobListFilter {
  endpoint?: string;
  deployment?: string;
  /** Any of these statuses. */
  statuses?: readonly JobStatus[];
  /** The creator's name (`systemData.createdBy`). */
  creator?: string;
  /** Only the jobs this principal created (an own-jobs-only caller's lists), as access-decision matches. */
  owner?: { objectId: string; name: string };
  /** The model that scored the job (its name, any case), and optionally which version of it. */
  model?: string;
  modelVersion?: string;
  /** ISO times (`toISOString()` form): created at or after `since`, and before `until`. */
  since?: string;
  until?: string;
}

/** One page of the jobs list, newest first, and the cursor of the page after it (none on the last). */
export interface JobPage {
  jobs: JobRecord[];
  next?: number;
}

/** How many of an endpoint's jobs were created on a UTC day (`YYYY-MM-DD`) and now have a status. */
export interface DailyJobCount {
  day: string;
  status: JobStatus;
  count: number;
}

/**
 * Jobs and their mini-batches. Every state change is one call, so progress, the error threshold, cancel
 * and resume after a crash are plain queries whichever queue delivers the work. Job names (and the
 * endpoint and deployment filters) compare case-insensitively, as ARM names do. Each mini-batch change
 * happens only from the state it names (`startAttempt` from pending, `finishAttempt` from running), so a
 * worker's late report for a canceled or reset mini-batch changes nothing. test/contracts checks all this.
 */
export interface JobRepository {
  create(job: JobRecord): Promise<boolean>;
  get(name: string): Promise<JobRecord | undefined>;
  /**
   * The job and its counts as of one moment, in one round trip: what a status poll shows. A job read
   * and its counts read apart could disagree (a Completed job with a mini-batch still running).
   */
  getWithCounts(name: string): Promise<JobWithCounts | undefined>;
  /** Newest first. */
  list(filter?: { endpoint?: string; deployment?: string; limit?: number }): Promise<JobRecord[]>;
  /**
   * Keyset paging: at most `limit` jobs matching the filter, newest first, after the cursor a previous
   * page returned as `next` (a position in creation order, so a page costs the same on page 1 or 100 and
   * jobs created meanwhile never shift a later page).
   */
  page(filter: JobListFilter & { limit: number; after?: number }): Promise<JobPage>;
  /** Per UTC day since `since` (ISO), how many of the endpoint's jobs have each status. */
  dailyCounts(filter: JobListFilter & { endpoint: string; since: string }): Promise<DailyJobCount[]>;
  /** Jobs not yet Completed, Failed or Canceled (for resume after a restart). */
  listActive(): Promise<JobRecord[]>;
  /**
   * Merges `patch` into the job; when `from` is given the change happens only if the job's status is one
   * of them. Returns the updated job, or undefined when the guard did not hold.
   */
  update(
    name: string,
    patch: Partial<JobRecord>,
    from?: readonly JobStatus[],
  ): Promise<JobRecord | undefined>;
  /** Records the job's first real error; later errors never replace it. */
  setFirstError(name: string, error: JobError): Promise<void>;
  /** Adds the planned mini-batches; adding an index that exists is a no-op. */
  addMiniBatches(job: string, batches: readonly { index: number; files: string[] }[]): Promise<void>;
  /**
   * The job's mini-batches in index order; with `page`, only `limit` of them from `offset` on (the
   * studio's table pages through a job of thousands without reading them all).
   */
  miniBatches(job: string, page?: MiniBatchPage): Promise<MiniBatchRecord[]>;
  getMiniBatch(job: string, index: number): Promise<MiniBatchRecord | undefined>;
  /** pending → running with one more attempt; undefined if the mini-batch is not pending (e.g. canceled). */
  startAttempt(job: string, index: number, worker: string): Promise<MiniBatchRecord | undefined>;
  finishAttempt(job: string, index: number, result: AttemptRecord): Promise<void>;
  /**
   * After a crash: running → pending, without charging the lost attempt to the script; only the given
   * mini-batches when `indexes` is given (attempts the driver lost track of, the rest still running).
   */
  resetRunning(job: string, indexes?: readonly number[]): Promise<number>;
  /** pending and running → canceled; returns how many. */
  cancelOpen(job: string): Promise<number>;
  /**
   * succeeded → pending for these mini-batches, their item and row counts cleared (attempts kept): a
   * server that takes a job over and cannot find a part another wrote scores it again rather than lose
   * its rows. Returns how many changed.
   */
  rescore(job: string, indexes: readonly number[]): Promise<number>;
  counts(job: string): Promise<JobCounts>;
  /**
   * Takes the job's driver lease for `owner` until `nowMs + ttlMs` when it is free, has lapsed
   * (`expiresAt <= nowMs`) or is already `owner`'s (a renewal); false when another server holds it or
   * there is no such job. One atomic step, so of servers racing for a job exactly one drives it.
   */
  claimDriver(job: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean>;
  /** Gives the lease up when `owner` holds it (done with the job, or stopping); false otherwise. */
  releaseDriver(job: string, owner: string): Promise<boolean>;
  /** The lease as recorded, lapsed or not (for diagnostics); undefined when nobody holds it. */
  driverOf(job: string): Promise<JobDriver | undefined>;
}

/** One line of the audit log: who did what, where, from which address, and how it ended. */
export interface AuditEntry {
  /** Assigned by the repository, increasing: the order entries were appended in. */
  seq?: number;
  time: string;
  /** Object id of the caller, or '' when the call carried no acceptable token. */
  principalId: string;
  /** What the caller is called: app id, managed identity client id, user name, or ''. */
  principal: string;
  principalType: string;
  /** An Azure action string (`.../batchEndpoints/jobs/write`) or a token event (`token/issue`). */
  action: string;
  scope: string;
  method: string;
  path: string;
  address: string;
  /** HTTP status of the answer. */
  status: number;
  result: 'Succeeded' | 'Failed' | 'Denied';
  /** Error code of a refusal or failure; never a secret or a token. */
  detail?: string;
}

export interface AuditFilter {
  /** ISO time: entries at or after it. */
  since?: string;
  /** Matches principalId or principal, ignoring case. */
  principal?: string;
  result?: AuditEntry['result'];
  /** Entries whose action contains this text, ignoring case (`jobs/write`, `token/`). */
  action?: string;
  /** Newest entries first, at most this many (default 100). */
  limit?: number;
  /** Entries whose scope or path contains this text, ignoring case (an endpoint's name, `/datastores/`). */
  resource?: string;
  /** ISO time: entries before it. */
  until?: string;
  /** Keyset paging: entries older than the one with this sequence number (the last of the previous page). */
  beforeSeq?: number;
}

/** Append-only: nothing in the API updates or deletes an entry. */
export interface AuditRepository {
  append(entry: AuditEntry): Promise<void>;
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
}

/** What the store needs to know of a pipeline run; the rest of the record is kept as it is. */
export interface StoredPipelineRun {
  runId: string;
  pipelineName: string;
  status: string;
  [field: string]: unknown;
}

/** What the store needs to know of an activity run (one per attempt and per iteration). */
export interface StoredActivityRun {
  activityRunId: string;
  pipelineRunId: string;
  [field: string]: unknown;
}

/** Pipeline runs and their activity runs, written as they change so a reader sees a run live. */
export interface PipelineRunRepository {
  /** Inserts or replaces the run. */
  saveRun(run: StoredPipelineRun): Promise<void>;
  getRun(runId: string): Promise<StoredPipelineRun | undefined>;
  /** Newest first. */
  listRuns(filter?: { pipelineName?: string; status?: string; limit?: number }): Promise<StoredPipelineRun[]>;
  /** Inserts or replaces the activity run. */
  saveActivityRun(run: StoredActivityRun): Promise<void>;
  /** In the order they were first saved (start order). */
  activityRuns(pipelineRunId: string): Promise<StoredActivityRun[]>;
}

export interface MetadataStore {
  readonly resources: ResourceRepository;
  readonly jobs: JobRepository;
  readonly audit: AuditRepository;
  readonly pipelineRuns: PipelineRunRepository;
  close(): Promise<void>;
}
