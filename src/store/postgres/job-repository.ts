/**
 * Jobs and mini-batches in PostgreSQL. A job is a JSON body with its status in a column of its own (for
 * guarded transitions); mini-batches are rows, so every mini-batch transition is one guarded UPDATE that
 * servers sharing the database can race safely (the row lock makes the loser see the winner's state).
 * Counts are running totals in one row per job that triggers keep in the statement of every mini-batch
 * change (job-counts.ts), so reading them costs the same for a job of ten mini-batches or a million.
 */
import {
  miniBatchId,
  NON_TERMINAL_STATUSES,
  type InputFileDigest,
  type JobError,
  type JobRecord,
  type JobStatus,
  type MiniBatchRecord,
} from '../../core/jobs.ts';
import type { AttemptRecord, JobRepository } from '../contract.ts';
import { foldCase, type Database } from './database.ts';
import { dailyJobCounts, pageOfJobs } from './job-pages.ts';
import { COUNTS_QUERY, JOB_WITH_COUNTS_QUERY, slotOf, toCounts, type CountsRow } from './job-counts.ts';

interface JobRow {
  body: string;
  status: string;
  first_error: string | null;
}

interface MiniBatchRow {
  job: string;
  idx: number;
  files: string;
  state: MiniBatchRecord['state'];
  attempts: number;
  // BIGINT columns come back as strings from pg.
  succeeded: string;
  failed: string;
  rows_written: string;
  worker: string | null;
  elapsed_ms: number | null;
  error: string | null;
  inputs: string | null;
}

const JOB_COLUMNS = 'body, status, first_error';

function toJob(row: JobRow): JobRecord {
  const job = JSON.parse(row.body) as JobRecord;
  job.status = row.status as JobStatus;
  if (row.first_error) job.error = JSON.parse(row.first_error) as JobError;
  return job;
}

function toMiniBatch(row: MiniBatchRow): MiniBatchRecord {
  return {
    job: row.job,
    index: row.idx,
    id: miniBatchId(row.job, row.idx),
    files: JSON.parse(row.files) as string[],
    state: row.state,
    attempts: row.attempts,
    succeeded: Number(row.succeeded),
    failed: Number(row.failed),
    rowsWritten: Number(row.rows_written),
    ...(row.worker ? { worker: row.worker } : {}),
    ...(row.elapsed_ms !== null ? { elapsedMs: row.elapsed_ms } : {}),
    ...(row.error ? { error: JSON.parse(row.error) as JobError } : {}),
    ...(row.inputs ? { inputs: JSON.parse(row.inputs) as InputFileDigest[] } : {}),
  };
}

type Filter = { endpoint?: string; deployment?: string; limit?: number };

async function list(db: Database, filter: Filter = {}): Promise<JobRecord[]> {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const arg = (value: string | number): string => `$${String(args.push(value))}`;
  if (filter.endpoint) where.push(`endpoint_key = ${arg(foldCase(filter.endpoint))}`);
  if (filter.deployment) where.push(`deployment_key = ${arg(foldCase(filter.deployment))}`);
  // Bound, and a whole number, as the SQLite store takes `$top`.
  const limit = Math.max(1, Math.min(Math.trunc(filter.limit ?? 1000) || 1000, 10000));
  const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY seq DESC LIMIT ${arg(limit)}`;
  return (await db.query<JobRow>(sql, args)).rows.map(toJob);
}

/** Reads the job under a row lock, so a concurrent guarded update waits and then sees this one's result. */
function update(
  db: Database,
  name: string,
  patch: Partial<JobRecord>,
  from?: readonly JobStatus[],
): Promise<JobRecord | undefined> {
  return db.transaction(async (sql) => {
    const { rows } = await sql.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE name_key = $1 FOR UPDATE`,
      [foldCase(name)],
    );
    const row = rows[0];
    if (!row) return undefined;
    const current = toJob(row);
    if (from && !from.includes(current.status)) return undefined;
    const next = { ...current, ...patch };
    // The first error lives in its own column (set once); the body never carries it.
    const body: Partial<JobRecord> = { ...next };
    delete body.error;
    await sql.query('UPDATE jobs SET body = $1, status = $2 WHERE name_key = $3', [
      JSON.stringify(body),
      next.status,
      foldCase(name),
    ]);
    return next;
  });
}

