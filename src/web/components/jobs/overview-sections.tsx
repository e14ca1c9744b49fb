/**
 * The overview's parts, each drawn from data the page fetched side by side: the endpoints, the jobs
 * running now with their progress, and the newest failures with the first real error the job carries
 * (the same error the job's own page leads with), so the cause is on the first page a person opens.
 */
import { Link } from 'react-router';
import { Time } from '../time.tsx';
import { JobProgressBar } from './job-progress.tsx';
import { deploymentOf, endpointOf, jobHref, type JobResource } from './job-wire.ts';

export interface EndpointResource {
  name: string;
  properties: { scoringUri?: string; defaults?: { deploymentName?: string | null }; description?: string };
}

export function EndpointCards({ endpoints }: { endpoints: readonly EndpointResource[] }) {
  if (endpoints.length === 0) return <p className="muted">No batch endpoints yet.</p>;
  return (
    <ul className="cards" aria-label="Endpoints">
      {endpoints.map((ep) => (
        <li key={ep.name} className="card">
          <Link to={`/studio/endpoints/${encodeURIComponent(ep.name)}`}>{ep.name}</Link>
          <div className="muted">Default deployment: {ep.properties.defaults?.deploymentName ?? 'none'}</div>
          <Link to={`/studio/jobs?endpoint=${encodeURIComponent(ep.name)}`}>Its jobs</Link>
        </li>
      ))}
    </ul>
  );
}

export function RunningJobs({ jobs }: { jobs: readonly JobResource[] }) {
  if (jobs.length === 0) return <p className="muted">No job is running.</p>;
  return (
    <ul className="running-list" aria-label="Running jobs">
      {jobs.map((job) => (
        <li key={job.name}>
          <Link to={jobHref(job.name)}>{job.name}</Link>{' '}
          <span className={`status-${job.properties.status}`}>{job.properties.status}</span>
          <div className="muted">
            {endpointOf(job)} / {deploymentOf(job)}, started{' '}
            <Time iso={job.properties.startTime ?? undefined} />
          </div>
          <JobProgressBar job={job} />
        </li>
      ))}
    </ul>
  );
}

export function RecentFailures({ jobs }: { jobs: readonly JobResource[] }) {
  if (jobs.length === 0) return <p className="muted">No failed jobs.</p>;
  return (
    <ul className="failure-list" aria-label="Recent failures">
      {jobs.map((job) => {
        const error = job.properties.error;
        return (
          <li key={job.name}>
            <Link to={jobHref(job.name)}>{job.name}</Link>
            <div className="muted">
              {endpointOf(job)} / {deploymentOf(job)}, ended{' '}
              <Time iso={job.properties.endTime ?? undefined} />
            </div>
            {error ? (
              <p className="first-error">
                <strong>{error.code ?? 'Error'}</strong>: {(error.message ?? '').split(/\r?\n/)[0]}
              </p>
            ) : (
              <p className="muted">No error was recorded.</p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
