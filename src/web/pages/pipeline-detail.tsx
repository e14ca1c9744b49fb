/**
 * One pipeline: run it with parameters, its runs with their parameters, and its definition as pretty
 * JSON (SecureString values read back as `***`, as the server stores them sealed). The tab is in the URL
 * (`?tab=definition`), and both the definition and the runs are asked for at once.
 */
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { JsonBlock } from '../components/pipeline/format.tsx';
import { RunForm } from '../components/pipeline/run-form.tsx';
import { RunTable } from '../components/pipeline/run-table.tsx';
import { PIPELINE_ACTIONS, useFactory, type PipelineResource } from '../components/pipeline/factory-api.ts';
import { usePermission } from '../api/permissions.ts';
import '../styles/pipeline.css';

const TABS = [
  ['runs', 'Runs'],
  ['definition', 'Definition'],
] as const;

function Tabs({ tab, onTab }: { tab: string; onTab: (t: string) => void }) {
  return (
    <div className="tabs" role="tablist" aria-label="Pipeline views">
      {TABS.map(([id, label]) => (
        <button
          key={id}
          role="tab"
          id={`tab-${id}`}
          aria-selected={tab === id}
          aria-controls={`panel-${id}`}
          tabIndex={tab === id ? 0 : -1}
          onClick={() => {
            onTab(id);
          }}
          onKeyDown={(e) => {
            if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
            const other = TABS.find(([t]) => t !== tab);
            if (other) onTab(other[0]);
          }}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

export function PipelineDetail() {
  const name = useParams().name ?? '';
  const [search, setSearch] = useSearchParams();
  const tab = search.get('tab') === 'definition' ? 'definition' : 'runs';
  const pipeline = useFactory<PipelineResource>(`/pipelines/${encodeURIComponent(name)}`);
  const mayRun = usePermission(PIPELINE_ACTIONS.createRun);
  const setTab = (t: string) => {
    const next = new URLSearchParams(search);
    if (t === 'runs') next.delete('tab');
    else next.set('tab', t);
    setSearch(next, { replace: true });
  };
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/studio/pipelines">Pipelines</Link>
      </nav>
      <h1>
        Pipeline <span className="name">{name}</span>
      </h1>
      {pipeline.isPending && <Loading what="the pipeline" />}
      {pipeline.error && <ErrorMessage error={pipeline.error} />}
      {pipeline.data?.properties.description !== undefined && <p>{pipeline.data.properties.description}</p>}
      {pipeline.data && (
        <section aria-labelledby="run-heading" className="panel">
          <h2 id="run-heading">Run with parameters</h2>
          <RunForm
            key={name}
            pipeline={name}
            parameters={pipeline.data.properties.parameters ?? {}}
            permission={mayRun}
          />
        </section>
      )}
      <Tabs tab={tab} onTab={setTab} />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'runs' ? (
          <RunTable pipeline={name} />
        ) : (
          pipeline.data && <JsonBlock value={pipeline.data} label={`Definition of ${name}`} />
        )}
      </div>
    </>
  );
}
