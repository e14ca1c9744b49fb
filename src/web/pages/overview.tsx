/**
 * Overview: the endpoints, the jobs running now with their progress (refreshed every few seconds; a job's
 * own page follows it live), the newest failures with their first error, and the jobs per day of one
 * endpoint (`?chart=NAME`, the first endpoint by default). The three lists are fetched side by side.
 */
import { useSearchParams } from 'react-router';
import { useArm, type ArmList } from '../api/context.ts';
import { JobsPerDayChart } from '../components/charts/jobs-per-day-chart.tsx';
import type { JobResource } from '../components/jobs/job-wire.ts';
import {
  EndpointCards,
  RecentFailures,
  RunningJobs,
  type EndpointResource,
} from '../components/jobs/overview-sections.tsx';
import { ErrorMessage, Loading } from '../components/status.tsx';
import '../styles/jobs.css';

const ACTIVE = 'NotStarted,Preparing,Queued,Running,Finalizing,CancelRequested';

function ChartSection({ endpoints }: { endpoints: readonly EndpointResource[] }) {
  const [params, setParams] = useSearchParams();
  const chosen = params.get('chart') ?? endpoints[0]?.name;
  if (chosen === undefined) return null;
  return (
    <section aria-labelledby="chart-heading">
      <h2 id="chart-heading">Jobs per day</h2>
      <label>
        Endpoint{' '}
        <select
          value={chosen}
          onChange={(e) => {
            setParams({ chart: e.target.value }, { replace: true });
          }}
        >
          {[...new Set([...endpoints.map((e) => e.name), chosen])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <JobsPerDayChart endpoint={chosen} />
    </section>
  );
}

export function Overview() {
  const endpoints = useArm<ArmList<EndpointResource>>('/batchEndpoints');
  const running = useArm<ArmList<JobResource>>(
    '/jobs',
    { status: ACTIVE, $top: 20 },
    { refetchInterval: 5000 },
  );
  const failures = useArm<ArmList<JobResource>>('/jobs', { status: 'Failed', $top: 5 });
  return (
    <div className="overview">
      <h1>Overview</h1>
      <div className="overview-grid">
        <section aria-labelledby="endpoints-heading">
          <h2 id="endpoints-heading">Endpoints</h2>
          {endpoints.isPending ? <Loading what="endpoints" /> : null}
          {endpoints.error ? <ErrorMessage error={endpoints.error} /> : null}
          {endpoints.data ? <EndpointCards endpoints={endpoints.data.value} /> : null}
        </section>
        <section aria-labelledby="running-heading">
          <h2 id="running-heading">Running now</h2>
          {running.isPending ? <Loading what="running jobs" /> : null}
          {running.error ? <ErrorMessage error={running.error} /> : null}
          {running.data ? <RunningJobs jobs={running.data.value} /> : null}
        </section>
        <section aria-labelledby="failures-heading">
          <h2 id="failures-heading">Recent failures</h2>
          {failures.isPending ? <Loading what="failed jobs" /> : null}
          {failures.error ? <ErrorMessage error={failures.error} /> : null}
          {failures.data ? <RecentFailures jobs={failures.data.value} /> : null}
        </section>
      </div>
      {endpoints.data ? <ChartSection endpoints={endpoints.data.value} /> : null}
    </div>
  );
}
