/**
 * Datastores: each one's name (a link into its browser), kind, where its files are and whether it is the
 * default. Anyone who may see the workspace sees this list; browsing a datastore's files needs more.
 */
import { Link } from 'react-router';
import { useArm, type ArmList } from '../api/context.ts';
import { browserLink } from '../components/data/datastore-links.ts';
import { ErrorMessage, Loading } from '../components/status.tsx';
import '../styles/data.css';

interface Datastore {
  name: string;
  properties: {
    datastoreType: string;
    path?: string;
    accountName?: string;
    containerName?: string;
    filesystem?: string;
    bucket?: string;
    isDefault: boolean;
    description?: string;
  };
}

function where(p: Datastore['properties']): string {
  if (p.path !== undefined) return p.path;
  if (p.bucket !== undefined) return `s3://${p.bucket}`;
  const inside = p.containerName ?? p.filesystem;
  return [p.accountName, inside].filter((x) => x !== undefined).join(' / ');
}

export function DatastoreList() {
  const stores = useArm<ArmList<Datastore>>('/datastores');
  return (
    <>
      <h1>Datastores</h1>
      {stores.isPending && <Loading what="datastores" />}
      {stores.error && <ErrorMessage error={stores.error} />}
      {stores.data && stores.data.value.length === 0 && <p className="muted">No datastores yet.</p>}
      {stores.data && stores.data.value.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Datastores">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Where</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {stores.data.value.map((d) => (
                <tr key={d.name}>
                  <td>
                    <Link to={browserLink(d.name, '', 'folder')}>{d.name}</Link>
                    {d.properties.isDefault && <span className="badge">default</span>}
                  </td>
                  <td>{d.properties.datastoreType}</td>
                  <td className="path-cell">
                    <code>{where(d.properties)}</code>
                  </td>
                  <td>{d.properties.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
