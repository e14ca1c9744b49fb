/**
 * Items and rows over time, and the rows per second between points: recharts, loaded only when a job page
 * opens (the page imports this module with React.lazy), so the studio's main bundle does not carry the
 * charting library. The points are the job's progress log, then what the live stream added since.
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface ChartPoint {
  /** Seconds since the job started. */
  second: number;
  items: number;
  rows: number | null;
  rowsPerSecond: number | null;
}

function axisTime(second: number): string {
  return second < 120 ? `${Math.round(second)} s` : `${Math.round(second / 60)} min`;
}

export default function ThroughputChart({ points }: { points: ChartPoint[] }) {
  const last = points.at(-1);
  const summary =
    last === undefined
      ? 'No progress yet.'
      : `${last.items} items and ${last.rows ?? 0} rows after ${axisTime(last.second)}.`;
  return (
    <figure className="job-chart" aria-label={`Throughput chart: ${summary}`}>
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
          <CartesianGrid stroke="var(--line)" strokeDasharray="3 3" />
          <XAxis
            dataKey="second"
            type="number"
            domain={[0, 'dataMax']}
            tickFormatter={axisTime}
            stroke="var(--muted)"
          />
          <YAxis yAxisId="count" stroke="var(--muted)" allowDecimals={false} width={48} />
          <YAxis yAxisId="rate" orientation="right" stroke="var(--muted)" width={48} />
          <Tooltip
            labelFormatter={(s) => `after ${axisTime(Number(s))}`}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)' }}
          />
          <Legend />
          <Line
            yAxisId="count"
            dataKey="items"
            name="Items done"
            stroke="var(--accent)"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            yAxisId="count"
            dataKey="rows"
            name="Rows"
            stroke="var(--ok)"
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            yAxisId="rate"
            dataKey="rowsPerSecond"
            name="Rows/s"
            stroke="var(--warn)"
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="muted">{summary}</figcaption>
    </figure>
  );
}
