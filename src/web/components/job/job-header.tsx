/**
 * The top of the job page: the job's name, its status, the endpoint and deployment it ran on (links),
 * who created it and when it started and ended (in the viewer's zone), its one-line result, cancel, and
 * (once it has ended with mini-batches failed or canceled) rerun of what failed; a rerun links its parent.
 */
import { Link } from 'react-router';
import { Time } from '../time.tsx';
import { CancelJob } from './cancel-job.tsx';
import { RerunJob } from './rerun-job.tsx';
import { hasEnded, type JobProgress, type JobView } from './job-wire.ts';

function Where({ endpoint, deployment }: { endpoint: string | undefined; deployment: string | undefined }) {
  if (endpoint === undefined) return null;
  const ep = `/studio/endpoints/${encodeURIComponent(endpoint)}`;
  return (
    <>
      {' '}
      on <Link to={ep}>{endpoint}</Link>
      {deployment !== undefined && (
        <>
          {' / '}
          <Link to={`${ep}/deployments/${encodeURIComponent(deployment)}`}>{deployment}</Link>
        </>
      )}
    </>
  );
}

/** A rerun names the job it reruns, and how much of it it took over. */
function RerunOf({ properties }: { properties: Record<string, string> }) {
  const parent = properties['nightshift.rerunOf'];
  if (parent === undefined) return null;
  const failedOnly = properties['nightshift.rerunFailedOnly'] === 'true';
  return (
    <p className="muted">
      {failedOnly ? 'Rerun of what failed in ' : 'Rerun of '}
      <Link to={`/studio/jobs/${encodeURIComponent(parent)}`}>{parent}</Link>
      {failedOnly && `: ${properties['nightshift.reusedMiniBatches'] ?? '0'} mini-batch(es) taken over`}
    </p>
  );
}

const unfinished = (counts: JobProgress | JobView['properties']['progress']) =>
  counts.items.failed + counts.miniBatches.failed + counts.miniBatches.canceled > 0;

export function JobHeader({ job, progress }: { job: JobView; progress: JobProgress | undefined }) {
  const p = job.properties;
  const status = progress?.status ?? p.status;
  const endpoint = p.properties['azureml.endpointname'];
  const result = progress?.result ?? p.result;
  return (
    <header className="job-head">
      <div>
        <h1>Job {job.name}</h1>
        <p className="job-where">
          <span className={`job-status status-${status}`}>{status}</span>
          <Where endpoint={endpoint} deployment={p.properties['azureml.deploymentname']} />
        </p>
        <p className="muted">
          Created by {job.systemData.createdBy} <Time iso={job.systemData.createdAt} /> · started{' '}
          <Time iso={progress?.startedAt ?? p.startTime ?? undefined} /> · ended{' '}
          <Time iso={progress?.endedAt ?? p.endTime ?? undefined} />
        </p>
        {result !== null && <p>{result}</p>}
        <RerunOf properties={p.properties} />
      </div>
      <CancelJob job={job.name} endpoint={endpoint} ended={hasEnded(status)} />
      <RerunJob
        job={job.name}
        endpoint={endpoint}
        unfinished={hasEnded(status) && unfinished(progress ?? p.progress)}
      />
    </header>
  );
}
