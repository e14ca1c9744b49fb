/**
 * An endpoint's deployments: which one is the default, each one's model and compute, a link to its page,
 * and "make default" on every other one (disabled, with the missing role named, for whoever may not
 * change the endpoint).
 */
import { Link } from 'react-router';
import type { Permission } from '../../api/permissions.ts';
import { Time } from '../time.tsx';
import { MakeDefault } from './make-default.tsx';
import { assetRef, deploymentUrl, type DeploymentResource } from './resources.ts';

interface Props {
  endpoint: string;
  current: string | null;
  deployments: DeploymentResource[];
  permission: Permission;
}

export function DeploymentTable({ endpoint, current, deployments, permission }: Props) {
  if (deployments.length === 0) return <p className="muted">This endpoint has no deployments yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Deployments of {endpoint}</caption>
        <thead>
          <tr>
            <th scope="col">Deployment</th>
            <th scope="col">Model</th>
            <th scope="col">Compute</th>
            <th scope="col">State</th>
            <th scope="col">Changed</th>
            <th scope="col">Default</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => {
            const model = assetRef(d.properties.model.assetId);
            return (
              <tr key={d.name}>
                <th scope="row">
                  <Link to={deploymentUrl(endpoint, d.name)}>{d.name}</Link>
                </th>
                <td>
                  <Link to={`/studio/models/${encodeURIComponent(model.name)}`}>{model.name}</Link>
                  {model.version === undefined ? null : <span className="muted"> v{model.version}</span>}
                </td>
                <td>{assetRef(d.properties.compute).name || 'local'}</td>
                <td>{d.properties.provisioningState}</td>
                <td>
                  <Time iso={d.systemData?.lastModifiedAt ?? d.systemData?.createdAt} />
                </td>
                <td>
                  {d.name === current ? (
                    <span className="badge">Default</span>
                  ) : (
                    <MakeDefault
                      endpoint={endpoint}
                      deployment={d.name}
                      current={current}
                      permission={permission}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
