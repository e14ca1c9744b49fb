/**
 * A batch job (`/studio/jobs/NAME`, deep-linkable: the mini-batch page and the open log are in the URL).
 * Every query starts at once (use-job-page.ts). The live stream drives the page: its events update the
 * progress, and each change refreshes the page's other queries (throttled), the final one the output and
 * the manifest. The first real error, with its stack, comes first when there is one; cancel sits in the
 * header, disabled with the missing role named. The chart's library loads only with this page.
 */
import { lazy, Suspense } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { chartPoints } from '../components/job/chart-points.ts';
import { FirstError } from '../components/job/first-error.tsx';
import { JobHeader } from '../components/job/job-header.tsx';
import { hasEnded } from '../components/job/job-wire.ts';
import { LiveProgress } from '../components/job/live-progress.tsx';
import { LogViewer } from '../components/job/log-viewer.tsx';
import { ManifestView } from '../components/job/manifest-view.tsx';
import { MiniBatchTable } from '../components/job/mini-batch-table.tsx';
import { OutputPreview } from '../components/job/output-preview.tsx';
import { useJobPage } from '../components/job/use-job-page.ts';
import '../styles/job-detail.css';

const ThroughputChart = lazy(() => import('../components/job/throughput-chart.tsx'));

function pageOf(value: string | null): number {
  const n = Number(value ?? '1');
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

export function JobDetail() {
  const name = useParams().job ?? '';
  const [search, setSearch] = useSearchParams();
  const page = pageOf(search.get('page'));
  const setParam = (key: 'page' | 'log', value: string) => {
    const next = new URLSearchParams(search);
    next.set(key, value);
    // A new page is a step back can undo; opening another log is not.
    setSearch(next, { replace: key === 'log' });
  };
  const q = useJobPage(name, page, search.get('log'));

  if (q.job.error) return <JobError name={name} error={q.job.error} />;
  if (q.job.data === undefined) return <Loading what={`job ${name}`} />;
  const p = q.job.data.properties;
  const progress = q.live.progress;
  const status = progress?.status ?? p.status;
  const ended = hasEnded(status);
  const error = progress?.error ?? p.error;
  const startedAt = progress?.startedAt ?? p.startTime;
  return (
    <article className="job-detail">
      <JobHeader job={q.job.data} progress={progress} />
      {error && <FirstError error={error} />}
      {q.live.error && <ErrorMessage error={q.live.error} />}
      <LiveProgress
        status={status}
        counts={progress ?? p.progress}
        startedAt={startedAt}
        endedAt={progress?.endedAt ?? p.endTime}
        samples={q.live.samples}
        stream={q.live.state}
      />
      <section aria-labelledby="chart-heading">
        <h2 id="chart-heading">Throughput</h2>
        {q.history.error ? (
          <ErrorMessage error={q.history.error} />
        ) : (
          <Suspense fallback={<Loading what="the chart" />}>
            <ThroughputChart points={chartPoints(q.history.data?.value ?? [], q.live.samples, startedAt)} />
          </Suspense>
        )}
      </section>
      <MiniBatchTable
        query={q.batches}
        page={page}
        onPage={(n) => {
          setParam('page', String(n));
        }}
      />
      <LogViewer
        files={q.logs}
        text={q.logText}
        open={q.openLog}
        onOpen={(path) => {
          setParam('log', path);
        }}
        running={!ended}
      />
      <OutputPreview job={name} ended={ended} files={q.outputs} head={q.head} outputFile={q.outputFile} />
      <ManifestView query={q.manifest} ended={ended} />
    </article>
  );
}

function JobError({ name, error }: { name: string; error: unknown }) {
  return (
    <article className="job-detail">
      <h1>Job {name}</h1>
      <ErrorMessage error={error} />
      <p>
        <Link to="/studio/jobs">All jobs</Link>
      </p>
    </article>
  );
}
