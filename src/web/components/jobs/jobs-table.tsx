/**
 * A table of jobs: name (a link to the job's page), status, endpoint and deployment, creator, when it was
 * created (viewer's zone, UTC on hover) and how far it got. It scrolls inside its own box at phone width,
 * so the page itself never scrolls sideways.
 */
import { Link } from 'react-router';
import { Time } from '../time.tsx';
import { JobProgressBar } from './job-progress.tsx';
import { deploymentOf, endpointOf, firstErrorLine, jobHref, type JobResource } from './job-wire.ts';

export function JobsTable({ jobs, caption }: { jobs: readonly JobResource[]; caption: string }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="jobs-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Deployment</th>
            <th scope="col">Created by</th>
            <th scope="col">Created</th>
            <th scope="col">Progress</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.name}>
              <td>
                <Link to={jobHref(job.name)}>{job.name}</Link>
              </td>
              <td>
                <span className={`status-${job.properties.status}`}>{job.properties.status}</span>
                {job.properties.error ? (
                  <div className="job-error-line">{firstErrorLine(job.properties.error)}</div>
                ) : null}
              </td>
              <td>{endpointOf(job)}</td>
              <td>{deploymentOf(job)}</td>
              <td>{job.systemData?.createdBy ?? ''}</td>
              <td>
                <Time iso={job.systemData?.createdAt} />
              </td>
              <td>
                <JobProgressBar job={job} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
