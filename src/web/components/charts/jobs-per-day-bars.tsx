/**
 * The drawing half of the jobs-per-day chart: recharts' stacked bars, one a UTC day, in a file of its own
 * so the chart library is fetched only when a page shows a chart.
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export default function JobsPerDayBars({
  rows,
  statuses,
  colours,
}: {
  rows: Record<string, string | number>[];
  statuses: readonly string[];
  colours: Record<string, string>;
}) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tick={{ fontSize: 11 }} />
        <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
        <Tooltip />
        <Legend />
        {statuses.map((s) => (
          <Bar key={s} dataKey={s} stackId="jobs" fill={colours[s] ?? '#6e7781'} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
