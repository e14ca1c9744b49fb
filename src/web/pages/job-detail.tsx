/**
 * A batch job (`/studio/jobs/NAME`, deep-linkable: the mini-batch page and the open log are in the URL).
 * Every query of the page starts at once: the job, its live progress stream, a page of mini-batches, its
 * progress history, the log tree, the output's files and the manifest; only the open log and the head of
 * the output wait for a name they need. The stream drives the rest: each change refreshes the page's
 * other queries (throttled), and its final event the output and manifest. The first real error, with its
 * stack, comes first when there is one; cancel sits in the header, disabled with the missing role named.
 */
import { lazy, Suspense } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useArm } from '../api/context.ts';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { CancelJob } from '../components/job/cancel-job.tsx';
import { chartPoints } from '../components/job/chart-points.ts';
import { FirstError } from '../components/job/first-error.tsx';
import { LiveProgress } from '../components/job/live-progress.tsx';
import { LogViewer } from '../components/job/log-viewer.tsx';
import { ManifestView } from '../components/job/manifest-view.tsx';
import { MiniBatchTable } from '../components/job/mini-batch-table.tsx';
import { OutputPreview } from '../components/job/output-preview.tsx';
import { useJobFile } from '../components/job/use-job-file.ts';
import { useJobProgress } from '../components/job/use-job-progress.ts';
import {
  hasEnded,
  jobPath,
  type FileEntry,
  type JobView,
  type Manifest,
  type MiniBatchPage,
  type ProgressPoint,
} from '../components/job/job-wire.ts';
import '../styles/job-detail.css';

const ThroughputChart = lazy(() => import('../components/job/throughput-chart.tsx'));

/** Bytes of the output read for its preview. */
const HEAD_BYTES = 64 * 1024;

function pageOf(value: string | null): number {
  const n = Number(value ?? '1');
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** The log opened by default: the first error's, else the newest progress overview. */
function defaultLog(files: FileEntry[] | undefined): string | undefined {
  if (files === undefined) return undefined;
  const paths = files.map((f) => f.path);
  return (
    paths.find((p) => p === 'job_error.txt') ??
    paths.filter((p) => p.startsWith('job_progress_overview')).at(-1)
  );
}

export function JobDetail() {
  const name = useParams().job ?? '';
  const [search, setSearch] = useSearchParams();
  const page = pageOf(search.get('page'));
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    next.set(key, value);
    setSearch(next, { replace: key === 'page' ? false : true });
  };

  const job = useArm<JobView>(jobPath(name));
  const live = useJobProgress(name);
  const batches = useArm<MiniBatchPage>(jobPath(name, '/miniBatches'), { page });
  const history = useArm<{ value: ProgressPoint[] }>(jobPath(name, '/progressHistory'));
  const logs = useArm<{ value: FileEntry[] }>(jobPath(name, '/logs'));
  const outputs = useArm<{ value: FileEntry[] }>(jobPath(name, '/outputs/score'));
  const manifest = useArm<Manifest>(jobPath(name, '/outputs/score/paths/manifest.json'));
  const openLog = search.get('log') ?? defaultLog(logs.data?.value);
  const logText = useJobFile(openLog === undefined ? undefined : jobPath(name, `/logs/${openLog}`));
  const outputFile = job.data?.properties.outputFileName;
  const hasOutput = outputs.data?.value.some((f) => f.path === outputFile) === true;
  const head = useJobFile(
    hasOutput ? jobPath(name, `/outputs/score/paths/${outputFile ?? ''}`) : undefined,
    HEAD_BYTES,
  );

  if (job.error) return <JobError name={name} error={job.error} />;
  if (job.data === undefined) return <Loading what={`job ${name}`} />;
  const p = job.data.properties;
  const progress = live.progress;
  const status = progress?.status ?? p.status;
  const ended = hasEnded(status);
  const endpoint = p.properties['azureml.endpointname'];
  const deployment = p.properties['azureml.deploymentname'];
  const error = progress?.error ?? p.error;
  return (
    <article className="job-detail">
      <header className="job-head">
        <div>
          <h1>Job {name}</h1>
          <p className="job-where">
            <span className={`job-status status-${status}`}>{status}</span>
            {endpoint !== undefined && (
              <>
                {' '}
                on <Link to={`/studio/endpoints/${encodeURIComponent(endpoint)}`}>{endpoint}</Link>
                {deployment !== undefined && (
                  <>
                    {' / '}
                    <Link
                      to={`/studio/endpoints/${encodeURIComponent(endpoint)}/deployments/${encodeURIComponent(deployment)}`}
                    >
                      {deployment}
                    </Link>
                  </>
                )}
              </>
            )}
          </p>
          <p className="muted">
            Created by {job.data.systemData.createdBy} <Time iso={job.data.systemData.createdAt} /> · started{' '}
            <Time iso={progress?.startedAt ?? p.startTime ?? undefined} /> · ended{' '}
            <Time iso={progress?.endedAt ?? p.endTime ?? undefined} />
          </p>
          {(progress?.result ?? p.result) !== null && <p>{progress?.result ?? p.result}</p>}
        </div>
        <CancelJob job={name} endpoint={endpoint} ended={ended} />
      </header>
      {error && <FirstError error={error} />}
      {live.error && <ErrorMessage error={live.error} />}
      <LiveProgress
        status={status}
        counts={progress ?? p.progress}
        startedAt={progress?.startedAt ?? p.startTime}
        endedAt={progress?.endedAt ?? p.endTime}
        samples={live.samples}
        stream={live.state}
      />
      <section aria-labelledby="chart-heading">
        <h2 id="chart-heading">Throughput</h2>
        {history.error ? (
          <ErrorMessage error={history.error} />
        ) : (
          <Suspense fallback={<Loading what="the chart" />}>
            <ThroughputChart
              points={chartPoints(
                history.data?.value ?? [],
                live.samples,
                progress?.startedAt ?? p.startTime,
              )}
            />
          </Suspense>
        )}
      </section>
      <MiniBatchTable
        query={batches}
        page={page}
        onPage={(n) => {
          setParam('page', String(n));
        }}
      />
      <LogViewer
        files={logs}
        text={logText}
        open={openLog}
        onOpen={(path) => {
          setParam('log', path);
        }}
        running={!ended}
      />
      <OutputPreview job={name} ended={ended} files={outputs} head={head} outputFile={outputFile} />
      <ManifestView query={manifest} ended={ended} />
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
