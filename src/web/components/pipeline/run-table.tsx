/**
 * A pipeline's runs with their parameters, newest first, from `queryPipelineRuns` (filtered on the
 * server by pipeline and status). The status filter and the page live in the URL, so a filtered list
 * can be linked to; the table scrolls inside its own box at phone width. A chart of the durations of
 * recent runs sits above it.
 */
import { lazy, Suspense } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../status.tsx';
import { Time } from '../time.tsx';
import { formatDuration, RunStatus } from './format.tsx';
import { runQuery, useFactory, type PipelineRun } from './factory-api.ts';

const PAGE_SIZE = 20;
const RunChart = lazy(() => import('./run-chart.tsx'));
const STATUSES = ['Queued', 'InProgress', 'Succeeded', 'Failed', 'Canceling', 'Cancelled'];

function Parameters({ values }: { values: Record<string, string> | undefined }) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <dl className="run-params">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <code>{v}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (p: number) => void }) {
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="Run pages">
      <button
        disabled={page <= 1}
        onClick={() => {
          onPage(page - 1);
        }}
      >
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button
        disabled={page >= pages}
        onClick={() => {
          onPage(page + 1);
        }}
      >
        Next
      </button>
    </nav>
  );
}

function RunRows({ runs }: { runs: PipelineRun[] }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Runs table">
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Parameters</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.runId}>
              <td>
                <Link to={`/studio/pipeline-runs/${encodeURIComponent(run.runId)}`}>
                  <code>{run.runId.slice(0, 8)}</code>
                  <span className="sr-only"> run {run.runId}</span>
                </Link>
              </td>
              <td>
                <RunStatus status={run.status} />
              </td>
              <td>
                <Time iso={run.runStart ?? undefined} />
              </td>
              <td>{formatDuration(run.durationInMs)}</td>
              <td>
                <Parameters values={run.parameters} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RunTable({ pipeline }: { pipeline: string }) {
  const [search, setSearch] = useSearchParams();
  const status = search.get('status') ?? '';
  const page = Math.max(1, Number(search.get('page') ?? '1') || 1);
  const runs = useFactory<{ value: PipelineRun[] }>('/queryPipelineRuns', runQuery(pipeline, status));
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value === '' || (key === 'page' && value === '1')) next.delete(key);
    else next.set(key, value);
    if (key !== 'page') next.delete('page');
    setSearch(next, { replace: true });
  };
  const all = runs.data?.value ?? [];
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const shown = all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  return (
    <section aria-labelledby="runs-heading">
      <div className="section-head">
        <h2 id="runs-heading">Runs</h2>
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(e) => {
              set('status', e.target.value);
            }}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {runs.isPending && <Loading what="runs" />}
      {runs.error && <ErrorMessage error={runs.error} />}
      {runs.data && all.length === 0 && (
        <p className="muted">No runs{status === '' ? '' : ` with status ${status}`}.</p>
      )}
      <Suspense fallback={null}>
        <RunChart runs={all} />
      </Suspense>
      {shown.length > 0 && <RunRows runs={shown} />}
      <Pager
        page={Math.min(page, pages)}
        pages={pages}
        onPage={(p) => {
          set('page', String(p));
        }}
      />
    </section>
  );
}
