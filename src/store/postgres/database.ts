/**
 * Opens the PostgreSQL metadata database (a `pg` pool) and brings its schema up to date. Several servers
 * may start at once against one empty database, so the numbered migrations run in one transaction under
 * an advisory lock: the first server creates the tables, the others wait for it and then find nothing to
 * do. A `schema` puts every table in a schema of its own (created if missing), which is how tests, or
 * two deployments sharing one database, keep apart.
 */
import { Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { ValidationError } from '../../core/errors.ts';
import { JOB_COUNTS_MIGRATION } from './job-counts.ts';

// Names compare case-insensitively as SQLite's NOCASE does (ASCII letters only), so every name a query
// looks up by is stored beside a folded key: `*_key` columns below hold foldCase(value).
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE resources (
     kind TEXT NOT NULL,
     scope TEXT NOT NULL,
     name_key TEXT NOT NULL,
     version TEXT NOT NULL,
     body TEXT NOT NULL,
     seq BIGINT GENERATED ALWAYS AS IDENTITY,
     PRIMARY KEY (kind, scope, name_key, version)
   );
   CREATE INDEX resources_by_seq ON resources (kind, seq);`,
  `CREATE TABLE jobs (
     name_key TEXT PRIMARY KEY,
     endpoint_key TEXT NOT NULL,
     deployment_key TEXT NOT NULL,
     status TEXT NOT NULL,
     body TEXT NOT NULL,
     first_error TEXT,
     driver TEXT,
     driver_until DOUBLE PRECISION,
     seq BIGINT GENERATED ALWAYS AS IDENTITY
   );
   CREATE INDEX jobs_by_seq ON jobs (seq);
   CREATE INDEX jobs_by_endpoint ON jobs (endpoint_key, seq);
   CREATE TABLE mini_batches (
     job TEXT NOT NULL,
     job_key TEXT NOT NULL,
     idx INTEGER NOT NULL,
     files TEXT NOT NULL,
     item_count INTEGER NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     succeeded BIGINT NOT NULL DEFAULT 0,
     failed BIGINT NOT NULL DEFAULT 0,
     rows_written BIGINT NOT NULL DEFAULT 0,
     worker TEXT,
     elapsed_ms DOUBLE PRECISION,
     error TEXT,
     inputs TEXT,
     PRIMARY KEY (job_key, idx)
   );
   CREATE INDEX mini_batches_by_state ON mini_batches (job_key, state);`,
  `CREATE TABLE audit_log (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     time TEXT COLLATE "C" NOT NULL,
     principal_id_key TEXT NOT NULL,
     principal_key TEXT NOT NULL,
     action_key TEXT NOT NULL,
     result TEXT NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX audit_log_by_time ON audit_log (time);`,
  `CREATE TABLE pipeline_runs (
     run_key TEXT PRIMARY KEY,
     pipeline_key TEXT NOT NULL,
     status TEXT NOT NULL,
     body TEXT NOT NULL,
     seq BIGINT GENERATED ALWAYS AS IDENTITY
   );
   CREATE INDEX pipeline_runs_by_seq ON pipeline_runs (seq);
   CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs (pipeline_key, seq);
   CREATE TABLE activity_runs (
     activity_key TEXT PRIMARY KEY,
     run_key TEXT NOT NULL,
     body TEXT NOT NULL,
     seq BIGINT GENERATED ALWAYS AS IDENTITY
   );
   CREATE INDEX activity_runs_by_run ON activity_runs (run_key, seq);`,
  // Worker time of every attempt a job's mini-batches ended (the mini-batch row keeps its last attempt's).
  `ALTER TABLE jobs ADD COLUMN worker_ms BIGINT NOT NULL DEFAULT 0;`,
  // Counts as running totals in one row per job, kept by triggers, backfilled from the mini-batches.
  JOB_COUNTS_MIGRATION,
  // The jobs list's filters (creator, time range, model) as columns beside the body, backfilled from it (keys
  // folded as foldCase does: ASCII letters only), and indexes for each filter in creation order.
  `ALTER TABLE jobs ADD COLUMN IF NOT EXISTS created_at TEXT COLLATE "C" NOT NULL DEFAULT '';
   ALTER TABLE jobs ADD COLUMN IF NOT EXISTS created_by_key TEXT NOT NULL DEFAULT '';
   ALTER TABLE jobs ADD COLUMN IF NOT EXISTS created_by_id_key TEXT;
   ALTER TABLE jobs ADD COLUMN IF NOT EXISTS model_key TEXT NOT NULL DEFAULT '';
   ALTER TABLE jobs ADD COLUMN IF NOT EXISTS model_version TEXT NOT NULL DEFAULT '';
   UPDATE jobs SET
     created_at = COALESCE(body::jsonb #>> '{systemData,createdAt}', ''),
     created_by_key = translate(COALESCE(body::jsonb #>> '{systemData,createdBy}', ''), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
     created_by_id_key = translate(body::jsonb #>> '{systemData,createdById}', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
     model_key = translate(COALESCE(body::jsonb #>> '{runtime,modelName}', ''), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
     model_version = COALESCE(body::jsonb #>> '{runtime,modelVersion}', '');
   CREATE INDEX IF NOT EXISTS jobs_by_deployment ON jobs (endpoint_key, deployment_key, seq);
   CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
   CREATE INDEX IF NOT EXISTS jobs_by_creator ON jobs (created_by_key, seq);
   CREATE INDEX IF NOT EXISTS jobs_by_created_at ON jobs (created_at);
   CREATE INDEX IF NOT EXISTS jobs_by_endpoint_day ON jobs (endpoint_key, created_at, status);
   CREATE INDEX IF NOT EXISTS jobs_by_model ON jobs (model_key, model_version, seq);`,
];

/** The first half of the advisory lock's key: "ns" + "mi"(grate), so it collides with no other user's. */
const MIGRATION_LOCK_CLASS = 0x6e736d69;

/** Schema names are unquoted lower-case identifiers, so SQL, search_path and pg_namespace agree on them. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresOptions {
  /** A libpq connection URL: `postgresql://user@host:5432/database`. */
  url: string;
  /** The schema that holds every table (created if missing); the connection's search_path otherwise. */
  schema?: string;
}

/** ASCII-only lower case, as SQLite's NOCASE compares: the key every case-insensitive name is stored by. */
export function foldCase(name: string): string {
  return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** What the repositories run SQL through. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    args?: readonly unknown[],
  ): Promise<QueryResult<R>>;
}

/** The open database: single statements, transactions on one connection, and the end of the pool. */
export interface Database extends Sql {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * PostgreSQL text cannot hold NUL, which SQLite keeps and compares like any other character. No text the
 * store writes holds one (bodies are JSON, which escapes it; names are validated before they are
 * stored), so a NUL comes only in a lookup, a fuzzed `%00` in a path, which must find nothing rather than
 * fail. It becomes U+FFFD, which matches only a stored name with U+FFFD in that place.
 */
function storableArgs(args: readonly unknown[]): unknown[] {
  const storable = (value: unknown): unknown =>
    typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD') : value;
  return args.map((arg) => (Array.isArray(arg) ? arg.map(storable) : storable(arg)));
}

function sqlOn(target: Pool | PoolClient): Sql {
  return {
    query: <R extends QueryResultRow>(text: string, args: readonly unknown[] = []) =>
      target.query<R>(text, storableArgs(args)),
  };
}

/** Opens a pool whose connections all work in the store's schema, and migrates the schema. */
export async function openDatabase(options: PostgresOptions): Promise<Database> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new ValidationError(
      `schema '${schema}' is not a valid PostgreSQL schema name: use lower-case letters, digits and '_' (at most 63), starting with a letter or '_'`,
      'schema',
    );
  }
  const pool = new Pool({
    connectionString: options.url,
    application_name: 'nightshift',
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection the server drops (a restart, a timeout) is an error event on the pool; without a
  // listener it would end the process. The pool discards that connection and the next query opens another.
  pool.on('error', () => undefined);
  let ended = false;
  const database: Database = {
    ...sqlOn(pool),
    transaction: (work) => inTransaction(pool, work),
    async close() {
      // pg refuses to end a pool twice; a second close, like SQLite's, does nothing.
      if (ended) return;
      ended = true;
      await pool.end();
    },
  };
  try {
    await database.transaction((sql) => migrate(sql, schema));
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function migrate(sql: Sql, schema: string | undefined): Promise<void> {
  // Held to the end of the transaction: a second server waits here, then sees the versions applied.
  await sql.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema ?? '']);
  if (schema !== undefined) await sql.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await sql.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const { rows } = await sql.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
  const current = rows[0]?.v ?? 0;
  for (let i = current; i < MIGRATIONS.length; i++) {
    await sql.query(MIGRATIONS[i] ?? '');
    await sql.query('INSERT INTO schema_version (version) VALUES ($1)', [i + 1]);
  }
}

/** A connection whose rollback failed is destroyed rather than handed to the next caller. */
async function inTransaction<T>(pool: Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(sqlOn(client));
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackError) {
      client.release(rollbackError instanceof Error ? rollbackError : true);
    }
    throw error;
  }
}
