/**
 * A model's versions, each with the jobs that scored with it (newest first, the first few by name with a
 * link to each), so "which jobs used version 3?" is answered at a glance.
 */
import { Link } from 'react-router';
import { Time } from '../time.tsx';
import { jobHref, type JobResource } from './job-wire.ts';

export interface ModelVersion {
  name: string;
  properties: { modelType?: string; description?: string; contentHash?: string };
  systemData?: { createdAt?: string };
}

const SHOWN = 10;

function VersionJobs({ jobs }: { jobs: readonly JobResource[] }) {
  if (jobs.length === 0) return <span className="muted">No jobs</span>;
  return (
    <>
      <span>
        {jobs.length} job{jobs.length === 1 ? '' : 's'}
      </span>
      <ul className="version-jobs">
        {jobs.slice(0, SHOWN).map((job) => (
          <li key={job.name}>
            <Link to={jobHref(job.name)}>{job.name}</Link>{' '}
            <span className={`status-${job.properties.status}`}>{job.properties.status}</span>
          </li>
        ))}
      </ul>
      {jobs.length > SHOWN ? <span className="muted">and {jobs.length - SHOWN} more</span> : null}
    </>
  );
}

export function ModelVersionsTable(props: {
  versions: readonly ModelVersion[];
  jobsByVersion: ReadonlyMap<string, JobResource[]>;
}) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Versions and their jobs">
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Type</th>
            <th scope="col">Registered</th>
            <th scope="col">Jobs that used it</th>
          </tr>
        </thead>
        <tbody>
          {props.versions.map((v) => (
            <tr key={v.name}>
              <th scope="row">{v.name}</th>
              <td>{v.properties.modelType ?? ''}</td>
              <td>
                <Time iso={v.systemData?.createdAt} />
              </td>
              <td>
                <VersionJobs jobs={props.jobsByVersion.get(v.name) ?? []} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
