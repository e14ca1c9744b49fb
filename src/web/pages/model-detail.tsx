/**
 * A model: its versions and which jobs used which version. The versions and the model's jobs (the
 * server filters the jobs list by model; the newest 1,000, said on the page) are fetched side by side,
 * and each job names the version that scored it.
 */
import { useParams } from 'react-router';
import { useArm, type ArmList } from '../api/context.ts';
import type { JobResource } from '../components/jobs/job-wire.ts';
import { ModelVersionsTable, type ModelVersion } from '../components/jobs/model-versions-table.tsx';
import { ErrorMessage, Loading } from '../components/status.tsx';
import '../styles/jobs.css';

const JOBS_READ = 1000;

function byVersion(model: string, jobs: readonly JobResource[]): Map<string, JobResource[]> {
  const map = new Map<string, JobResource[]>();
  for (const job of jobs) {
    const used = job.properties.model;
    if (!used || used.name.toLowerCase() !== model.toLowerCase()) continue;
    map.set(used.version, [...(map.get(used.version) ?? []), job]);
  }
  return map;
}

export function ModelDetail() {
  const name = useParams().name ?? '';
  const path = `/models/${encodeURIComponent(name)}`;
  const versions = useArm<ArmList<ModelVersion>>(`${path}/versions`);
  const jobs = useArm<ArmList<JobResource>>('/jobs', { model: name, $top: JOBS_READ });
  return (
    <section>
      <h1>Model {name}</h1>
      {versions.isPending ? <Loading what="versions" /> : null}
      {versions.error ? <ErrorMessage error={versions.error} /> : null}
      {jobs.error ? <ErrorMessage error={jobs.error} /> : null}
      {versions.data ? (
        <>
          <ModelVersionsTable
            versions={[...versions.data.value].reverse()}
            jobsByVersion={byVersion(name, jobs.data?.value ?? [])}
          />
          <p className="muted">
            {jobs.isPending
              ? 'Loading the jobs…'
              : (jobs.data?.value.length ?? 0) >= JOBS_READ
                ? `Counted over this model's newest ${JOBS_READ} jobs.`
                : `All ${jobs.data?.value.length ?? 0} jobs of this model are counted.`}
          </p>
        </>
      ) : null}
    </section>
  );
}
