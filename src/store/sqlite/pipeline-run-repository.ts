/**
 * Pipeline runs and activity runs as JSON documents in two SQLite tables. A record is saved whole every
 * time it changes (started, finished, retried); an upsert keeps its first sequence number, so activity
 * runs list in the order they started even when they finish out of order.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { PipelineRunRepository, StoredActivityRun, StoredPipelineRun } from '../contract.ts';

export function createSqlitePipelineRunRepository(db: DatabaseSync): PipelineRunRepository {
  const s = {
    saveRun: db.prepare(
      `INSERT INTO pipeline_runs (run_id, pipeline, status, body, seq)
       VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM pipeline_runs))
       ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, body = excluded.body`,
    ),
    getRun: db.prepare('SELECT body FROM pipeline_runs WHERE run_id = ?'),
    saveActivity: db.prepare(
      `INSERT INTO activity_runs (activity_run_id, run_id, body, seq)
       VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM activity_runs))
       ON CONFLICT (activity_run_id) DO UPDATE SET body = excluded.body`,
    ),
    activities: db.prepare('SELECT body FROM activity_runs WHERE run_id = ? ORDER BY seq'),
  };
  const parse = <T>(rows: unknown[]): T[] => rows.map((r) => JSON.parse((r as { body: string }).body) as T);

  return {
    saveRun(run) {
      s.saveRun.run(run.runId, run.pipelineName, run.status, JSON.stringify(run));
      return Promise.resolve();
    },
    getRun(runId) {
      const row = s.getRun.get(runId) as { body: string } | undefined;
      return Promise.resolve(row ? (JSON.parse(row.body) as StoredPipelineRun) : undefined);
    },
    listRuns(filter = {}) {
      const where: string[] = [];
      const args: string[] = [];
      if (filter.pipelineName !== undefined) {
        where.push('pipeline = ?');
        args.push(filter.pipelineName);
      }
      if (filter.status !== undefined) {
        where.push('status = ?');
        args.push(filter.status);
      }
      const limit = Math.max(1, Math.trunc(filter.limit ?? 100));
      const sql = `SELECT body FROM pipeline_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
      return Promise.resolve(parse<StoredPipelineRun>(db.prepare(sql).all(...args, limit)));
    },
    saveActivityRun(run) {
      s.saveActivity.run(run.activityRunId, run.pipelineRunId, JSON.stringify(run));
      return Promise.resolve();
    },
    activityRuns(pipelineRunId) {
      return Promise.resolve(parse<StoredActivityRun>(s.activities.all(pipelineRunId)));
    },
  };
}
