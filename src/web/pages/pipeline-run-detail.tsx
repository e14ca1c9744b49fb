/**
 * One pipeline run, live: its status, parameters and message, cancel, and its activity runs as a
 * timeline (or a table, `?view=table`) with the selected activity's input and output (`?activity=ID`,
 * so a link opens the same activity). Updates arrive over the run's event stream within a second.
 */
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { ActivityDetails } from '../components/pipeline/activity-details.tsx';
import { ActivityTable } from '../components/pipeline/activity-table.tsx';
import { ActivityTimeline } from '../components/pipeline/activity-timeline.tsx';
import { CancelRun } from '../components/pipeline/cancel-run.tsx';
import { formatDuration, RunStatus } from '../components/pipeline/format.tsx';
import { useLiveRun, type LiveRun } from '../components/pipeline/use-live-run.ts';
import { PIPELINE_ACTIONS, type PipelineRun } from '../components/pipeline/factory-api.ts';
import { usePermission } from '../api/permissions.ts';
import '../styles/pipeline.css';

const STREAM_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Final',
} as const;

function RunParameters({ values }: { values: Record<string, string> }) {
  const parameters = Object.entries(values);
  return (
    <>
      <h2>Parameters</h2>
      {parameters.length === 0 ? (
        <p className="muted">No parameters.</p>
      ) : (
        <dl className="run-params wide">
          {parameters.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>
                <code>{v}</code>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

function RunSummary({ run, now }: { run: PipelineRun; now: number }) {
  const running = run.runEnd === null || run.runEnd === undefined;
  const started = run.runStart === null || run.runStart === undefined ? undefined : Date.parse(run.runStart);
  const duration = running && started !== undefined ? now - started : run.durationInMs;
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd aria-live="polite">
            <RunStatus status={run.status} />
          </dd>
        </div>
        <div>
          <dt>Pipeline</dt>
          <dd>
            <Link to={`/studio/pipelines/${encodeURIComponent(run.pipelineName)}`}>{run.pipelineName}</Link>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <Time iso={run.runStart ?? undefined} />
          </dd>
        </div>
        <div>
          <dt>Ended</dt>
          <dd>
            <Time iso={run.runEnd ?? undefined} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(duration)}</dd>
        </div>
        <div>
          <dt>Invoked by</dt>
          <dd>{run.invokedBy?.name ?? '—'}</dd>
        </div>
      </dl>
      {run.message !== undefined && run.message !== '' && (
        <div className="error" role="note">
          <strong>Message</strong>
          <p>{run.message}</p>
        </div>
      )}
      <RunParameters values={run.parameters ?? {}} />
    </>
  );
}

function Activities({ live }: { live: LiveRun }) {
  const [search, setSearch] = useSearchParams();
  const view = search.get('view') === 'table' ? 'table' : 'timeline';
  const selected = search.get('activity') ?? undefined;
  const set = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(search);
    if (value === undefined) next.delete(key);
    else next.set(key, value);
    setSearch(next, { replace: true });
  };
  const select = (id: string) => {
    set('activity', id);
  };
  if (live.hidden !== undefined && live.activities === undefined) {
    return (
      <p className="note" role="note">
        Activity runs are not shown: {live.hidden}
      </p>
    );
  }
  if (live.activities === undefined || live.run === undefined) return <Loading what="activity runs" />;
  if (live.activities.length === 0) return <p className="muted">No activity has started yet.</p>;
  const chosen = live.activities.find((a) => a.activityRunId === selected);
  return (
    <>
      <fieldset className="view-switch">
        <legend className="sr-only">Show activity runs as</legend>
        {(['timeline', 'table'] as const).map((v) => (
          <label key={v}>
            <input
              type="radio"
              name="view"
              checked={view === v}
              onChange={() => {
                set('view', v === 'table' ? 'table' : undefined);
              }}
            />{' '}
            {v === 'table' ? 'Table' : 'Timeline'}
          </label>
        ))}
      </fieldset>
      {view === 'table' ? (
        <ActivityTable activities={live.activities} selected={selected} onSelect={select} />
      ) : (
        <ActivityTimeline
          run={live.run}
          activities={live.activities}
          now={live.now}
          selected={selected}
          onSelect={select}
        />
      )}
      <ActivityDetails activity={chosen} />
    </>
  );
}

export function PipelineRunDetail() {
  const runId = useParams().runId ?? '';
  const live = useLiveRun(runId);
  const mayCancel = usePermission(PIPELINE_ACTIONS.cancelRun);
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/studio/pipelines">Pipelines</Link>
        {live.run && (
          <>
            {' / '}
            <Link to={`/studio/pipelines/${encodeURIComponent(live.run.pipelineName)}`}>
              {live.run.pipelineName}
            </Link>
          </>
        )}
      </nav>
      <div className="section-head">
        <h1>
          Pipeline run <code className="name">{runId}</code>
        </h1>
        <span className={`stream stream-${live.stream}`} role="status" aria-label="Live updates">
          {live.streamError ? 'Stopped' : STREAM_TEXT[live.stream]}
        </span>
      </div>
      {live.runError && <ErrorMessage error={live.runError} />}
      {!live.runError && live.streamError && <ErrorMessage error={live.streamError} />}
      {!live.run && !live.runError && <Loading what="the run" />}
      {live.run && (
        <>
          <CancelRun runId={runId} status={live.run.status} permission={mayCancel} />
          <RunSummary run={live.run} now={live.now} />
          <h2>Activity runs</h2>
          <Activities live={live} />
        </>
      )}
    </>
  );
}
