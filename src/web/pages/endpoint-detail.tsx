/**
 * One batch endpoint: its scoring URI (with a copy button), its deployments and which is the default,
 * "make default" on the others (a rollback is one confirmed click), invoking a job from the page, and
 * links to its jobs. Every query starts as the page opens (the endpoint, its deployments, and what the
 * signed-in principal may do at the endpoint), so nothing waits for another answer.
 */
import { Link, useParams } from 'react-router';
import { useArm, type ArmList } from '../api/context.ts';
import { usePermission } from '../api/permissions.ts';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { JobsPerDayChart } from '../components/charts/jobs-per-day-chart.tsx';
import { CopyButton } from '../components/endpoint/copy-button.tsx';
import { DeploymentTable } from '../components/endpoint/deployment-table.tsx';
import { InvokeForm } from '../components/endpoint/invoke-form.tsx';
import {
  endpointPath,
  type DeploymentResource,
  type EndpointResource,
} from '../components/endpoint/resources.ts';
import '../styles/endpoints.css';

const ML = 'Microsoft.MachineLearningServices/workspaces';

function Summary({ endpoint }: { endpoint: EndpointResource }) {
  const p = endpoint.properties;
  return (
    <dl className="facts">
      <dt>Scoring URI</dt>
      <dd className="uri-cell">
        <code id="scoring-uri">{p.scoringUri}</code>{' '}
        <CopyButton text={p.scoringUri} label="Copy the scoring URI" />
      </dd>
      <dt>State</dt>
      <dd>{p.provisioningState}</dd>
      <dt>Auth mode</dt>
      <dd>{p.authMode ?? '—'}</dd>
      <dt>Description</dt>
      <dd>
        {p.description === undefined || p.description === null || p.description === '' ? '—' : p.description}
      </dd>
      <dt>Changed</dt>
      <dd>
        <Time iso={endpoint.systemData?.lastModifiedAt ?? endpoint.systemData?.createdAt} />
      </dd>
    </dl>
  );
}

export function EndpointDetail() {
  const name = useParams().endpoint ?? '';
  const path = endpointPath(name);
  const endpoint = useArm<EndpointResource>(path);
  const deployments = useArm<ArmList<DeploymentResource>>(`${path}/deployments`);
  const write = usePermission(`${ML}/batchEndpoints/write`, { endpoint: name });
  const invoke = usePermission(`${ML}/batchEndpoints/jobs/write`, { endpoint: name });
  const invokeDeployment = usePermission(`${ML}/batchEndpoints/deployments/jobs/write`, { endpoint: name });
  const jobsUrl = `/studio/jobs?endpoint=${encodeURIComponent(name)}`;
  return (
    <section className="endpoints">
      <p className="crumbs">
        <Link to="/studio/endpoints">Endpoints</Link> /
      </p>
      <h1>{name}</h1>
      {endpoint.isPending ? <Loading what="the endpoint" /> : null}
      {endpoint.error ? <ErrorMessage error={endpoint.error} /> : null}
      {endpoint.data ? <Summary endpoint={endpoint.data} /> : null}
      <p>
        <Link to={jobsUrl}>All jobs</Link>
      </p>
      <JobsPerDayChart endpoint={name} />
      <h2>Deployments</h2>
      {deployments.isPending ? <Loading what="deployments" /> : null}
      {deployments.error ? <ErrorMessage error={deployments.error} /> : null}
      {deployments.data && endpoint.data ? (
        <DeploymentTable
          endpoint={name}
          current={endpoint.data.properties.defaults.deploymentName}
          deployments={deployments.data.value}
          permission={write}
        />
      ) : null}
      <h2 id="invoke-heading">Invoke</h2>
      {endpoint.data ? (
        <InvokeForm
          scoringUri={endpoint.data.properties.scoringUri}
          deployments={(deployments.data?.value ?? []).map((d) => d.name)}
          defaultDeployment={endpoint.data.properties.defaults.deploymentName}
          permissions={{ endpoint: invoke, deployment: invokeDeployment }}
        />
      ) : null}
    </section>
  );
}
