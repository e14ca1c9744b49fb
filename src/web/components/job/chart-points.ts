/**
 * The throughput chart's points: the job's progress log (from the server) followed by the live samples
 * the page received since, as seconds since the job started, with the rows per second between points.
 * A sample only adds a point when something moved: the page's first sample, stamped when the page
 * opened, would otherwise draw a finished job's last rate falling to zero up to the moment of viewing.
 * Kept apart from the chart so the page computes them without loading recharts.
 */
import type { ChartPoint } from './throughput-chart.tsx';
import type { Sample } from './job-rates.ts';
import type { ProgressPoint } from './job-wire.ts';

export function chartPoints(
  history: readonly ProgressPoint[],
  samples: readonly Sample[],
  startedAt: string | null,
): ChartPoint[] {
  const logged = history.map((p) => ({
    at: Date.parse(p.time),
    items: p.itemsSucceeded + p.itemsFailed,
    rows: p.rows,
  }));
  const newest = logged.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  const all: { at: number; items: number; rows: number | null }[] = [...logged];
  for (const sample of samples) {
    const last = all.at(-1);
    if (sample.at <= newest || (last && last.items === sample.items && last.rows === sample.rows)) continue;
    all.push(sample);
  }
  const start = startedAt === null ? (all[0]?.at ?? 0) : Date.parse(startedAt);
  const points: ChartPoint[] = [{ second: 0, items: 0, rows: 0, rowsPerSecond: null }];
  let before = { at: start, rows: 0 };
  for (const p of all) {
    if (p.at < start) continue;
    const span = (p.at - before.at) / 1000;
    const rate = p.rows !== null && span > 0 ? Math.max(0, (p.rows - before.rows) / span) : null;
    points.push({ second: (p.at - start) / 1000, items: p.items, rows: p.rows, rowsPerSecond: rate });
    if (p.rows !== null) before = { at: p.at, rows: p.rows };
  }
  return points;
}
