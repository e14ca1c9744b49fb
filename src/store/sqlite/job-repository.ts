/**
 * Jobs and mini-batches in SQLite. The job document is JSON with its status in a column of its own (for
 * guarded transitions); mini-batches are rows, so the error threshold and recovery are single statements,
 * and a job's counts are tallies the database keeps up to date as its mini-batches change.
 */
import type { DatabaseSync } from 'node:sqlite';
import {
  miniBatchId,
  NON_TERMINAL_STATUSES,
  type InputFileDigest,
  type JobCounts,
  type JobError,
  type JobRecord,
  type JobStatus,
  type MiniBatchRecord,
} from '../../core/jobs.ts';
import type { AttemptRecord, JobRepository } from '../contract.ts';
import { dailyJobCounts, pageOfJobs } from './job-pages.ts';

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
  succeeded: number;
  failed: number;
  rows_written: number;
  worker: string | null;
  elapsed_ms: number | null;
  error: string | null;
  inputs: string | null;
}

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
    succeeded: row.succeeded,
    failed: row.failed,
    rowsWritten: row.rows_written,
    ...(row.worker ? { worker: row.worker } : {}),
    ...(row.elapsed_ms !== null ? { elapsedMs: row.elapsed_ms } : {}),
    ...(row.error ? { error: JSON.parse(row.error) as JobError } : {}),
    ...(row.inputs ? { inputs: JSON.parse(row.inputs) as InputFileDigest[] } : {}),
  };
}

function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

