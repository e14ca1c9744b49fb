/**
 * Pipeline runs and activity runs as JSON documents in two PostgreSQL tables. A record is saved whole
 * every time it changes (started, finished, retried); an upsert keeps its first sequence number, so
 * activity runs list in the order they started even when they finish out of order.
 */
import type { PipelineRunRepository, StoredActivityRun, StoredPipelineRun } from '../contract.ts';
import { foldCase, type Database } from './database.ts';

export function createPostgresPipelineRunRepository(db: Database): PipelineRunRepository {
  const bodies = async <T>(sql: string, args: (string | number)[]): Promise<T[]> =>
    (await db.query<{ body: string }>(sql, args)).rows.map((r) => JSON.parse(r.body) as T);

  return {
    async saveRun(run) {
      // As in SQLite, a run keeps the pipeline it was first saved under; status and body follow it.
      await db.query(
        `INSERT INTO pipeline_runs (run_key, pipeline_key, status, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (run_key) DO UPDATE SET status = excluded.status, body = excluded.body`,
        [foldCase(run.runId), foldCase(run.pipelineName), run.status, JSON.stringify(run)],
      );
    },
    async getRun(runId) {
      const [run] = await bodies<StoredPipelineRun>('SELECT body FROM pipeline_runs WHERE run_key = $1', [
        foldCase(runId),
      ]);
      return run;
    },
    listRuns(filter = {}) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const arg = (value: string | number): string => `$${String(args.push(value))}`;
      if (filter.pipelineName !== undefined)
        where.push(`pipeline_key = ${arg(foldCase(filter.pipelineName))}`);
      if (filter.status !== undefined) where.push(`status = ${arg(filter.status)}`);
      const limit = Math.max(1, Math.trunc(filter.limit ?? 100));
      const sql = `SELECT body FROM pipeline_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${arg(limit)}`;
      return bodies<StoredPipelineRun>(sql, args);
    },
    async saveActivityRun(run) {
      await db.query(
        `INSERT INTO activity_runs (activity_key, run_key, body) VALUES ($1, $2, $3)
         ON CONFLICT (activity_key) DO UPDATE SET body = excluded.body`,
        [foldCase(run.activityRunId), foldCase(run.pipelineRunId), JSON.stringify(run)],
      );
    },
    activityRuns(pipelineRunId) {
      return bodies<StoredActivityRun>('SELECT body FROM activity_runs WHERE run_key = $1 ORDER BY seq', [
        foldCase(pipelineRunId),
      ]);
    },
  };
}
