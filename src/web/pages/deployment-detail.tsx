/**
 * One deployment of a batch endpoint: its model and version, code, environment and settings, whether it
 * is the endpoint's default, and the history of its changes from the audit log. The deployment, the
 * endpoint and the audit entries are asked for at once as the page opens.
 */
import { Link, useParams } from 'react-router';
import { useArm } from '../api/context.ts';
import { usePermission } from '../api/permissions.ts';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { ChangeHistory, useChangeHistory } from '../components/endpoint/change-history.tsx';
import { DeploymentDefinition, DeploymentSettings } from '../components/endpoint/deployment-settings.tsx';
import { MakeDefault } from '../components/endpoint/make-default.tsx';
import {
  deploymentPath,
  endpointPath,
  type DeploymentResource,
  type EndpointResource,
} from '../components/endpoint/resources.ts';
import '../styles/endpoints.css';

export function DeploymentDetail() {
  const params = useParams();
  const endpointName = params.endpoint ?? '';
  const name = params.deployment ?? '';
  const deployment = useArm<DeploymentResource>(deploymentPath(endpointName, name));
  const endpoint = useArm<EndpointResource>(endpointPath(endpointName));
  const history = useChangeHistory(endpointName, name);
  const write = usePermission('Microsoft.MachineLearningServices/workspaces/batchEndpoints/write', {
    endpoint: endpointName,
  });
  const endpointUrl = `/studio/endpoints/${encodeURIComponent(endpointName)}`;
  const isDefault = endpoint.data?.properties.defaults.deploymentName === name;
  return (
    <section className="endpoints">
      <p className="crumbs">
        <Link to="/studio/endpoints">Endpoints</Link> / <Link to={endpointUrl}>{endpointName}</Link> /
      </p>
      <h1>
        {name} {isDefault ? <span className="badge">Default</span> : null}
      </h1>
      {endpoint.data && deployment.data && !isDefault ? (
        <div className="actions">
          <MakeDefault
            endpoint={endpointName}
            deployment={name}
            current={endpoint.data.properties.defaults.deploymentName}
            permission={write}
          />
        </div>
      ) : null}
      {deployment.isPending ? <Loading what="the deployment" /> : null}
      {deployment.error ? <ErrorMessage error={deployment.error} /> : null}
      {deployment.data ? (
        <>
          <DeploymentDefinition deployment={deployment.data} />
          <p className="muted">
            Created <Time iso={deployment.data.systemData?.createdAt} />
            {deployment.data.systemData?.createdBy === undefined
              ? ''
              : ` by ${deployment.data.systemData.createdBy}`}
            , last changed <Time iso={deployment.data.systemData?.lastModifiedAt} />
          </p>
          <h2>Settings</h2>
          <DeploymentSettings deployment={deployment.data} />
        </>
      ) : null}
      <p>
        <Link
          to={`/studio/jobs?endpoint=${encodeURIComponent(endpointName)}&deployment=${encodeURIComponent(name)}`}
        >
          Jobs of this deployment
        </Link>
      </p>
      <h2>History</h2>
      <ChangeHistory query={history} endpoint={endpointName} deployment={name} />
    </section>
  );
}