export function createSqliteJobRepository(db: DatabaseSync): JobRepository {
  const q = {
    insert: db.prepare(
      `INSERT INTO jobs (name, endpoint, deployment, status, body, created_at, created_by, created_by_id,
         model_name, model_version, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs)) ON CONFLICT DO NOTHING`,
    ),
    get: db.prepare('SELECT body, status, first_error FROM jobs WHERE name = ?'),
    write: db.prepare('UPDATE jobs SET body = ?, status = ? WHERE name = ?'),
    firstError: db.prepare('UPDATE jobs SET first_error = ? WHERE name = ? AND first_error IS NULL'),
    active: db.prepare(
      `SELECT body, status, first_error FROM jobs WHERE status IN (${NON_TERMINAL_STATUSES.map(() => '?').join(', ')}) ORDER BY seq`,
    ),
    addBatch: db.prepare(
      `INSERT INTO mini_batches (job, idx, files, item_count, state) VALUES (?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING`,
    ),
    batches: db.prepare('SELECT * FROM mini_batches WHERE job = ? ORDER BY idx'),
    batchPage: db.prepare('SELECT * FROM mini_batches WHERE job = ? ORDER BY idx LIMIT ? OFFSET ?'),
    batch: db.prepare('SELECT * FROM mini_batches WHERE job = ? AND idx = ?'),
    start: db.prepare(
      `UPDATE mini_batches SET state = 'running', attempts = attempts + 1, worker = ?
       WHERE job = ? AND idx = ? AND state = 'pending' RETURNING *`,
    ),
    finish: db.prepare(
      `UPDATE mini_batches SET state = ?, succeeded = ?, failed = ?, rows_written = ?, worker = ?, elapsed_ms = ?, error = ?, inputs = ?
       WHERE job = ? AND idx = ? AND state = 'running'`,
    ),
    addWorkerMs: db.prepare('UPDATE jobs SET worker_ms = worker_ms + ? WHERE name = ?'),
    workerMs: db.prepare('SELECT worker_ms FROM jobs WHERE name = ?'),
    resetRunning: db.prepare(
      `UPDATE mini_batches SET state = 'pending', attempts = MAX(attempts - 1, 0) WHERE job = ? AND state = 'running'`,
    ),
    rescore: db.prepare(
      `UPDATE mini_batches SET state = 'pending', succeeded = 0, failed = 0, rows_written = 0
       WHERE job = ? AND idx = ? AND state = 'succeeded'`,
    ),
    resetOneRunning: db.prepare(
      `UPDATE mini_batches SET state = 'pending', attempts = MAX(attempts - 1, 0)
       WHERE job = ? AND idx = ? AND state = 'running'`,
    ),
    cancelOpen: db.prepare(
      `UPDATE mini_batches SET state = 'canceled' WHERE job = ? AND state IN ('pending', 'running')`,
    ),
    // Kept by triggers (database.ts) as mini-batches change: a few rows, however large the job.
    counts: db.prepare(
      `SELECT state, n, items, ok, bad, rows_written AS rows FROM mini_batch_tallies WHERE job = ?`,
    ),
    claimDriver: db.prepare(
      `UPDATE jobs SET driver = ?, driver_until = ?
       WHERE name = ? AND (driver IS NULL OR driver = ? OR driver_until <= ?)`,
    ),
    releaseDriver: db.prepare(
      'UPDATE jobs SET driver = NULL, driver_until = NULL WHERE name = ? AND driver = ?',
    ),
    driverOf: db.prepare('SELECT driver, driver_until FROM jobs WHERE name = ? AND driver IS NOT NULL'),
  };

  function list(filter: { endpoint?: string; deployment?: string; limit?: number } = {}): JobRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.endpoint) {
      where.push('endpoint = ?');
      args.push(filter.endpoint);
    }
    if (filter.deployment) {
      where.push('deployment = ?');
      args.push(filter.deployment);
    }
    // Bound, and a whole number: SQLite refuses `LIMIT 2.5`, which used to come straight from `$top`.
    const limit = Math.max(1, Math.min(Math.trunc(filter.limit ?? 1000) || 1000, 10000));
    const sql = `SELECT body, status, first_error FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY seq DESC LIMIT ?`;
    return (db.prepare(sql).all(...args, limit) as unknown as JobRow[]).map(toJob);
  }

  function counts(job: string): JobCounts {
    const result: JobCounts = {
      miniBatches: { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 },
      items: { total: 0, succeeded: 0, failed: 0 },
      rows: 0,
      workerSeconds: 0,
    };
    const worker = q.workerMs.get(job) as { worker_ms: number } | undefined;
    result.workerSeconds = (worker?.worker_ms ?? 0) / 1000;
    for (const row of q.counts.all(job) as {
      state: MiniBatchRecord['state'];
      n: number;
      items: number;
      ok: number;
      bad: number;
      rows: number;
    }[]) {
      result.miniBatches[row.state] += row.n;
      result.miniBatches.total += row.n;
      result.items.total += row.items;
      result.items.succeeded += row.ok;
      result.items.failed += row.bad;
      result.rows += row.rows;
    }
    return result;
  }

  return {
    create(job) {
      const done = q.insert.run(
        job.name,
        job.endpointName,
        job.deploymentName,
        job.status,
        JSON.stringify(job),
        job.systemData.createdAt,
        job.systemData.createdBy,
        job.systemData.createdById ?? null,
        job.runtime.modelName,
        job.runtime.modelVersion,
      );
      return Promise.resolve(Number(done.changes) === 1);
    },
    get(name) {
      const row = q.get.get(name) as JobRow | undefined;
      return Promise.resolve(row ? toJob(row) : undefined);
    },
    getWithCounts(name) {
      // Both reads run in this tick, so no write of this process falls between them.
      const row = q.get.get(name) as JobRow | undefined;
      return Promise.resolve(row ? { job: toJob(row), counts: counts(name) } : undefined);
    },
    list: (filter) => Promise.resolve(list(filter)),
    page: (filter) => Promise.resolve(pageOfJobs(db, filter, toJob)),
    dailyCounts: (filter) => Promise.resolve(dailyJobCounts(db, filter)),
    listActive: () =>
      Promise.resolve((q.active.all(...NON_TERMINAL_STATUSES) as unknown as JobRow[]).map(toJob)),
    update(name, patch, from) {
      return Promise.resolve(
        transaction(db, () => {
          const row = q.get.get(name) as JobRow | undefined;
          if (!row) return undefined;
          const current = toJob(row);
          if (from && !from.includes(current.status)) return undefined;
          const next = { ...current, ...patch };
          // The first error lives in its own column (set once); the body never carries it.
          const body: Partial<JobRecord> = { ...next };
          delete body.error;
          q.write.run(JSON.stringify(body), next.status, name);
          return next;
        }),
      );
    },
    setFirstError(name, error) {
      q.firstError.run(JSON.stringify(error), name);
      return Promise.resolve();
    },
    addMiniBatches(job, batches) {
      transaction(db, () => {
        for (const b of batches) q.addBatch.run(job, b.index, JSON.stringify(b.files), b.files.length);
      });
      return Promise.resolve();
    },
    miniBatches: (job, page) =>
      Promise.resolve(
        (
          (page
            ? q.batchPage.all(job, page.limit, page.offset)
            : q.batches.all(job)) as unknown as MiniBatchRow[]
        ).map(toMiniBatch),
      ),
    getMiniBatch(job, index) {
      const row = q.batch.get(job, index) as MiniBatchRow | undefined;
      return Promise.resolve(row ? toMiniBatch(row) : undefined);
    },
    startAttempt(job, index, worker) {
      const row = q.start.get(worker, job, index) as MiniBatchRow | undefined;
      return Promise.resolve(row ? toMiniBatch(row) : undefined);
    },
    finishAttempt(job, index, r: AttemptRecord) {
      transaction(db, () => {
        const finished = q.finish.run(
          r.state,
          r.succeeded,
          r.failed,
          r.rowsWritten,
          r.worker,
          r.elapsedMs,
          r.error ? JSON.stringify(r.error) : null,
          r.inputs ? JSON.stringify(r.inputs) : null,
          job,
          index,
        );
        // Only an attempt that was running counts: a late report for a canceled mini-batch adds nothing.
        if (Number(finished.changes) === 1) q.addWorkerMs.run(Math.max(0, Math.round(r.elapsedMs)), job);
      });
      return Promise.resolve();
    },
    resetRunning(job, indexes) {
      if (indexes === undefined) return Promise.resolve(Number(q.resetRunning.run(job).changes));
      let changed = 0;
      for (const index of indexes) changed += Number(q.resetOneRunning.run(job, index).changes);
      return Promise.resolve(changed);
    },
    cancelOpen: (job) => Promise.resolve(Number(q.cancelOpen.run(job).changes)),
    rescore(job, indexes) {
      let changed = 0;
      for (const index of indexes) changed += Number(q.rescore.run(job, index).changes);
      return Promise.resolve(changed);
    },
    counts: (job) => Promise.resolve(counts(job)),
    claimDriver(job, owner, ttlMs, nowMs) {
      const done = q.claimDriver.run(owner, nowMs + ttlMs, job, owner, nowMs);
      return Promise.resolve(Number(done.changes) === 1);
    },
    releaseDriver: (job, owner) => Promise.resolve(Number(q.releaseDriver.run(job, owner).changes) === 1),
    driverOf(job) {
      const row = q.driverOf.get(job) as { driver: string; driver_until: number } | undefined;
      return Promise.resolve(row ? { owner: row.driver, expiresAt: row.driver_until } : undefined);
    },
  };
}