export function createPostgresJobRepository(db: Database): JobRepository {
  return { ...jobMethods(db), ...miniBatchMethods(db), ...driverLeaseMethods(db) };
}

/** How many rows a statement changed. */
async function changed(db: Database, sql: string, args: unknown[]): Promise<number> {
  return (await db.query(sql, args)).rowCount ?? 0;
}

function jobMethods(
  db: Database,
): Pick<
  JobRepository,
  | 'create'
  | 'get'
  | 'getWithCounts'
  | 'list'
  | 'page'
  | 'dailyCounts'
  | 'listActive'
  | 'update'
  | 'setFirstError'
> {
  return {
    async create(job) {
      const done = await changed(
        db,
        `INSERT INTO jobs (name_key, endpoint_key, deployment_key, status, body, created_at, created_by_key,
           created_by_id_key, model_key, model_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
        [
          foldCase(job.name),
          foldCase(job.endpointName),
          foldCase(job.deploymentName),
          job.status,
          JSON.stringify(job),
          job.systemData.createdAt,
          foldCase(job.systemData.createdBy),
          job.systemData.createdById === undefined ? null : foldCase(job.systemData.createdById),
          foldCase(job.runtime.modelName),
          job.runtime.modelVersion,
        ],
      );
      return done === 1;
    },
    async get(name) {
      const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE name_key = $1`, [
        foldCase(name),
      ]);
      return rows[0] ? toJob(rows[0]) : undefined;
    },
    async getWithCounts(name) {
      const { rows } = await db.query<JobRow & CountsRow>(JOB_WITH_COUNTS_QUERY(JOB_COLUMNS), [
        foldCase(name),
      ]);
      return rows[0] ? { job: toJob(rows[0]), counts: toCounts(rows[0]) } : undefined;
    },
    list: (filter) => list(db, filter),
    page: (filter) => pageOfJobs(db, filter, toJob),
    dailyCounts: (filter) => dailyJobCounts(db, filter),
    async listActive() {
      const { rows } = await db.query<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = ANY($1) ORDER BY seq`,
        [NON_TERMINAL_STATUSES],
      );
      return rows.map(toJob);
    },
    update: (name, patch, from) => update(db, name, patch, from),
    async setFirstError(name, error) {
      await db.query('UPDATE jobs SET first_error = $1 WHERE name_key = $2 AND first_error IS NULL', [
        JSON.stringify(error),
        foldCase(name),
      ]);
    },
  };
}

function miniBatchMethods(
  db: Database,
): Pick<
  JobRepository,
  | 'addMiniBatches'
  | 'miniBatches'
  | 'getMiniBatch'
  | 'startAttempt'
  | 'finishAttempt'
  | 'resetRunning'
  | 'cancelOpen'
  | 'rescore'
  | 'counts'
> {
  const miniBatchRows = async (sql: string, args: unknown[]): Promise<MiniBatchRecord[]> =>
    (await db.query<MiniBatchRow>(sql, args)).rows.map(toMiniBatch);
  return {
    async addMiniBatches(job, batches) {
      // One statement: the plan lands whole or not at all, and an index that exists stays as it is.
      await db.query(
        `INSERT INTO mini_batches (job, job_key, idx, files, item_count, state)
         SELECT $1, $2, planned.idx, planned.files, planned.item_count, 'pending'
         FROM unnest($3::integer[], $4::text[], $5::integer[]) WITH ORDINALITY AS planned(idx, files, item_count, n)
         ORDER BY planned.n
         ON CONFLICT DO NOTHING`,
        [
          job,
          foldCase(job),
          batches.map((b) => b.index),
          batches.map((b) => JSON.stringify(b.files)),
          batches.map((b) => b.files.length),
        ],
      );
    },
    miniBatches: (job, page) =>
      page
        ? miniBatchRows('SELECT * FROM mini_batches WHERE job_key = $1 ORDER BY idx LIMIT $2 OFFSET $3', [
            foldCase(job),
            page.limit,
            page.offset,
          ])
        : miniBatchRows('SELECT * FROM mini_batches WHERE job_key = $1 ORDER BY idx', [foldCase(job)]),
    async getMiniBatch(job, index) {
      const [batch] = await miniBatchRows('SELECT * FROM mini_batches WHERE job_key = $1 AND idx = $2', [
        foldCase(job),
        index,
      ]);
      return batch;
    },
    async startAttempt(job, index, worker) {
      const [started] = await miniBatchRows(
        `UPDATE mini_batches SET state = 'running', attempts = attempts + 1, worker = $1
         WHERE job_key = $2 AND idx = $3 AND state = 'pending' RETURNING *`,
        [worker, foldCase(job), index],
      );
      return started;
    },
    async finishAttempt(job, index, r: AttemptRecord) {
      // One statement: the attempt's time is added to the job only when this report moved the mini-batch
      // (a late report for one that is no longer running adds nothing). The mini-batch's row is locked
      // before the counts row, the order the counts triggers keep (job-counts.ts).
      await db.query(
        `WITH moved AS (
           UPDATE mini_batches SET state = $1, succeeded = $2, failed = $3, rows_written = $4, worker = $5,
             elapsed_ms = $6, error = $7, inputs = $8
           WHERE job_key = $9 AND idx = $10 AND state = 'running'
           RETURNING job_key
         )
         UPDATE job_counts SET worker_ms = worker_ms + $11
         WHERE job_key = $9 AND slot = $12 AND EXISTS (SELECT 1 FROM moved)`,
        [
          r.state,
          r.succeeded,
          r.failed,
          r.rowsWritten,
          r.worker,
          r.elapsedMs,
          r.error ? JSON.stringify(r.error) : null,
          r.inputs ? JSON.stringify(r.inputs) : null,
          foldCase(job),
          index,
          Math.max(0, Math.round(r.elapsedMs)),
          slotOf(index),
        ],
      );
    },
    resetRunning: (job, indexes) =>
      changed(
        db,
        `UPDATE mini_batches SET state = 'pending', attempts = GREATEST(attempts - 1, 0)
         WHERE job_key = $1 AND state = 'running' AND ($2::integer[] IS NULL OR idx = ANY($2::integer[]))`,
        [foldCase(job), indexes === undefined ? null : [...indexes]],
      ),
    rescore: (job, indexes) =>
      changed(
        db,
        `UPDATE mini_batches SET state = 'pending', succeeded = 0, failed = 0, rows_written = 0
         WHERE job_key = $1 AND idx = ANY($2::integer[]) AND state = 'succeeded'`,
        [foldCase(job), [...indexes]],
      ),
    cancelOpen: (job) =>
      changed(
        db,
        `UPDATE mini_batches SET state = 'canceled' WHERE job_key = $1 AND state IN ('pending', 'running')`,
        [foldCase(job)],
      ),
    async counts(job) {
      return toCounts((await db.query<CountsRow>(COUNTS_QUERY, [foldCase(job)])).rows[0]);
    },
  };
}

/** Each call is one guarded UPDATE: a racing claim waits on the row lock, then re-checks against the winner. */
function driverLeaseMethods(db: Database): Pick<JobRepository, 'claimDriver' | 'releaseDriver' | 'driverOf'> {
  return {
    async claimDriver(job, owner, ttlMs, nowMs) {
      const done = await changed(
        db,
        `UPDATE jobs SET driver = $1, driver_until = $2
         WHERE name_key = $3 AND (driver IS NULL OR driver = $1 OR driver_until <= $4)`,
        [owner, nowMs + ttlMs, foldCase(job), nowMs],
      );
      return done === 1;
    },
    async releaseDriver(job, owner) {
      const done = await changed(
        db,
        'UPDATE jobs SET driver = NULL, driver_until = NULL WHERE name_key = $1 AND driver = $2',
        [foldCase(job), owner],
      );
      return done === 1;
    },
    async driverOf(job) {
      const { rows } = await db.query<{ driver: string; driver_until: number }>(
        'SELECT driver, driver_until FROM jobs WHERE name_key = $1 AND driver IS NOT NULL',
        [foldCase(job)],
      );
      const row = rows[0];
      return row ? { owner: row.driver, expiresAt: row.driver_until } : undefined;
    },
  };
}
