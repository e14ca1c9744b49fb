/**
 * A job's counts on PostgreSQL as running totals, kept by statement-level triggers on `mini_batches` in
 * the statement (so the transaction) of every change: a status read sums a fixed number of rows however
 * many mini-batches the job has, instead of a GROUP BY over all of them.
 *
 * The totals are split over 16 slots per job (`job_counts` (job, slot), a mini-batch counting in slot
 * index % 16). A row updated by one transaction stays locked until its commit is flushed (about 2.6 ms on
 * this machine), so a single row per job would let that job's transitions through one at a time, fewer
 * than the embedded mode dispatches; 16 rows let 16 wait on the disk together.
 *
 * Deadlock-free however many servers move mini-batches of one job at once: AFTER triggers run at the end
 * of their statement, so every statement locks its mini-batch rows first and its slot rows last, in
 * slot order, then commits; no transaction holds a slot row while it waits for a mini-batch row, and two
 * statements take the slots they share in the same order. (Per-state rows, as SQLite keeps, would be
 * locked in opposite orders by opposite transitions, pending→running against running→pending.) Each
 * statement must therefore stay alone in its transaction, as every repository method's is.
 */
import type { JobCounts } from '../../core/jobs.ts';

const SLOTS = 16;

/** The totals one mini-batch row adds to its job's counts: `sign` 1 when it appears, -1 when it goes. */
function contributions(table: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const inState = (state: string) => `CASE WHEN state = '${state}' THEN ${s}1 ELSE 0 END`;
  return `SELECT job_key, idx % ${String(SLOTS)} AS slot, ${inState('pending')} AS pending, ${inState('running')} AS running,
      ${inState('succeeded')} AS succeeded, ${inState('failed')} AS failed, ${inState('canceled')} AS canceled,
      ${s}item_count AS items, ${s}succeeded AS items_ok, ${s}failed AS items_bad, ${s}rows_written AS rows_written
    FROM ${table}`;
}

const COLUMNS = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'items',
  'items_ok',
  'items_bad',
  'rows_written',
] as const;

/**
 * Adds the summed contributions of `source` to each (job, slot) row, creating it when missing, in
 * (job, slot) order: every statement locks the slot rows it shares with another in the same order.
 */
function addTotals(source: string): string {
  return `INSERT INTO job_counts AS c (job_key, slot, ${COLUMNS.join(', ')})
    SELECT job_key, slot, ${COLUMNS.map((c) => `SUM(${c})`).join(', ')} FROM (${source}) AS delta
    GROUP BY job_key, slot ORDER BY job_key, slot
    ON CONFLICT (job_key, slot) DO UPDATE SET ${COLUMNS.map((c) => `${c} = c.${c} + excluded.${c}`).join(', ')}`;
}

/** A trigger function for one event: its body reads that event's transition tables, `added` and `removed`. */
function triggerFunction(name: string, source: string): string {
  return `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      ${addTotals(source)};
      RETURN NULL;
    END $fn$;`;
}

/**
 * The migration: the table, one trigger per event (PostgreSQL allows transition tables only on a
 * single-event trigger), then the totals of the mini-batches already there. Creating the triggers first
 * takes the lock that makes writers to `mini_batches` wait until this transaction commits, so no change
 * falls between the backfill's snapshot and the triggers; the worker time recorded so far on `jobs` moves
 * here too (that column is no longer written, and is left for a server of the previous version).
 */
export const JOB_COUNTS_MIGRATION = `
  CREATE TABLE job_counts (
    job_key TEXT NOT NULL,
    slot INTEGER NOT NULL,
    ${COLUMNS.map((c) => `${c} BIGINT NOT NULL DEFAULT 0`).join(',\n    ')},
    worker_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (job_key, slot)
  );
  LOCK TABLE mini_batches IN SHARE ROW EXCLUSIVE MODE;
  ${triggerFunction('job_counts_insert', contributions('added', 1))}
  ${triggerFunction('job_counts_update', `${contributions('removed', -1)} UNION ALL ${contributions('added', 1)}`)}
  ${triggerFunction('job_counts_delete', contributions('removed', -1))}
  CREATE TRIGGER job_counts_insert AFTER INSERT ON mini_batches REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_insert();
  CREATE TRIGGER job_counts_update AFTER UPDATE ON mini_batches
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_update();
  CREATE TRIGGER job_counts_delete AFTER DELETE ON mini_batches REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_delete();
  ${addTotals(contributions('mini_batches', 1))};
  INSERT INTO job_counts AS c (job_key, slot, worker_ms)
    SELECT name_key, 0, worker_ms FROM jobs WHERE worker_ms <> 0
    ON CONFLICT (job_key, slot) DO UPDATE SET worker_ms = excluded.worker_ms;`;

/** A job's summed `job_counts` rows as pg returns them: numeric sums are strings, null without rows. */
export type CountsRow = Record<(typeof COLUMNS)[number] | 'worker_ms', string | null>;

const SUMS = [...COLUMNS, 'worker_ms'].map((c) => `SUM(${c}) AS ${c}`).join(', ');

export const COUNTS_QUERY = `SELECT ${SUMS} FROM job_counts WHERE job_key = $1`;

/** A job's `columns` with its summed counts beside them, from one statement (one snapshot). */
export const JOB_WITH_COUNTS_QUERY = (columns: string): string =>
  `SELECT ${columns}, counted.* FROM jobs
   CROSS JOIN LATERAL (SELECT ${SUMS} FROM job_counts WHERE job_key = jobs.name_key) AS counted
   WHERE jobs.name_key = $1`;

/** The slot of a job's counts that mini-batch `index` counts in (its worker time too). */
export const slotOf = (index: number): number => index % SLOTS;

/** The counts of a job from its row; a job without one has no mini-batches and no worker time. */
export function toCounts(row: CountsRow | undefined): JobCounts {
  const n = (column: keyof CountsRow) => Number(row?.[column] ?? 0);
  const miniBatches = {
    total: 0,
    pending: n('pending'),
    running: n('running'),
    succeeded: n('succeeded'),
    failed: n('failed'),
    canceled: n('canceled'),
  };
  miniBatches.total =
    miniBatches.pending +
    miniBatches.running +
    miniBatches.succeeded +
    miniBatches.failed +
    miniBatches.canceled;
  return {
    miniBatches,
    items: { total: n('items'), succeeded: n('items_ok'), failed: n('items_bad') },
    rows: n('rows_written'),
    workerSeconds: n('worker_ms') / 1000,
  };
}
