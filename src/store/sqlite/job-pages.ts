/**
 * The jobs list's pages and per-day counts in SQLite. Paging is by keyset on `seq` (creation order), not
 * OFFSET: page 100 of 10,000 jobs reads the same few rows as page 1, through the indexes the migration
 * made for each filter, and a job created while someone pages never shifts the rows of a later page.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { JobRecord } from '../../core/jobs.ts';
import type { DailyJobCount, JobListFilter, JobPage } from '../contract.ts';

interface PageRow {
  body: string;
  status: string;
  first_error: string | null;
  seq: number;
}

/** The WHERE clause of a filter, with its arguments in order. */
function whereOf(filter: JobListFilter): { sql: string; args: SQLInputValue[] } {
  const where: string[] = [];
  const args: SQLInputValue[] = [];
  const add = (clause: string, ...values: SQLInputValue[]) => {
    where.push(clause);
    args.push(...values);
  };
  if (filter.endpoint !== undefined) add('endpoint = ?', filter.endpoint);
  if (filter.deployment !== undefined) add('deployment = ?', filter.deployment);
  if (filter.statuses?.length)
    add(`status IN (${filter.statuses.map(() => '?').join(', ')})`, ...filter.statuses);
  if (filter.creator !== undefined) add('created_by = ?', filter.creator);
  // As access-decision's createdBy(): the object id when the job recorded one, else the name.
  if (filter.owner)
    add(
      '(created_by_id = ? OR (created_by_id IS NULL AND created_by = ?))',
      filter.owner.objectId,
      filter.owner.name,
    );
  if (filter.model !== undefined) add('model_name = ?', filter.model);
  if (filter.modelVersion !== undefined) add('model_version = ?', filter.modelVersion);
  if (filter.since !== undefined) add('created_at >= ?', filter.since);
  if (filter.until !== undefined) add('created_at < ?', filter.until);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

export function pageOfJobs(
  db: DatabaseSync,
  filter: JobListFilter & { limit: number; after?: number },
  toJob: (row: PageRow) => JobRecord,
): JobPage {
  const { sql, args } = whereOf(filter);
  const clauses = filter.after === undefined ? sql : `${sql ? `${sql} AND` : 'WHERE'} seq < ?`;
  if (filter.after !== undefined) args.push(filter.after);
  // One row more than the page says whether there is a next page without counting the rest.
  const rows = db
    .prepare(`SELECT body, status, first_error, seq FROM jobs ${clauses} ORDER BY seq DESC LIMIT ?`)
    .all(...args, filter.limit + 1) as unknown as PageRow[];
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    jobs: page.map(toJob),
    ...(rows.length > filter.limit && last ? { next: last.seq } : {}),
  };
}

export function dailyJobCounts(
  db: DatabaseSync,
  filter: JobListFilter & { endpoint: string; since: string },
): DailyJobCount[] {
  const { sql, args } = whereOf(filter);
  return db
    .prepare(
      `SELECT substr(created_at, 1, 10) AS day, status, COUNT(*) AS count FROM jobs ${sql}
       GROUP BY day, status ORDER BY day, status`,
    )
    .all(...args) as unknown as DailyJobCount[];
}
