/**
 * A run's activity runs as a Gantt chart: one row per activity run, its bar from start to end on a shared
 * time axis (from the run's start to its end, or to now while it runs, so running bars grow as the page
 * re-renders). Bars are buttons: selecting one shows that activity's input and output. Drawn with CSS
 * (percent offsets), so it fits any width; the same data is offered as a table for screen readers and
 * for reading exact times.
 */
import { formatDuration } from './format.tsx';
import type { ActivityRun, PipelineRun } from './factory-api.ts';

const TICKS = [0, 0.25, 0.5, 0.75, 1];

function ms(iso: string | null | undefined): number | undefined {
  if (iso === null || iso === undefined || iso === '') return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** The axis: from the first start to the run's end (or now), never zero-length. */
function timeSpan(run: PipelineRun, activities: ActivityRun[], now: number): [number, number] {
  const starts = activities.map((a) => ms(a.activityRunStart)).filter((t) => t !== undefined);
  const ends = activities.map((a) => ms(a.activityRunEnd) ?? now);
  const start = Math.min(ms(run.runStart) ?? now, ...starts);
  const end = Math.max(ms(run.runEnd) ?? now, ...ends, start + 1000);
  return [start, end];
}

export function activityLabel(a: ActivityRun): string {
  const extra = [
    a.iteration ? `iteration ${a.iteration}` : '',
    a.retryAttempt ? `retry ${a.retryAttempt}` : '',
  ]
    .filter((x) => x !== '')
    .join(', ');
  return extra === '' ? a.activityName : `${a.activityName} (${extra})`;
}

export function ActivityTimeline(props: {
  run: PipelineRun;
  activities: ActivityRun[];
  now: number;
  selected: string | undefined;
  onSelect: (activityRunId: string) => void;
}) {
  const { run, activities, now, selected } = props;
  const [start, end] = timeSpan(run, activities, now);
  const span = end - start;
  return (
    <div className="gantt" role="group" aria-label="Activity timeline">
      <div className="gantt-axis" aria-hidden="true">
        {TICKS.map((t) => (
          <span key={t} style={{ left: `${t * 100}%` }}>
            {formatDuration(t * span)}
          </span>
        ))}
      </div>
      <ol className="gantt-rows">
        {activities.map((a) => {
          const from = ms(a.activityRunStart) ?? now;
          const to = ms(a.activityRunEnd) ?? now;
          const left = ((from - start) / span) * 100;
          const width = Math.max(((to - from) / span) * 100, 0.8);
          const running = a.activityRunEnd === null || a.activityRunEnd === undefined;
          const duration = formatDuration(running ? now - from : (a.durationInMs ?? to - from));
          return (
            <li key={a.activityRunId} className="gantt-row">
              <span className="gantt-label" title={a.activityType}>
                {activityLabel(a)}
              </span>
              <span className="gantt-track">
                <button
                  type="button"
                  className={`gantt-bar bar-${a.status}${running ? ' running' : ''}`}
                  style={{ left: `${Math.min(left, 99.2)}%`, width: `${Math.min(width, 100 - left)}%` }}
                  aria-pressed={selected === a.activityRunId}
                  aria-label={`${activityLabel(a)}, ${a.activityType}: ${a.status}, ${duration}`}
                  title={`${a.status}, ${duration}`}
                  onClick={() => {
                    props.onSelect(a.activityRunId);
                  }}
                />
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
