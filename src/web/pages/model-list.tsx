/**
 * Models: every registered model with its latest version, each a link to its versions and the jobs that
 * used them.
 */
import { Link } from 'react-router';
import { useArm, type ArmList } from '../api/context.ts';
import { ErrorMessage, Loading } from '../components/status.tsx';
import '../styles/jobs.css';

interface ModelContainer {
  name: string;
  properties: { latestVersion?: string };
}

export function ModelList() {
  const models = useArm<ArmList<ModelContainer>>('/models');
  return (
    <section>
      <h1>Models</h1>
      {models.isPending ? <Loading what="models" /> : null}
      {models.error ? <ErrorMessage error={models.error} /> : null}
      {models.data?.value.length === 0 ? <p className="muted">No models registered yet.</p> : null}
      {models.data && models.data.value.length > 0 ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Models">
          <table>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Latest version</th>
              </tr>
            </thead>
            <tbody>
              {models.data.value.map((m) => (
                <tr key={m.name}>
                  <td>
                    <Link to={`/studio/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                  </td>
                  <td>{m.properties.latestVersion ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
