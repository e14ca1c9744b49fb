/**
 * Jobs per day by status for an endpoint: what the studio's chart draws (issue 14, "Charts"), counted by
 * the store (one grouped query over an index) rather than by a client paging through every job. Days are
 * UTC calendar days, every day of the range is present (zero when no job was created), and a caller whose
 * job reads are own-jobs-only counts only its own jobs, as its lists show only those.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import type { DailyJobCount } from '../../store/contract.ts';
import { WS, type ApiServices } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { integerQuery, query, wholeQuery, wsParams } from '../schemas.ts';

const MAX_DAYS = 90;
const DEFAULT_DAYS = 14;

const JobStats = Type.Object({
  endpoint: Type.String(),
  days: Type.Integer(),
  since: Type.String({ description: 'The first day counted, at 00:00 UTC.' }),
  value: Type.Array(
    Type.Object({
      day: Type.String({ description: 'A UTC day, YYYY-MM-DD.' }),
      counts: Type.Record(Type.String(), Type.Integer(), {
        description: 'Jobs created that day, by their status now (statuses with none are left out).',
      }),
      total: Type.Integer(),
    }),
  ),
});

/** Each of the `days` UTC days ending today, oldest first, with the store's counts folded in. */
interface Day {
  day: string;
  counts: Record<string, number>;
  total: number;
}

function dailySeries(rows: readonly DailyJobCount[], days: number, now: Date): Day[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const series = Array.from({ length: days }, (_, i): Day => ({
    day: new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
    counts: {},
    total: 0,
  }));
  const byDay = new Map(series.map((d) => [d.day, d]));
  for (const row of rows) {
    const day = byDay.get(row.day);
    if (!day) continue;
    day.counts[row.status] = (day.counts[row.status] ?? 0) + row.count;
    day.total += row.count;
  }
  return series;
}

export function jobStatsRoutes(s: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/batchEndpoints/:endpoint/jobStats`,
      summary: 'Jobs per day by status for an endpoint (for charts)',
      tags: ['jobs'],
      access: { action: ACTIONS.jobRead, scope: 'endpoint', ownJobs: true },
      params: wsParams({ endpoint: Type.String() }),
      query: query({
        days: integerQuery(1, MAX_DAYS, `How many days back, today included (default ${DEFAULT_DAYS}).`),
      }),
      responses: { 200: JobStats },
      handler: async (req) => {
        const days = wholeQuery(req.query.days, 'days', MAX_DAYS) ?? DEFAULT_DAYS;
        const now = new Date();
        const [first] = dailySeries([], days, now);
        const since = `${first?.day ?? now.toISOString().slice(0, 10)}T00:00:00.000Z`;
        const principal = req.principal;
        const rows = await s.jobs.dailyCounts({
          endpoint: req.params.endpoint,
          since,
          ...(req.access?.ownJobsOnly && principal
            ? { owner: { objectId: principal.objectId, name: principal.actor } }
            : {}),
        });
        return { endpoint: req.params.endpoint, days, since, value: dailySeries(rows, days, now) };
      },
    }),
  ];
}
