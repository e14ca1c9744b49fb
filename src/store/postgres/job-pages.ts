/**
 * The jobs list's pages and per-day counts in PostgreSQL, as the SQLite store has them: keyset paging on
 * `seq` (creation order) rather than OFFSET, so every page of 10,000 jobs reads only its own rows through
 * the indexes the migration made for each filter. Names are matched by their folded keys.
 */
import type { JobRecord } from '../../core/jobs.ts';
import type { DailyJobCount, JobListFilter, JobPage } from '../contract.ts';
import { foldCase, type Database } from './database.ts';

interface PageRow {
  body: string;
  status: string;
  first_error: string | null;
  // BIGINT comes back from pg as a string.
  seq: string;
}

/** The WHERE clause of a filter; `args` collects its values as $n parameters. */
function whereOf(filter: JobListFilter, args: unknown[]): string {
  const arg = (value: unknown): string => `$${String(args.push(value))}`;
  const where: string[] = [];
  if (filter.endpoint !== undefined) where.push(`endpoint_key = ${arg(foldCase(filter.endpoint))}`);
  if (filter.deployment !== undefined) where.push(`deployment_key = ${arg(foldCase(filter.deployment))}`);
  if (filter.statuses?.length) where.push(`status = ANY(${arg([...filter.statuses])})`);
  if (filter.creator !== undefined) where.push(`created_by_key = ${arg(foldCase(filter.creator))}`);
  // As access-decision's createdBy(): the object id when the job recorded one, else the name.
  if (filter.owner) {
    const id = arg(foldCase(filter.owner.objectId));
    const name = arg(foldCase(filter.owner.name));
    where.push(`(created_by_id_key = ${id} OR (created_by_id_key IS NULL AND created_by_key = ${name}))`);
  }
  if (filter.model !== undefined) where.push(`model_key = ${arg(foldCase(filter.model))}`);
  if (filter.modelVersion !== undefined) where.push(`model_version = ${arg(filter.modelVersion)}`);
  if (filter.since !== undefined) where.push(`created_at >= ${arg(filter.since)}`);
  if (filter.until !== undefined) where.push(`created_at < ${arg(filter.until)}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

export async function pageOfJobs(
  db: Database,
  filter: JobListFilter & { limit: number; after?: number },
  toJob: (row: PageRow) => JobRecord,
): Promise<JobPage> {
  const args: unknown[] = [];
  let where = whereOf(filter, args);
  if (filter.after !== undefined) {
    args.push(filter.after);
    where = `${where ? `${where} AND` : 'WHERE'} seq < $${String(args.length)}`;
  }
  args.push(filter.limit + 1);
  // One row more than the page says whether there is a next page without counting the rest.
  const { rows } = await db.query<PageRow>(
    `SELECT body, status, first_error, seq FROM jobs ${where} ORDER BY seq DESC LIMIT $${String(args.length)}`,
    args,
  );
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    jobs: page.map(toJob),
    ...(rows.length > filter.limit && last ? { next: Number(last.seq) } : {}),
  };
}

export async function dailyJobCounts(
  db: Database,
  filter: JobListFilter & { endpoint: string; since: string },
): Promise<DailyJobCount[]> {
  const args: unknown[] = [];
  const { rows } = await db.query<{ day: string; status: DailyJobCount['status']; count: string }>(
    `SELECT substr(created_at, 1, 10) AS day, status, COUNT(*) AS count FROM jobs ${whereOf(filter, args)}
     GROUP BY 1, 2 ORDER BY 1, 2`,
    args,
  );
  return rows.map((r) => ({ day: r.day, status: r.status, count: Number(r.count) }));
}
