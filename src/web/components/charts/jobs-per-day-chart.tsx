/**
 * Jobs per day by status for one endpoint (issue 14, Charts): stacked bars from the server's per-day
 * counts (`GET .../batchEndpoints/{endpoint}/jobStats`), one bar a UTC day. The picture is for people who
 * would rather look; the same numbers are in a summary sentence (the figure's accessible name) and in a
 * table under "Show the numbers", for screen readers and for copying into a ticket.
 */
import { lazy, Suspense } from 'react';
import { useArm } from '../../api/context.ts';
import { ErrorMessage, Loading } from '../status.tsx';
import '../../styles/jobs.css';

// recharts is loaded with the first chart, not with the studio: most pages draw none.
const JobsPerDayBars = lazy(() => import('./jobs-per-day-bars.tsx'));

interface JobStats {
  days: number;
  value: { day: string; counts: Record<string, number>; total: number }[];
}

/** Colours that read on both themes (an SVG fill attribute cannot take the CSS variables). */
const COLOURS: Record<string, string> = {
  Completed: '#2da44e',
  Failed: '#cf222e',
  Canceled: '#8c959f',
  Running: '#bf8700',
  Finalizing: '#bf8700',
  CancelRequested: '#9a6700',
  Preparing: '#0969da',
  Queued: '#0969da',
  NotStarted: '#6e7781',
};
const ORDER = Object.keys(COLOURS);

function summaryOf(endpoint: string, stats: JobStats, statuses: readonly string[]): string {
  const total = stats.value.reduce((n, d) => n + d.total, 0);
  const by = statuses
    .map((s) => `${stats.value.reduce((n, d) => n + (d.counts[s] ?? 0), 0)} ${s}`)
    .join(', ');
  return `${endpoint}: ${total} jobs in the last ${stats.days} days${by ? ` (${by})` : ''}.`;
}

function NumbersTable({ stats, statuses }: { stats: JobStats; statuses: readonly string[] }) {
  return (
    <details>
      <summary>Show the numbers</summary>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Jobs per day, numbers">
        <table>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              {statuses.map((s) => (
                <th key={s} scope="col">
                  {s}
                </th>
              ))}
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {stats.value.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                {statuses.map((s) => (
                  <td key={s}>{d.counts[s] ?? 0}</td>
                ))}
                <td>{d.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export function JobsPerDayChart({ endpoint, days = 14 }: { endpoint: string; days?: number }) {
  const stats = useArm<JobStats>(`/batchEndpoints/${encodeURIComponent(endpoint)}/jobStats`, { days });
  if (stats.isPending) return <Loading what="jobs per day" />;
  if (stats.error) return <ErrorMessage error={stats.error} />;
  const data = stats.data;
  const present = new Set(data.value.flatMap((d) => Object.keys(d.counts)));
  const statuses = [
    ...ORDER.filter((s) => present.has(s)),
    ...[...present].filter((s) => !ORDER.includes(s)),
  ];
  const rows = data.value.map((d) => ({ day: d.day.slice(5), ...d.counts }));
  const summary = summaryOf(endpoint, data, statuses);
  return (
    <figure className="jobs-chart">
      <figcaption>
        Jobs per day by status, last {data.days} days (UTC)
        <span className="sr-only"> {summary}</span>
      </figcaption>
      <div className="jobs-chart-plot" role="img" aria-label={summary}>
        <Suspense fallback={<Loading what="the chart" />}>
          <JobsPerDayBars rows={rows} statuses={statuses} colours={COLOURS} />
        </Suspense>
      </div>
      {data.value.every((d) => d.total === 0) ? <p className="muted">No jobs in these days.</p> : null}
      <NumbersTable stats={data} statuses={statuses} />
    </figure>
  );
}
