/**
 * How long a pipeline's recent runs took, oldest to newest, coloured by how they ended, so a run that took
 * twice as long or a streak of failures shows at a glance. recharts, loaded only when a pipeline page opens
 * (React.lazy), so the studio's main bundle does not carry it; the runs table below is the same data as
 * text.
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { PipelineRun } from './factory-api.ts';

const SHOWN = 30;
const SERIES = [
  ['Succeeded', 'var(--ok)'],
  ['Failed', 'var(--bad)'],
  ['Cancelled', 'var(--muted)'],
] as const;

type Row = { run: string } & Partial<Record<(typeof SERIES)[number][0], number>>;

export default function RunChart({ runs }: { runs: PipelineRun[] }) {
  const ended = runs
    .filter((r) => typeof r.durationInMs === 'number' && SERIES.some(([s]) => s === r.status))
    .slice(0, SHOWN)
    .reverse();
  if (ended.length < 2) return null;
  const rows: Row[] = ended.map((r) => ({
    run: r.runId.slice(0, 8),
    [r.status]: (r.durationInMs ?? 0) / 1000,
  }));
  const failed = ended.filter((r) => r.status !== 'Succeeded').length;
  const longest = Math.max(...ended.map((r) => r.durationInMs ?? 0)) / 1000;
  return (
    <figure
      className="run-chart"
      aria-label={`Durations of the last ${ended.length} ended runs: ${failed} did not succeed, the longest took ${longest.toFixed(1)} s.`}
    >
      <ResponsiveContainer width="100%" height={180}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--line)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="run" tick={{ fill: 'var(--muted)', fontSize: 11 }} stroke="var(--line)" />
          <YAxis unit=" s" width={48} tick={{ fill: 'var(--muted)', fontSize: 11 }} stroke="var(--line)" />
          <Tooltip
            contentStyle={{ background: 'var(--bg)', border: '1px solid var(--line)', color: 'var(--fg)' }}
            formatter={(value) => `${Number(value).toFixed(1)} s`}
          />
          <Legend />
          {SERIES.map(([status, color]) => (
            <Bar key={status} dataKey={status} stackId="run" fill={color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
