/**
 * Endpoints: every batch endpoint with its default deployment, scoring URI and state, linking to its page,
 * its default deployment and its jobs. One GET of the workspace's endpoints, as `az ml batch-endpoint
 * list` makes.
 */
import { Link } from 'react-router';
import { useArm, type ArmList } from '../api/context.ts';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { CopyButton } from '../components/endpoint/copy-button.tsx';
import { deploymentUrl, type EndpointResource } from '../components/endpoint/resources.ts';
import '../styles/endpoints.css';

function EndpointRow({ endpoint }: { endpoint: EndpointResource }) {
  const name = endpoint.name;
  const href = `/studio/endpoints/${encodeURIComponent(name)}`;
  const fallback = endpoint.properties.defaults.deploymentName;
  return (
    <tr>
      <th scope="row">
        <Link to={href}>{name}</Link>
      </th>
      <td>
        {fallback === null ? (
          <span className="muted">none</span>
        ) : (
          <Link to={deploymentUrl(name, fallback)}>{fallback}</Link>
        )}
      </td>
      <td className="uri-cell">
        <code>{endpoint.properties.scoringUri}</code>{' '}
        <CopyButton text={endpoint.properties.scoringUri} label={`Copy the scoring URI of ${name}`} />
      </td>
      <td className={`state-${endpoint.properties.provisioningState}`}>
        {endpoint.properties.provisioningState}
      </td>
      <td>
        <Time iso={endpoint.systemData?.lastModifiedAt ?? endpoint.systemData?.createdAt} />
      </td>
      <td>
        <Link to={`/studio/jobs?endpoint=${encodeURIComponent(name)}`}>Jobs</Link>
      </td>
    </tr>
  );
}

export function EndpointList() {
  const endpoints = useArm<ArmList<EndpointResource>>('/batchEndpoints');
  return (
    <section className="endpoints">
      <h1>Endpoints</h1>
      {endpoints.isPending ? <Loading what="endpoints" /> : null}
      {endpoints.error ? <ErrorMessage error={endpoints.error} /> : null}
      {endpoints.data?.value.length === 0 ? (
        <p className="muted">
          No batch endpoints yet. Create one with <code>nightshift batch-endpoint create</code>.
        </p>
      ) : null}
      {endpoints.data && endpoints.data.value.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Batch endpoints</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Default deployment</th>
                <th scope="col">Scoring URI</th>
                <th scope="col">State</th>
                <th scope="col">Changed</th>
                <th scope="col">
                  <span className="sr-only">Links</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.value.map((e) => (
                <EndpointRow key={e.name} endpoint={e} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
