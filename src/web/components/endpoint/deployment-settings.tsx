/**
 * A deployment's definition as people check it: the model and version (linking to the model's page), the
 * code and scoring script, the environment, and the batch settings under the names `az ml batch-deployment`
 * YAML uses (mini_batch_size, instance_count, retry_settings, error_threshold, ...).
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { assetRef, type DeploymentResource } from './resources.ts';

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function DeploymentDefinition({ deployment }: { deployment: DeploymentResource }) {
  const p = deployment.properties;
  const model = assetRef(p.model.assetId);
  const code = assetRef(p.codeConfiguration?.codeId);
  const environment = assetRef(p.environmentId);
  return (
    <dl className="facts">
      <Fact term="Model">
        <Link to={`/studio/models/${encodeURIComponent(model.name)}`}>{model.name}</Link>
        {model.version === undefined ? null : <span> version {model.version}</span>}
      </Fact>
      <Fact term="Code">
        {p.codeConfiguration === null ? (
          <span className="muted">none (a no-code model deployment)</span>
        ) : (
          <>
            <code>{code.name}</code>
            {code.version === undefined ? null : <span> version {code.version}</span>}, scoring script{' '}
            <code>{p.codeConfiguration.scoringScript}</code>
          </>
        )}
      </Fact>
      <Fact term="Environment">
        {p.environmentId === null ? (
          <span className="muted">the server's runtime</span>
        ) : (
          <code>
            {environment.name}
            {environment.version === undefined ? '' : `:${environment.version}`}
          </code>
        )}
      </Fact>
      <Fact term="Description">
        {p.description === undefined || p.description === null || p.description === '' ? '—' : p.description}
      </Fact>
      <Fact term="State">{p.provisioningState}</Fact>
    </dl>
  );
}

export function DeploymentSettings({ deployment }: { deployment: DeploymentResource }) {
  const p = deployment.properties;
  const rows: [string, string][] = [
    ['compute', assetRef(p.compute).name || 'local'],
    ['instance_count', String(p.resources.instanceCount)],
    ['instance_type', p.resources.instanceType ?? '—'],
    ['max_concurrency_per_instance', String(p.maxConcurrencyPerInstance)],
    ['mini_batch_size', String(p.miniBatchSize)],
    ['retry_settings.max_retries', String(p.retrySettings.maxRetries)],
    ['retry_settings.timeout', p.retrySettings.timeout],
    ['error_threshold', p.errorThreshold === -1 ? '-1 (ignore failures)' : String(p.errorThreshold)],
    ['output_action', p.outputAction],
    ['output_file_name', p.outputFileName],
    ['logging_level', p.loggingLevel ?? '—'],
  ];
  const variables = Object.entries(p.environmentVariables ?? {});
  return (
    <>
      <div className="table-wrap">
        <table className="settings">
          <caption className="sr-only">Settings</caption>
          <tbody>
            {rows.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">
                  <code>{key}</code>
                </th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {variables.length === 0 ? null : (
        <>
          <h3>Environment variables</h3>
          <div className="table-wrap">
            <table className="settings">
              <tbody>
                {variables.map(([key, value]) => (
                  <tr key={key}>
                    <th scope="row">
                      <code>{key}</code>
                    </th>
                    <td>
                      <code>{value}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
