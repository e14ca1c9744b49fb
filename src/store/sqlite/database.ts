/**
 * Opens the embedded SQLite database (node:sqlite, WAL) and brings its schema up to date. Migrations are
 * numbered and applied once, in order, inside a transaction.
 */
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE resources (
     kind TEXT NOT NULL,
     scope TEXT NOT NULL,
     name TEXT NOT NULL COLLATE NOCASE,
     version TEXT NOT NULL,
     body TEXT NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (kind, scope, name, version)
   );
   CREATE INDEX resources_by_seq ON resources (kind, seq);`,
  `CREATE TABLE jobs (
     name TEXT PRIMARY KEY COLLATE NOCASE,
     endpoint TEXT NOT NULL COLLATE NOCASE,
     deployment TEXT NOT NULL COLLATE NOCASE,
     status TEXT NOT NULL,
     body TEXT NOT NULL,
     first_error TEXT,
     seq INTEGER NOT NULL
   );
   CREATE INDEX jobs_by_endpoint ON jobs (endpoint, seq);
   CREATE TABLE mini_batches (
     job TEXT NOT NULL COLLATE NOCASE,
     idx INTEGER NOT NULL,
     files TEXT NOT NULL,
     item_count INTEGER NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     succeeded INTEGER NOT NULL DEFAULT 0,
     failed INTEGER NOT NULL DEFAULT 0,
     rows_written INTEGER NOT NULL DEFAULT 0,
     worker TEXT,
     elapsed_ms INTEGER,
     error TEXT,
     PRIMARY KEY (job, idx)
   );
   CREATE TABLE task_queue (
     id TEXT PRIMARY KEY,
     job TEXT NOT NULL COLLATE NOCASE,
     payload TEXT NOT NULL,
     state TEXT NOT NULL,
     available_at INTEGER NOT NULL,
     lease_owner TEXT,
     lease_until INTEGER,
     seq INTEGER NOT NULL
   );
   CREATE INDEX task_queue_ready ON task_queue (job, state, available_at, seq);`,
  `ALTER TABLE mini_batches ADD COLUMN inputs TEXT;`,
  `CREATE TABLE audit_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     time TEXT NOT NULL,
     principal_id TEXT NOT NULL COLLATE NOCASE,
     principal TEXT NOT NULL COLLATE NOCASE,
     result TEXT NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX audit_log_by_time ON audit_log (time);`,
  `CREATE TABLE pipeline_runs (
     run_id TEXT PRIMARY KEY COLLATE NOCASE,
     pipeline TEXT NOT NULL COLLATE NOCASE,
     status TEXT NOT NULL,
     body TEXT NOT NULL,
     seq INTEGER NOT NULL
   );
   CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs (pipeline, seq);
   CREATE TABLE activity_runs (
     activity_run_id TEXT PRIMARY KEY COLLATE NOCASE,
     run_id TEXT NOT NULL COLLATE NOCASE,
     body TEXT NOT NULL,
     seq INTEGER NOT NULL
   );
   CREATE INDEX activity_runs_by_run ON activity_runs (run_id, seq);`,
  // A job's counts, kept by triggers in the transaction of every mini-batch change, so reading them after
  // each attempt costs one row per state rather than a scan of the job's mini-batches.
  `CREATE TABLE mini_batch_tallies (
     job TEXT NOT NULL COLLATE NOCASE,
     state TEXT NOT NULL,
     n INTEGER NOT NULL,
     items INTEGER NOT NULL,
     ok INTEGER NOT NULL,
     bad INTEGER NOT NULL,
     rows_written INTEGER NOT NULL,
     PRIMARY KEY (job, state)
   );
   INSERT INTO mini_batch_tallies (job, state, n, items, ok, bad, rows_written)
     SELECT job, state, COUNT(*), SUM(item_count), SUM(succeeded), SUM(failed), SUM(rows_written)
     FROM mini_batches GROUP BY job, state;
   CREATE TRIGGER mini_batches_tally_insert AFTER INSERT ON mini_batches BEGIN
     ${addTally('NEW')}
   END;
   CREATE TRIGGER mini_batches_tally_update AFTER UPDATE OF job, state, item_count, succeeded, failed, rows_written
   ON mini_batches BEGIN
     ${removeTally('OLD')}
     ${addTally('NEW')}
   END;
   CREATE TRIGGER mini_batches_tally_delete AFTER DELETE ON mini_batches BEGIN
     ${removeTally('OLD')}
   END;`,
  // The driver lease: which server drives an active job when several share one database.
  `ALTER TABLE jobs ADD COLUMN driver TEXT;
   ALTER TABLE jobs ADD COLUMN driver_until INTEGER;`,
  // Worker time of every attempt a job's mini-batches ended (the mini-batch row keeps its last attempt's).
  `ALTER TABLE jobs ADD COLUMN worker_ms INTEGER NOT NULL DEFAULT 0;`,
  // The jobs list's filters (creator, time range, model) as columns beside the body, backfilled from it, and
  // indexes that let a filtered page read only its own rows in creation order (job-pages.ts).
  `ALTER TABLE jobs ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
   ALTER TABLE jobs ADD COLUMN created_by TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
   ALTER TABLE jobs ADD COLUMN created_by_id TEXT COLLATE NOCASE;
   ALTER TABLE jobs ADD COLUMN model_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
   ALTER TABLE jobs ADD COLUMN model_version TEXT NOT NULL DEFAULT '';
   UPDATE jobs SET
     created_at = COALESCE(json_extract(body, '$.systemData.createdAt'), ''),
     created_by = COALESCE(json_extract(body, '$.systemData.createdBy'), ''),
     created_by_id = json_extract(body, '$.systemData.createdById'),
     model_name = COALESCE(json_extract(body, '$.runtime.modelName'), ''),
     model_version = COALESCE(json_extract(body, '$.runtime.modelVersion'), '');
   CREATE INDEX jobs_by_seq ON jobs (seq);
   CREATE INDEX jobs_by_deployment ON jobs (endpoint, deployment, seq);
   CREATE INDEX jobs_by_status ON jobs (status, seq);
   CREATE INDEX jobs_by_creator ON jobs (created_by, seq);
   CREATE INDEX jobs_by_created_at ON jobs (created_at);
   CREATE INDEX jobs_by_endpoint_day ON jobs (endpoint, created_at, status);
   CREATE INDEX jobs_by_model ON jobs (model_name, model_version, seq);`,
];

/**
 * The metadata holds secret hashes and the audit log: the file is made owner-only before SQLite creates
 * it (SQLite gives its -wal and -shm files the database file's mode), and narrowed if an older start left
 * it readable by others.
 */
function keepPrivate(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
}

/** The trigger statement that counts mini-batch `row` (NEW or OLD) into its job's tally for its state. */
function addTally(row: string): string {
  return `INSERT INTO mini_batch_tallies (job, state, n, items, ok, bad, rows_written)
     VALUES (${row}.job, ${row}.state, 1, ${row}.item_count, ${row}.succeeded, ${row}.failed, ${row}.rows_written)
     ON CONFLICT (job, state) DO UPDATE SET n = n + 1, items = items + excluded.items, ok = ok + excluded.ok,
       bad = bad + excluded.bad, rows_written = rows_written + excluded.rows_written;`;
}

function removeTally(row: string): string {
  return `UPDATE mini_batch_tallies SET n = n - 1, items = items - ${row}.item_count, ok = ok - ${row}.succeeded,
       bad = bad - ${row}.failed, rows_written = rows_written - ${row}.rows_written
     WHERE job = ${row}.job AND state = ${row}.state;`;
}

export function openDatabase(file: string): DatabaseSync {
  if (file !== ':memory:' && !file.startsWith('file:')) keepPrivate(file);
  const db = new DatabaseSync(file);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
  );
  migrate(db);
  return db;
}

function migrate(db: DatabaseSync): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as
    { v: number | null } | undefined;
  const current = row?.v ?? 0;
  for (let i = current; i < MIGRATIONS.length; i++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[i] ?? '');
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(i + 1);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
}
