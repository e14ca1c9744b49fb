/**
 * The factory's pipelines: name, description, activities and parameters, with a name filter kept in the
 * URL (`?q=`), each linking to its definition and runs, and each pipeline's latest run (one
 * `queryPipelineRuns`, asked for beside the list, not after it).
 */
import { Link, useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { RunStatus } from '../components/pipeline/format.tsx';
import { useFactory, type PipelineResource, type PipelineRun } from '../components/pipeline/factory-api.ts';
import '../styles/pipeline.css';

function LatestRun({ run }: { run: PipelineRun | undefined }) {
  if (run === undefined) return <span className="muted">never run</span>;
  return (
    <Link to={`/studio/pipeline-runs/${encodeURIComponent(run.runId)}`} className="latest-run">
      <RunStatus status={run.status} /> <Time iso={run.runStart ?? undefined} />
    </Link>
  );
}

function PipelineTable(props: { pipelines: PipelineResource[]; latest: Map<string, PipelineRun> }) {
  const { pipelines, latest } = props;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Pipelines table">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Activities</th>
            <th scope="col">Parameters</th>
            <th scope="col">Latest run</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {pipelines.map((p) => (
            <tr key={p.name}>
              <td>
                <Link to={`/studio/pipelines/${encodeURIComponent(p.name)}`}>{p.name}</Link>
              </td>
              <td>{(p.properties.activities ?? []).map((a) => a.name).join(', ') || '—'}</td>
              <td>{Object.keys(p.properties.parameters ?? {}).join(', ') || '—'}</td>
              <td>
                <LatestRun run={latest.get(p.name)} />
              </td>
              <td>{p.properties.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PipelineList() {
  const [search, setSearch] = useSearchParams();
  const q = search.get('q') ?? '';
  const pipelines = useFactory<{ value: PipelineResource[] }>('/pipelines');
  const runs = useFactory<{ value: PipelineRun[] }>('/queryPipelineRuns', {});
  const latest = new Map<string, PipelineRun>();
  // Newest first: the first run seen of a pipeline is its latest.
  for (const run of runs.data?.value ?? [])
    if (!latest.has(run.pipelineName)) latest.set(run.pipelineName, run);
  const shown = (pipelines.data?.value ?? []).filter((p) => p.name.toLowerCase().includes(q.toLowerCase()));
  return (
    <>
      <h1>Pipelines</h1>
      <p className="muted">
        Data Factory pipelines of this workspace. Open one for its definition, its runs and to run it.
      </p>
      <label className="filter">
        Filter by name{' '}
        <input
          type="search"
          value={q}
          onChange={(e) => {
            const next = new URLSearchParams(search);
            if (e.target.value === '') next.delete('q');
            else next.set('q', e.target.value);
            setSearch(next, { replace: true });
          }}
        />
      </label>
      {pipelines.isPending && <Loading what="pipelines" />}
      {pipelines.error && <ErrorMessage error={pipelines.error} />}
      {pipelines.data && shown.length === 0 && (
        <p className="muted">
          {q === ''
            ? 'No pipelines yet: import one with `nightshift pipeline import --file F` or PUT it over REST.'
            : `No pipeline name contains “${q}”.`}
        </p>
      )}
      {shown.length > 0 && <PipelineTable pipelines={shown} latest={latest} />}
    </>
  );
}
